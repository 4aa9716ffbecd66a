"""The year turns without stopping the hall: a provisional next year, a warning sixty days ahead, and the
official calendar replacing the provisional one."""

import datetime
from io import StringIO
from unittest import mock

import chinese_calendar
import pytest
from django.core.management import call_command
from django.utils import timezone

from jisheng.workdays import services
from jisheng.workdays.apps import WorkdaysConfig
from jisheng.workdays.seed import statutory_holidays
from tests.factories import SETUP

D = datetime.date
pytestmark = pytest.mark.django_db


def on(day: D) -> mock._patch:  # type: ignore[type-arg]
    moment = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_the_statutory_holidays_computed_for_2026_are_holidays_in_the_state_councils_2026_calendar() -> None:
    computed = statutory_holidays(2026)
    assert len(computed) == 13
    assert all(chinese_calendar.is_holiday(day) for day in computed), computed


def test_2027s_provisional_holidays_follow_the_lunar_calendar_and_the_solar_term() -> None:
    names = statutory_holidays(2027)
    assert [day for day, name in names.items() if name == "春节"] == [
        D(2027, 2, 5) + datetime.timedelta(n) for n in range(4)
    ]
    assert (
        names[D(2027, 4, 5)] == "清明节"
        and names[D(2027, 6, 9)] == "端午节"
        and names[D(2027, 9, 15)] == "中秋节"
    )
    assert {
        D(2027, 1, 1),
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    } <= set(names)


def test_on_the_first_of_december_a_twenty_day_deadline_reaches_into_the_provisional_next_year() -> None:
    with on(D(2026, 12, 1)):
        due = services.add_working_days(D(2026, 12, 21), 20)
        assert due.year == 2027 and services.is_provisional(due)
        assert not services.is_provisional(D(2026, 12, 31))
        # 12-22…12-31 are 8 working days, 01-01 is a holiday, then 12 more working days: 01-19.
        assert due == D(2027, 1, 19)
        # No make-up working days on a provisional calendar: a Saturday stays a rest day.
        assert not services.calendar.is_working_day(D(2027, 2, 20))
        assert not services.calendar.is_working_day(D(2027, 2, 8))


def test_sixty_days_before_the_calendar_runs_out_the_administrators_home_and_the_schedulers_log_say_so(
    areas, make_user
) -> None:
    admin = make_user(areas["county"], "system_admin", username="sysadmin")
    with on(D(2026, 10, 31)):
        assert services.calendar_outlook(timezone.localdate()) is None
        assert WorkdaysConfig.home_cards(None, admin) == []  # type: ignore[arg-type]
    with on(D(2026, 11, 1)):
        cards = WorkdaysConfig.home_cards(None, admin)  # type: ignore[arg-type]
        out = StringIO()
        call_command("workdays", "check", stdout=out)
    assert len(cards) == 1 and "2027" in str(cards[0]["note"]) and cards[0]["value"] == D(2026, 12, 31)
    assert "2026-12-31" in out.getvalue() and "2027" in out.getvalue()
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk")
    with on(D(2026, 11, 1)):
        assert WorkdaysConfig.home_cards(None, clerk) == []  # type: ignore[arg-type]


def test_loading_the_official_calendar_replaces_the_provisional_year() -> None:
    with on(D(2026, 12, 1)):
        assert services.provisional_years() == frozenset({2027})
        received = []
        services.official_year_loaded.connect(
            lambda sender, **kw: received.append(kw["year"]), weak=False, dispatch_uid="test"
        )
        try:
            services.calendar_import_csv(text="2027-02-20,班,春节调休\n", by=SETUP)
        finally:
            services.official_year_loaded.disconnect(dispatch_uid="test")
        assert services.provisional_years() == frozenset()
        assert services.calendar.is_working_day(D(2027, 2, 20))
    assert received == [2027]


def test_the_calendar_page_says_the_next_year_is_provisional_and_lists_its_holidays(
    areas, make_user, client_for
) -> None:
    admin = make_user(areas["county"], "system_admin", username="sysadmin")
    with on(D(2026, 12, 1)):
        page = client_for(admin).get("/workdays/?year=2027").content.decode()
        assert 'id="provisional-year"' in page and "春节（暂定）" in page
        assert 'id="provisional-year"' not in client_for(admin).get("/workdays/?year=2026").content.decode()
