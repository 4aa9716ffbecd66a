import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from jisheng.workdays import services
from tests.factories import SETUP

D = datetime.date

pytestmark = pytest.mark.django_db


def test_day_one_is_the_next_working_day_after_acceptance() -> None:
    # Tuesday 2026-11-17 + 1 working day is Wednesday 11-18, not the same day.
    assert services.add_working_days(D(2026, 11, 17), 1) == D(2026, 11, 18)


def test_three_working_days_from_the_eve_of_national_day_2025_end_on_the_make_up_saturday() -> None:
    # 2025: 1–8 October off, Saturday 11 October is a make-up working day.
    assert services.due_date(D(2025, 9, 30), 3) == D(2025, 10, 11)


def test_a_deadline_crossing_national_day_2026_skips_the_holiday() -> None:
    # 2026: 1–7 October off, Saturday 10 October a make-up working day.
    assert services.due_date(D(2026, 9, 30), 5) == D(2026, 10, 13)


def test_an_application_received_during_the_holiday_counts_from_the_next_working_day() -> None:
    assert services.acceptance_day(D(2026, 10, 3)) == D(2026, 10, 8)
    assert services.due_date(D(2026, 10, 3), 1) == D(2026, 10, 9)


def test_a_same_day_item_received_on_a_sunday_is_due_the_next_working_day() -> None:
    assert services.due_date(D(2026, 11, 22), 0) == D(2026, 11, 23)
    assert services.due_date(D(2026, 11, 23), 0) == D(2026, 11, 23)


def test_counting_beyond_the_provisional_next_year_is_refused() -> None:
    # The year after this one runs on a provisional calendar; the one after that has none yet.
    next_year = datetime.date.today().year + 1
    with pytest.raises(services.CalendarMissing, match=str(next_year + 1)):
        services.add_working_days(D(next_year, 12, 30), 3)


def test_importing_a_year_lets_deadlines_reach_into_it() -> None:
    csv_text = "date,kind,note\n2027-01-01,休,元旦\n2027-01-04,休,测试\n2027-01-09,班,调休\n"
    assert services.calendar_import_csv(text=csv_text, by=SETUP) == 2027
    # 2026-12-31 (Thu) → 2027-01-01 holiday, 01-04 holiday, 01-05 is day 1 … 01-09 (Sat, make-up) day 5.
    assert services.add_working_days(D(2026, 12, 31), 5) == D(2027, 1, 9)


def test_a_bad_import_names_the_row_and_field_in_chinese() -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.calendar_import_csv(text="2027-02-30,休\n2027-03-01,放假\n", by=SETUP)
    assert "第 1 行「日期」" in excinfo.value.messages[0]
    assert "第 2 行「类型」" in excinfo.value.messages[1]


def test_an_administrator_can_turn_a_day_into_a_holiday() -> None:
    services.calendar_set_day(day=D(2026, 11, 18), is_working_day=False, note="临时", by=SETUP)
    services.calendar.invalidate()
    assert services.add_working_days(D(2026, 11, 17), 1) == D(2026, 11, 19)


def test_the_command_prints_the_date_n_working_days_later(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("workdays", "add", "2025-09-30", "3")
    assert capsys.readouterr().out.strip() == "2025-10-11"
    with pytest.raises(CommandError):  # beyond the provisional next year
        call_command("workdays", "add", f"{datetime.date.today().year + 1}-12-30", "3")


def test_the_command_imports_a_year_file(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "2027.csv"
    path.write_text("2027-10-01,休,国庆节\n", encoding="utf-8")
    call_command("workdays", "import", str(path))
    assert 2027 in services.covered_years()
    assert not services.calendar.is_working_day(D(2027, 10, 1))
