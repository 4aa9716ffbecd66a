"""Reporting objects for the scoping harness: a submitted village report whose page shows the marker."""

from __future__ import annotations

from typing import Any

from jisheng.reporting.models import Report, ReportForm, ReportJob
from jisheng.reporting.periods import parse
from jisheng.reporting.services import forms_load
from tests.factories import SETUP


def make_objects(*, area: Any, marker: str) -> list[Any]:
    if not ReportForm.objects.exists():
        forms_load(by=SETUP)
    form = ReportForm.objects.get(code="village_month")
    period = parse("2026-M10")
    report = Report.objects.create(
        form=form,
        form_version=form.version,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        area=area,
        level=area.level,
        status=Report.Status.SUBMITTED,
        values={"births": 1},
        registry_values={"births": 1},
        return_comment=marker,
        explanation=marker,
        due_date=period.due(3),
    )
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.APPROVE,
        status=ReportJob.Status.FAILED,
        form=form,
        period_key=period.key,
        area=area,
        report=report,
        message=marker,
    )
    return [report, job]
