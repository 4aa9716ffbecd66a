"""Reads of reporting: indicator values, who has submitted, completeness and timeliness, dashboard data.

Callers pass an area the user may see (views check it with ``can_see_area``); every read below stays
inside that area's code range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jisheng.areas.codes import code_range
from jisheng.areas.models import Area, Level

from . import definitions, expressions, live
from .models import Report, ReportForm
from .periods import Period


@dataclass(frozen=True)
class IndicatorResult:
    indicator: definitions.Indicator
    numerator: float | None
    denominator: float | None
    value: float | None

    @property
    def in_range(self) -> bool | None:
        return self.indicator.in_range(self.value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.code,
            "name": self.indicator.name,
            "unit": self.indicator.unit,
            "value": None if self.value is None else round(self.value, 2),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "normal_range": self.indicator.normal_range,
            "in_range": self.in_range,
        }


def indicator_result(indicator: definitions.Indicator, figures: dict[str, Any] | None) -> IndicatorResult:
    figures = figures or {}
    numerator = expressions.evaluate(indicator.numerator, figures)
    denominator = expressions.evaluate(indicator.denominator, figures)
    value = None
    if numerator is not None and denominator:
        value = numerator / denominator * indicator.scale
    return IndicatorResult(indicator, numerator, denominator, value)


def forms_for_reading() -> list[ReportForm]:
    """The stored forms; before any is stored, the policy files as unsaved forms.

    Pages only read: loading the forms (a write, audited) happens when a report is opened or compiled.
    """
    stored = list(ReportForm.objects.all())
    if stored:
        return stored
    return [
        ReportForm(
            code=form.code,
            name=form.name,
            period_type=form.period_type,
            version=form.version,
            definition=form.data,
        )
        for form in definitions.form_files().values()
    ]


def form_for_reading(code: str) -> ReportForm | None:
    return next((form for form in forms_for_reading() if form.code == code), None)


def live_figures(form: ReportForm, period: Period, area: Area) -> dict[str, Any]:
    """Registry figures (监测实时化) as the registry holds them now."""
    return live.figures(form.spec(), period, area)


def reported_figures(form: ReportForm, period: Period, area: Area) -> dict[str, Any] | None:
    """The figures of the area's approved report: the only figures that are kept."""
    report = Report.objects.filter(
        form__code=form.code, period_key=period.key, area=area, status=Report.Status.APPROVED
    ).first()
    return dict(report.values) if report else None


def reported_series(form: ReportForm, periods: list[Period], area: Area) -> dict[str, dict[str, Any]]:
    """{period key: values} of the area's approved reports among ``periods``."""
    rows = Report.objects.filter(
        form__code=form.code,
        period_key__in=[period.key for period in periods],
        area=area,
        status=Report.Status.APPROVED,
    ).values_list("period_key", "values")
    return {key: dict(values) for key, values in rows}


def indicator_rows(form: ReportForm, period: Period, area: Area) -> list[dict[str, Any]]:
    """Every indicator, live from the registry and from the approved report, side by side."""
    live = live_figures(form, period, area)
    reported = reported_figures(form, period, area)
    rows = []
    for indicator in definitions.indicators().values():
        rows.append(
            {
                "indicator": indicator,
                "live": indicator_result(indicator, live) if indicator.source == "registry" else None,
                "reported": indicator_result(indicator, reported) if reported is not None else None,
            }
        )
    return rows


def child_areas(area: Area) -> list[Area]:
    return list(Area.objects.filter(parent=area, valid_to__isnull=True).order_by("code"))


def submissions(form: ReportForm, period: Period, area: Area) -> list[dict[str, Any]]:
    """One row per area directly below ``area``: its report (if any), status, lateness, findings."""
    children = child_areas(area)
    reports = {
        report.area_id: report
        for report in Report.objects.filter(
            form__code=form.code, period_key=period.key, area__in=children
        ).select_related("submitted_by", "approved_by")
    }
    rows = []
    for child in children:
        report = reports.get(child.code)
        submitted = report is not None and report.status in (Report.Status.SUBMITTED, Report.Status.APPROVED)
        rows.append(
            {
                "area": child,
                "report": report,
                "submitted": submitted,
                "high_findings": len(report.high_findings()) if report else 0,
            }
        )
    return rows


