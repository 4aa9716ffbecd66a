"""Every state change of the benefit process, one transaction and one audit event each.

proposal (``batch_propose``) → village public notice (``batch_start_notice``) → objections
(``objection_record``/``objection_resolve``) → township first review (``batch_review``) → county
approval (``batch_approve``) → bank file (``payments_issue``) → per line paid or failed
(``payment_settle``) → failed lines re-issued (``payment_reissue``). Each step checks who may take it;
a step taken twice is refused, and the database refuses a second live payment for the same person,
programme and period whatever the route.
"""

from __future__ import annotations

from .batch_jobs import batch_job_cancel, batch_job_start, batch_job_update, cancelled_message
from .batches import (
    Progress,
    batch_approve,
    batch_propose,
    batch_review,
    batch_start_notice,
    objection_record,
    objection_resolve,
)
from .payments import (
    allowed_holders,
    enrolment_stop,
    enrolments_reconfirm,
    line_account_set,
    lines_lacking_account,
    payment_reissue,
    payment_settle,
    payments_issue,
)

__all__ = [
    "Progress",
    "allowed_holders",
    "batch_approve",
    "batch_job_cancel",
    "batch_job_start",
    "batch_job_update",
    "batch_propose",
    "batch_review",
    "batch_start_notice",
    "cancelled_message",
    "enrolment_stop",
    "enrolments_reconfirm",
    "line_account_set",
    "lines_lacking_account",
    "objection_record",
    "objection_resolve",
    "payment_reissue",
    "payment_settle",
    "payments_issue",
]
