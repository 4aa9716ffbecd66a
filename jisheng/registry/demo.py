"""Demo step: the residents of 平舆县 (see demo_county), a known 张三 for the walkthrough, and a
duplicate scan so the planted duplicates wait for review. Idempotent: a county that already has the
requested number of persons is left alone; a smaller one is topped up."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.db import transaction

from jisheng.areas.models import Area, Level
from jisheng.audit.services import record
from jisheng.core.actor import DEMO

from .demo_county import COUNTY_PREFIX, generate
from .duplicates import duplicates_scan
from .models import Person
from .services import person_create

ORDER = 30
WALKTHROUGH_VILLAGE = "411723101201"


def county_person_count() -> int:
    return Person.objects.filter(residence_area__code__startswith=COUNTY_PREFIX).count()


def populate(*, persons: int, seed: int, out: Any) -> None:
    villages = list(
        Area.objects.filter(
            level=Level.VILLAGE, code__startswith=COUNTY_PREFIX, valid_to__isnull=True
        ).values_list("code", flat=True)
    )
    if not villages:
        out.write("人口: 没有村（居），跳过 / no villages, skipped")
        return
    existing = county_person_count()
    if existing >= persons:
        out.write(f"人口: 已有 {existing:,} 人，未变 / already there")
        return
    started = time.monotonic()
    # 张三 is added after the bulk load (which is fastest into empty tables) and counts in the total.
    walkthrough = int(_walkthrough_needed())
    added = generate(
        villages=villages,
        persons=persons - walkthrough,
        seed=seed,
        start=existing,
        log=out.write,
        reserved=frozenset({WALKTHROUGH_ID}),
    )
    _walkthrough_person()
    added += walkthrough
    with transaction.atomic():
        record(
            by=DEMO,
            action="registry.demo_generate",
            object_type="registry.person",
            area_code=COUNTY_PREFIX.ljust(12, "0"),
            after={"seed": seed, "persons": persons, "added": added},
        )
    found = duplicates_scan(by=DEMO)
    out.write(f"人口: 新增 {added:,} 人 ({time.monotonic() - started:.1f}s)，疑似重复 {found} 对")


WALKTHROUGH_ID = "412827198503021232"


def _walkthrough_needed() -> bool:
    return (
        Area.objects.filter(code=WALKTHROUGH_VILLAGE).exists()
        and not Person.objects.filter(id_number=WALKTHROUGH_ID).exists()
    )


def _walkthrough_person() -> None:
    """张三 of 王庄村, whom the README's walkthrough finds by typing "zs"."""
    if not _walkthrough_needed():
        return
    village = Area.objects.get(code=WALKTHROUGH_VILLAGE)
    number = WALKTHROUGH_ID
    person_create(
        by=DEMO,
        name="张三",
        id_number=number,
        residence_area=village,
        phone="13903961234",
        address="王庄村3组18号",
        since=datetime.date(1985, 3, 2),
    )
