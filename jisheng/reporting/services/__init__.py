"""Every state change of reporting: forms loaded, reports opened, filled, submitted, verified, returned,
approved, unlocked and compiled, and figures stored. One transaction and one audit event each.

``reports`` holds the report's own steps; ``report_jobs`` queues compilation and approval for the
worker (``jisheng.reporting.jobs``)."""

from __future__ import annotations

from .report_jobs import cancelled_message, report_job_cancel, report_job_start, report_job_update
from .reports import (
    HISTORY_PERIODS,
    MAX_FIGURE,
    Progress,
    due_date,
    forms_load,
    parse_values,
    report_approve,
    report_compile,
    report_open,
    report_return,
    report_save_values,
    report_submit,
    report_unlock,
    report_verify,
)

__all__ = [
    "HISTORY_PERIODS",
    "MAX_FIGURE",
    "Progress",
    "cancelled_message",
    "due_date",
    "forms_load",
    "parse_values",
    "report_approve",
    "report_compile",
    "report_job_cancel",
    "report_job_start",
    "report_job_update",
    "report_open",
    "report_return",
    "report_save_values",
    "report_submit",
    "report_unlock",
    "report_verify",
]
