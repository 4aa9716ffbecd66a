"""Seeding the calendar from chinesecalendar is one audit event that fits the trail's columns."""

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import System
from jisheng.workdays import services
from jisheng.workdays.models import CalendarDay
from jisheng.workdays.seed import chinesecalendar_years


def test_seeding_every_published_year_at_once_is_one_audit_event_naming_the_span(db) -> None:
    CalendarDay.objects.all().delete()
    years = sorted(chinesecalendar_years())
    assert len(years) > 12  # enough years that listing them all would overflow a 64-character id

    seeded = services.calendar_seed(by=System(job="calendar seed"))

    assert seeded == years
    event = AuditEvent.objects.get(action="workdays.seed")
    assert event.object_id == f"{years[0]}-{years[-1]}"
    assert len(event.object_id) <= AuditEvent._meta.get_field("object_id").max_length
    assert event.after["years"] == years
    assert CalendarDay.objects.dates("date", "year").count() == len(years)
