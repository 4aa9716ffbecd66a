"""The test suite's one module of factories: actors, the area tree, staff, residents of the registry.

Tests of every app build their world from here (and from the fixtures of the root ``conftest.py``,
which use these functions), so a change to what a valid person or staff member is happens once.

Registry rows are written with the ORM, as the tests of every app found them: the registry's services
are tested on their own, and the set-up of another app's tests should not add registry audit events.
"""

from __future__ import annotations

import datetime
import itertools
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric

from jisheng.core.actor import Resident, System

if TYPE_CHECKING:
    from jisheng.accounts.models import User
    from jisheng.areas.models import Area
    from jisheng.registry.models import Contraception, Household, Marriage, Person

# Who acts when a test sets up its world through the services: the system, doing the tests' set-up job.
SETUP = System(job="test set-up")
# A resident on the portal (an online application, a correction, a rating).
A_RESIDENT = Resident(reference="411723********4526")

TEST_PASSWORD = "Test#Pass2026"
PHONE = "13800000000"

_serial = itertools.count(100)


def make_areas() -> dict[str, Area]:
    """City 4117 › county 411723 › townships 101 (A) and 102 (B) › two villages each."""
    from jisheng.areas.models import Area, Level

    def make(code: str, name: str, level: int, parent: Area | None) -> Area:
        return Area.objects.create(code=code, name=name, level=level, parent=parent)

    province = make("410000000000", "河南省", Level.PROVINCE, None)
    city = make("411700000000", "驻马店市", Level.CITY, province)
    county = make("411723000000", "平舆县", Level.COUNTY, city)
    township_a = make("411723101000", "庙湾镇", Level.TOWNSHIP, county)
    township_b = make("411723102000", "射桥镇", Level.TOWNSHIP, county)
    return {
        "province": province,
        "city": city,
        "county": county,
        "township_a": township_a,
        "township_b": township_b,
        "village_a": make("411723101201", "王庄村", Level.VILLAGE, township_a),
        "village_a2": make("411723101202", "李楼村", Level.VILLAGE, township_a),
        "village_b": make("411723102201", "张营村", Level.VILLAGE, township_b),
    }


def make_user(
    *, area: Area, roles: tuple[str, ...] | list[str] = (), username: str, full_name: str = ""
) -> User:
    """A staff member of ``area`` holding ``roles``, with the test password."""
    from jisheng.accounts.models import User
    from jisheng.accounts.services import roles_for

    user = User.objects.create_user(username=username, password=TEST_PASSWORD, area=area, full_name=full_name)
    user.roles.set(roles_for(list(roles)))
    return user


def make_id(birth: datetime.date, sex: str) -> str:
    """A valid GB 11643 ID number of someone of 平舆县 born on ``birth`` (sex "1" male, "2" female):
    the check digit holds, the sequence's parity gives the sex, and each call gives a new number."""
    seq = (next(_serial) % 499 + 1) * 2 + (1 if sex == "1" else 0)
    prefix = "411723" if birth.year >= 2000 else "412827"  # 平舆县's code before 2000
    body = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_person(
    *,
    area: Area,
    name: str,
    sex: str,
    birth: datetime.date,
    household: Household | None = None,
    id_number: str | None = None,
    phone: str = PHONE,
    residence: bool = True,
    **fields: Any,
) -> Person:
    """A person living in ``area`` with a valid ID number (``make_id`` unless given); with
    ``residence`` their residence period there since birth, as the registry records it."""
    from jisheng.registry.models import Person, ResidencePeriod

    person = Person(
        name=name,
        id_number=id_number or make_id(birth, sex),
        sex=sex,
        birth_date=birth,
        residence_area=area,
        household=household,
        phone=phone,
        **fields,
    )
    person.save()
    if residence:
        ResidencePeriod.objects.create(person=person, area_code=area.code, start_date=birth)
    return person


def make_household(*, area: Area, number: str | None = None, address: str = "") -> Household:
    from jisheng.registry.models import Household

    return Household.objects.create(number=number or f"H{next(_serial):08d}", area=area, address=address)


def make_child(
    *, mother: Person, name: str, sex: str, birth: datetime.date, father: Person | None = None, **fields: Any
) -> Person:
    """A child of ``mother`` in her household and village, with the birth recorded (next birth order)."""
    from jisheng.registry.models import Birth

    kid = make_person(
        area=mother.residence_area, name=name, sex=sex, birth=birth, household=mother.household, **fields
    )
    order = Birth.objects.filter(mother=mother).count() + 1
    Birth.objects.create(
        child=kid,
        mother=mother,
        father=father,
        date=birth,
        birth_order=order,
        sex=sex,
        area=mother.residence_area,
    )
    return kid


def make_marriage(*, husband: Person, wife: Person, date: datetime.date, kind: str = "21") -> Marriage:
    from jisheng.registry.models import Marriage

    return Marriage.objects.create(husband=husband, wife=wife, date=date, kind=kind, area=wife.residence_area)


def make_contraception(*, person: Person, date: datetime.date, method: str | None = None) -> Contraception:
    """Sterilisation by default (810 for a woman, 820 for a man)."""
    from jisheng.registry.models import Contraception

    method = method or ("810" if person.sex == "2" else "820")
    return Contraception.objects.create(
        person=person, method=method, start_date=date, area=person.residence_area
    )
