"""Seed the calendar with every year the installed chinesecalendar publishes (2004 onwards)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from jisheng.workdays.seed import chinesecalendar_rows, chinesecalendar_years

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    present = set(CalendarDay.objects.values_list("date__year", flat=True).distinct())
    rows = []
    for year in chinesecalendar_years():
        if year in present:
            continue
        for day, working, note in chinesecalendar_rows(year):
            rows.append(CalendarDay(date=day, is_working_day=working, source="chinesecalendar", note=note))
    CalendarDay.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
