"""Approved months the registry has changed since: an event registered late (a birth recorded in
December for October) makes October's approved figures wrong, and the report list says so, so that the
month is unlocked and corrected rather than left as it was.

Shown to village officers (their own village) and township staff (the township and its villages), for
the last few periods; figures are the live ones (``live.py``), so the page writes nothing.
"""

from __future__ import annotations

from typing import Any

from jisheng.areas.models import Level

from . import clock, live
from .models import Report, ReportForm
from .periods import containing

LOOK_BACK = 6  # periods before the current one


def prompts(user: Any, form: ReportForm) -> list[dict[str, Any]]:
    """One entry per approved report whose computed items differ from what the registry holds now."""
    area = getattr(user, "area", None)
    if area is None or area.level not in (Level.TOWNSHIP, Level.VILLAGE):
        return []
    current = containing(form.period_type, clock.today())
    keys = [period.key for period in [*current.history(LOOK_BACK), current]]
    reports = list(
        Report.objects.visible_to(user)
        .filter(form__code=form.code, period_key__in=keys, status=Report.Status.APPROVED)
        .select_related("area", "form")
        .order_by("-period_start", "area_id")
    )
    spec = form.spec()
    computed = [item for item in spec.items if item.is_computed]
    found = []
    for report in reports:
        if report.area_id != area.code and report.area.parent_id != area.code:
            continue
        now = live.tree(spec, report.period, area).get(report.area_id)
        if now is None:
            continue
        then = report.registry_values
        changes = [
            {"label": item.label, "then": then.get(item.code), "now": now.get(item.code)}
            for item in computed
            if item.code in then and then.get(item.code) != now.get(item.code)
        ]
        if changes:
            found.append({"report": report, "changes": changes})
    return found
