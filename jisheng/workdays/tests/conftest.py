from collections.abc import Iterator

import pytest

from jisheng.workdays import calendar


@pytest.fixture(autouse=True)
def fresh_calendar() -> Iterator[None]:
    """Each test's database transaction is rolled back; the in-memory calendar must follow it."""
    calendar.invalidate()
    yield
    calendar.invalidate()
