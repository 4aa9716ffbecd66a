from typing import Any

from django.apps import AppConfig
from django.db import connections, transaction
from django.db.models.signals import post_migrate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class HallConfig(AppConfig):
    name = "jisheng.hall"
    label = "hall"
    verbose_name = _("Service hall")
    nav_items = [
        {
            "label": _("Service hall"),
            "url": "hall:queue",
            "visible": lambda user: permissions.holds(user, Capability.READ_CASES),
        },
        {
            "label": _("Service catalogue"),
            "url": "hall:catalogue",
            "visible": lambda user: permissions.holds(user, Capability.CONFIGURE_CATALOGUE),
        },
    ]
    # The bundled scheduler (jisheng scheduler) runs both hourly; both are idempotent.
    periodic_commands = [("deadline-sweep", 60), ("hall-tally-tidy", 60)]

    def ready(self) -> None:
        from jisheng.workdays.services import official_year_loaded

        from .services.calendar_change import on_official_year_loaded

        official_year_loaded.connect(on_official_year_loaded, dispatch_uid="hall.deadlines_recompute")
        post_migrate.connect(_case_tally_in_place, sender=self, dispatch_uid="hall.case_tally_in_place")

    def home_actions(self, user: Any) -> list[dict[str, Any]]:
        """代办: a proxy application is the village officer's daily hall action."""
        from django.urls import reverse

        if not permissions.holds(user, Capability.APPLY_BY_PROXY):
            return []
        return [{"label": _("Apply on a resident's behalf"), "url": reverse("hall:queue") + "#new"}]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        if not permissions.holds(user, Capability.SERVE_RESIDENTS):
            return []
        from django.urls import reverse

        from .queries import queue_counts

        # The same query as the queue's header, so the card and the queue cannot disagree.
        counts = queue_counts(user)
        if not permissions.holds(user, Capability.WORK_AT_COUNTER):
            # A village officer owns no case (a proxy application goes to the township's counter): the
            # village's open cases are what the officer follows.
            return [
                {
                    "title": _("Open cases of my area"),
                    "value": counts["open"],
                    "url": reverse("hall:queue"),
                    "note": _("%(today)s due today, %(overdue)s overdue")
                    % {"today": counts["due_today"], "overdue": counts["overdue"]},
                }
            ]
        return [
            {
                "title": _("My open cases"),
                "value": counts["mine"],
                "url": reverse("hall:queue"),
                "note": _("%(today)s due today, %(overdue)s overdue")
                % {"today": counts["mine_due_today"], "overdue": counts["mine_overdue"]},
            }
        ]

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        from jisheng.registry import timeline

        return timeline.entries_of(self, person, user)

    def person_timeline_rows(self, person: Any, user: Any) -> list[Any]:
        """The person's applications, as the user may see them (read with the other apps' rows)."""
        from jisheng.registry import timeline

        from .models import Application

        applications = Application.objects.visible_to(user).filter(person=person)
        return [
            timeline.rows(
                applications,
                "application",
                moment="received_at",
                text1="item__name",
                text2="number",
                text3="status",
            )  # fmt: skip
        ]

    def person_timeline_entries(self, rows: list[Any]) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import Application

        statuses = dict(Application._meta.get_field("status").flatchoices)
        return [
            {
                "date": timezone.localdate(row.moment),
                "title": row.text1,
                "detail": f"{row.text2} {statuses.get(row.text3, row.text3)}",
                "url": reverse("hall:case", args=[row.pk]),
            }
            for row in sorted(rows, key=lambda row: row.moment, reverse=True)  # as the model orders
        ]


def _case_tally_in_place(using: str = "default", **kwargs: Any) -> None:
    """After every migrate: the case tally's triggers installed and the tally recounted from the cases.
    SQLite drops a table's triggers when a migration rebuilds the table (any later change of
    ``hall_application``'s columns does), and a database made without migrations (``--run-syncdb``)
    never ran the migration that installs them; a tally without its triggers would drift unseen."""
    from . import tallies

    connection = connections[using]
    if not {"hall_application", tallies.TABLE} <= set(connection.introspection.table_names()):
        return
    with transaction.atomic(using=using):
        tallies.install(connection)
        tallies.recount(connection)
