from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DaySource(models.TextChoices):
    CHINESECALENDAR = "chinesecalendar", _("chinesecalendar package")
    IMPORT = "import", _("imported file")
    ADMIN = "admin", _("set by an administrator")
    PROVISIONAL = "provisional", _("provisional: statutory holidays only, until the State Council's notice")


class CalendarDay(models.Model):
    """One day of the national working-day calendar (holidays and make-up working days included).

    A year counts as covered only when all its days are here: deadlines never guess about a year the
    State Council has not published yet.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(_("working day"))
    source = models.CharField(_("source"), max_length=16, choices=DaySource.choices)
    note = models.CharField(_("note"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'班' if self.is_working_day else '休'}"
