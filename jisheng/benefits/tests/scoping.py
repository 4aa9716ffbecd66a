"""Objects for the cross-area leak harness (tests/test_scoping.py): in ``area`` (a village), every
benefit object a page or API operation shows, each displaying ``marker``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from jisheng.benefits.models import Application, Batch, BatchJob, Enrolment, Line, Objection, Payment

from .factories import person


def make_objects(*, area: Any, marker: str) -> list[Any]:
    resident = person(area, marker[:32], "2", datetime.date(2024, 3, 3))
    on_notice = Batch.objects.create(
        programme_id="childcare_subsidy",
        programme_name=f"育儿补贴{marker}"[:64],
        version="2025",
        year=2025,
        area=area,
        status=Batch.Status.NOTICE,
        total=Decimal("3600.00"),
        notice_start=datetime.date(2020, 1, 1),
        notice_end=datetime.date(2020, 1, 8),
    )
    line = Line.objects.create(
        batch=on_notice,
        person=resident,
        area=area,
        name=marker[:32],
        id_number=resident.id_number,
        amount=Decimal("3600.00"),
        reasons=f"符合条件：{marker}",
    )
    objection = Objection.objects.create(line=line, area=area, raised_by=marker[:64], content=marker)
    paying = Batch.objects.create(
        programme_id="rural_reward",
        programme_name=f"奖扶{marker}"[:64],
        version="2012",
        year=2025,
        area=area,
        status=Batch.Status.PAYING,
        total=Decimal("960.00"),
    )
    paid_line = Line.objects.create(
        batch=paying,
        person=resident,
        area=area,
        name=marker[:32],
        id_number=resident.id_number,
        amount=Decimal("960.00"),
        reasons=marker,
        status=Line.Status.APPROVED,
    )
    issued = Payment.objects.create(
        line=paid_line,
        person=resident,
        area=area,
        programme_id="rural_reward",
        period="2025",
        amount=Decimal("960.00"),
        bank_account=marker[:32],
        status=Payment.Status.FAILED,
        attempt=1,
    )
    application = Application.objects.create(
        person=resident,
        area=area,
        programme_id="childcare_subsidy",
        year=2025,
        version="2025",
        status=Application.Status.ELIGIBLE,
        amount=Decimal("3600.00"),
        reasons=marker,
    )
    enrolment = Enrolment.objects.create(
        person=resident, area=area, programme_id="childcare_subsidy", since_year=2025, confirmed_year=2025
    )
    job = BatchJob.objects.create(
        kind=BatchJob.Kind.PROPOSE,
        programme_id="childcare_subsidy",
        year=2025,
        area=area,
        batch=on_notice,
        status=BatchJob.Status.DONE,
        message=marker,
    )
    return [on_notice, line, objection, paying, paid_line, issued, application, enrolment, job]
