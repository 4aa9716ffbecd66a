"""The days chinesecalendar knows, as rows for the calendar table (used by the migration and the service)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator


def chinesecalendar_years() -> range:
    """The years the installed chinesecalendar publishes (it raises NotImplementedError beyond them)."""
    import chinese_calendar

    first = 2004
    last = first
    while True:
        try:
            chinese_calendar.is_workday(datetime.date(last + 1, 6, 1))
        except NotImplementedError:
            break
        last += 1
        if last > 2200:  # pragma: no cover - a safety stop, never reached with a real package
            break
    return range(first, last + 1)


def days_of_year(year: int) -> Iterator[datetime.date]:
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += datetime.timedelta(days=1)


# chinesecalendar names its holidays in English; the calendar and the deadlines speak Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def holiday_name(name: str) -> str:
    """A holiday's Chinese name, also for notes an older seed stored in English."""
    for english, chinese in HOLIDAY_NAMES.items():
        name = name.replace(english, chinese)
    return name


def chinesecalendar_rows(year: int) -> Iterator[tuple[datetime.date, bool, str]]:
    """(date, is working day, note) for every day of the year; the note names holidays and make-up days."""
    import chinese_calendar

    for day in days_of_year(year):
        working = bool(chinese_calendar.is_workday(day))
        note = ""
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name:
            note = HOLIDAY_NAMES.get(str(name), str(name))
        if working and day.weekday() >= 5:
            note = f"调休上班 {note}".strip()
        elif not working and day.weekday() < 5 and not note:
            note = "休息日"
        del is_holiday
        yield day, working, note[:64]


# 《全国年节及纪念日放假办法》 as amended in 2024 (国务院令第 793 号): the statutory holidays every year
# has before the State Council publishes its make-up working days. Lunar dates come from lunar-python.
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    from lunar_python import Lunar

    def solar(lunar_month: int, lunar_day: int) -> datetime.date:
        day = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()
        return datetime.date(day.getYear(), day.getMonth(), day.getDay())

    holidays: dict[datetime.date, str] = {datetime.date(year, 1, 1): "元旦"}
    new_year = solar(1, 1)
    for offset in range(-1, 3):  # 除夕 to 初三
        holidays[new_year + datetime.timedelta(days=offset)] = "春节"
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    holidays[datetime.date(year, qingming.getMonth(), qingming.getDay())] = "清明节"
    holidays[datetime.date(year, 5, 1)] = "劳动节"
    holidays[datetime.date(year, 5, 2)] = "劳动节"
    holidays[solar(5, 5)] = "端午节"
    holidays.setdefault(solar(8, 15), "中秋节")
    for day in (1, 2, 3):
        holidays[datetime.date(year, 10, day)] = "国庆节"
    return holidays


def provisional_rows(year: int) -> Iterator[tuple[datetime.date, bool, str]]:
    """Weekends and the statutory holidays, without make-up working days (only the State Council's
    notice sets those); the rows' source marks them provisional."""
    holidays = statutory_holidays(year)
    for day in days_of_year(year):
        name = holidays.get(day)
        yield day, name is None and day.weekday() < 5, f"{name}（暂定）" if name else ""