def completeness(
    form: ReportForm, period: Period, area: Area, *, groups: list[Area] | None = None
) -> list[dict[str, Any]]:
    """Per area below ``area`` (or the village itself): villages expected, submitted, on time, approved.
    ``groups``: those areas, when the caller has already read them (the dashboard)."""
    villages = list(
        Area.objects.filter(
            code__range=code_range(area.prefix), level=Level.VILLAGE, valid_to__isnull=True
        ).values_list("code", flat=True)
    )
    states = dict(
        ((code, (status, late)))
        for code, status, late in Report.objects.within(area.prefix)
        .filter(form__code=form.code, period_key=period.key, level=Level.VILLAGE)
        .values_list("area_id", "status", "late")
    )
    if groups is None:
        groups = child_areas(area) if area.level < Level.VILLAGE else [area]
    # Each village under the group whose code it starts with, in one pass over the villages.
    lengths = {len(group.prefix) for group in groups}
    members_of: dict[str, list[str]] = {}
    for code in villages:
        for length in lengths:
            members_of.setdefault(code[:length], []).append(code)
    rows = []
    for group in groups:
        members = members_of.get(group.prefix, [])
        submitted = [
            code for code in members if states.get(code, ("", False))[0] in ("submitted", "approved")
        ]
        on_time = [code for code in submitted if not states[code][1]]
        approved = [code for code in members if states.get(code, ("", False))[0] == "approved"]
        rows.append(
            {
                "area": group,
                "expected": len(members),
                "submitted": len(submitted),
                "on_time": len(on_time),
                "late": len(submitted) - len(on_time),
                "approved": len(approved),
                "completeness": _percent(len(submitted), len(members)),
                "timeliness": _percent(len(on_time), len(submitted)),
            }
        )
    return rows


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def reports_waiting_for(user: Any) -> int:
    """Submitted reports of the areas directly below the user's area that the user may decide."""
    from jisheng.accounts.permissions import reports_for_level

    area = getattr(user, "area", None)
    if area is None or not reports_for_level(user, area.level):
        return 0
    return Report.objects.visible_to(user).filter(area__parent=area, status=Report.Status.SUBMITTED).count()


def submissions_count(period_key: str, area: Area) -> dict[str, int]:
    """How many areas directly below ``area`` have submitted their monthly report."""
    children = Area.objects.filter(parent=area, valid_to__isnull=True)
    submitted = Report.objects.filter(
        form__code="village_month",
        period_key=period_key,
        area__in=children,
        status__in=(Report.Status.SUBMITTED, Report.Status.APPROVED),
    ).count()
    return {"expected": children.count(), "submitted": submitted}


# Four eyes (双人复核): the steps of a report and the audit actions that take them. Whoever took an
# earlier step (typed or compiled the figures, submitted them) cannot take the approval.
COMPILE_ACTIONS = ("reporting.open", "reporting.save", "reporting.compile", "reporting.recompile")


def report_earlier_steps(user: Any, report: Any) -> dict[str, Any]:
    """The report's earlier steps for the shared four-eyes rule: {step: the user who took it}.

    Several people may have typed figures into one report; the rule compares one user per step, so
    "compile" names ``user`` when ``user`` is among them (and nobody otherwise).
    """
    from jisheng.audit.models import AuditEvent

    compiled_by_user = (
        report.pk is not None
        and getattr(user, "pk", None) is not None
        and AuditEvent.objects.filter(
            object_type="reporting.report",
            object_id=str(report.pk),
            action__in=COMPILE_ACTIONS,
            actor_id=user.pk,
        ).exists()
    )
    return {"compile": user if compiled_by_user else None, "submit": report.submitted_by}


def may_approve(user: Any, report: Any) -> bool:
    """Whether the page offers the approval to ``user`` (the service decides again)."""
    from jisheng.accounts import permissions

    return permissions.may_review_report(user, report.area_id, report.level) and permissions.may_take(
        user, earlier=report_earlier_steps(user, report)
    )
