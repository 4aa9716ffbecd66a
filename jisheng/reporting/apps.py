from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class ReportingConfig(AppConfig):
    name = "jisheng.reporting"
    label = "reporting"
    verbose_name = _("Reporting")
    nav_items = [
        {
            "label": _("Reports"),
            "url": "reporting:index",
            "visible": lambda user: permissions.holds(user, Capability.READ_REPORTS),
        },
        {
            "label": _("Dashboard"),
            "url": "reporting:dashboard",
            "visible": lambda user: permissions.holds(user, Capability.READ_REPORTS),
        },
    ]

    def ready(self) -> None:
        from . import live

        live.connect()

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        """Reports waiting for my decision; for a village, this month's report if not yet submitted."""
        from django.urls import reverse

        from jisheng.areas.models import Level

        from . import clock, queries
        from .models import Report
        from .periods import containing

        area = getattr(user, "area", None)
        if area is None or not permissions.holds(user, Capability.WORK_ON_REPORTS):
            return []
        cards = []
        waiting = queries.reports_waiting_for(user)
        if waiting:
            cards.append(
                {
                    "title": _("Reports waiting for my decision"),
                    "value": waiting,
                    "url": reverse("reporting:index"),
                    "note": _("Submitted by the areas below; approve or return them."),
                }
            )
        month = containing("month", clock.today())
        if area.level == Level.VILLAGE:
            done = Report.objects.filter(
                area=area,
                period_key=month.key,
                form__code="village_month",
                status__in=["submitted", "approved"],
            ).exists()
            if not done:
                cards.append(
                    {
                        "title": _("This month's report"),
                        "value": month.key,
                        "url": reverse("reporting:index"),
                        "note": _("Not yet submitted."),
                    }
                )
        elif area.level < Level.VILLAGE:
            rows = queries.submissions_count(month.key, area)
            if rows["expected"] > rows["submitted"]:
                cards.append(
                    {
                        "title": _("Areas that have not submitted"),
                        "value": rows["expected"] - rows["submitted"],
                        "url": reverse("reporting:index"),
                        "note": _("Monthly report %(period)s.") % {"period": month.key},
                    }
                )
        return cards
