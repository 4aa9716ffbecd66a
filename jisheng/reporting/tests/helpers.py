"""Registry rows for reporting tests, made directly with the ORM (the registry's services are not ours),
with valid GB 11643 ID numbers from the shared test factories."""

from __future__ import annotations

import datetime
from typing import Any

from jisheng.areas.models import Level
from jisheng.registry.codes import MaritalStatus, PersonStatus, Sex
from jisheng.registry.models import Birth, Contraception, Marriage, Person
from jisheng.reporting import clock, services
from tests.factories import make_id


def person(
    area: Any, *, sex: str = Sex.FEMALE, born: datetime.date = datetime.date(1995, 5, 1), **extra: Any
) -> Person:
    id_number = make_id(born, "1" if sex == Sex.MALE else "2")
    return Person.objects.create(
        name=extra.pop("name", f"测试{id_number[-5:-1]}"),
        id_number=id_number,
        sex=sex,
        birth_date=born,
        marital_status=extra.pop("marital_status", MaritalStatus.MARRIED),
        residence_area=area,
        status=extra.pop("status", PersonStatus.ALIVE),
        **extra,
    )


def births(
    area: Any, day: datetime.date, *, male: int = 0, female: int = 0, order: int = 1, defects: int = 0
) -> None:
    mother = person(area)
    for index in range(male + female):
        Birth.objects.create(
            mother=mother,
            date=day,
            birth_order=order,
            sex=Sex.MALE if index < male else Sex.FEMALE,
            has_defect=index < defects,
            area=area,
        )


def marriage(area: Any, day: datetime.date) -> Marriage:
    return Marriage.objects.create(husband=person(area, sex=Sex.MALE), wife=person(area), date=day, area=area)


def contraception(
    area: Any, day: datetime.date, method: str = "700", woman: Person | None = None
) -> Contraception:
    return Contraception.objects.create(
        person=woman or person(area), method=method, start_date=day, area=area
    )


MANUAL = {
    "prepregnancy_target": 10,
    "cancer_screen_target": 20,
    "migrants_out_new": 3,
    "migrants_checklist_done": 3,
}


def on_time(month: Any) -> datetime.datetime:
    """Noon UTC on the period's last day: before any due day."""
    return datetime.datetime.combine(month.end, datetime.time(12), tzinfo=datetime.UTC)


def fill_and_submit(report: Any, officer: Any, when: datetime.datetime) -> Any:
    """Fill the hand-entered items (of a village's report; a compiled one is not typed) and submit, as if
    on ``when``."""
    if report.level == Level.VILLAGE:
        services.report_save_values(report=report, values=MANUAL, by=officer)
    with clock.travel_to(when):
        return services.report_submit(report=report, by=officer)
