import datetime
from typing import Any

import pytest

from jisheng.registry.codes import MaritalStatus, Sex
from tests.factories import SETUP

from .helpers import births, contraception, person

OCTOBER = datetime.date(2026, 10, 10)


@pytest.fixture(autouse=True)
def fresh_live_figures() -> Any:
    """Live figures are kept per process for a minute; each test starts from its own database, and
    from an empty cache: entries of earlier tests would fill it and have it cull this test's."""
    from django.core.cache import cache

    from jisheng.reporting import live

    cache.clear()
    live.clear()
    yield
    live.clear()


@pytest.fixture
def forms(db: Any) -> dict[str, Any]:
    from jisheng.reporting.services import forms_load

    return {form.code: form for form in forms_load(by=SETUP)}


@pytest.fixture
def month() -> Any:
    from jisheng.reporting.periods import parse

    return parse("2026-M10")


@pytest.fixture
def staff(areas, make_user):
    return {
        "village": make_user(areas["village_a"], "village_officer"),
        "village2": make_user(areas["village_a2"], "village_officer"),
        "clerk": make_user(areas["township_a"], "counter_clerk"),
        "county": make_user(areas["county"], "county_staff"),
        "auditor": make_user(areas["county"], "auditor"),
    }


@pytest.fixture
def registry(areas):
    # Township A: 106 boys and 100 girls over two villages, 3 with defects; township B: 9 boys, 10 girls.
    births(areas["village_a"], OCTOBER, male=60, female=50, defects=2, order=1)
    births(areas["village_a2"], OCTOBER, male=46, female=50, defects=1, order=2)
    births(areas["village_b"], OCTOBER, male=9, female=10, order=3)
    births(areas["village_b"], datetime.date(2026, 11, 1), male=5)  # next month
    # Married women 15–49 in village A: the mother of its births and four more; two of them use
    # contraception; a woman of 52 who does is not counted.
    women = [person(areas["village_a"], marital_status=MaritalStatus.MARRIED) for _ in range(4)]
    contraception(areas["village_a"], datetime.date(2024, 3, 1), woman=women[0])
    contraception(areas["village_a"], datetime.date(2026, 10, 2), woman=women[1])
    old = person(areas["village_a"], born=datetime.date(1974, 1, 1))
    contraception(areas["village_a"], datetime.date(2020, 1, 1), woman=old)
    person(areas["village_a"], sex=Sex.MALE)
    return areas


@pytest.fixture(autouse=True)
def jobs_in_the_request(settings: Any) -> None:
    """Compilations and approvals are jobs of ``jisheng worker``; the page tests run them in the request."""
    settings.JISHENG_JOBS_SYNC = True
