"""Dashboards: indicators (live and reported, out-of-range highlighted), trend, area comparison with
drill-down, completeness and timeliness; every table as .xlsx; the monthly summary as PDF.

Registry figures are live (``live.py``: computed when shown, kept briefly and dropped at the next
registry change); the only figures kept are those of approved reports. A view writes nothing.
Where there is no figure (a month not yet begun, a month without an approved report, an area without
villages) the charts get null, never 0.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import can_see_area, user_prefix
from jisheng.outreach import queries as outreach_queries

from . import clock, definitions, live, queries
from .exports import pdf_response, xlsx_response
from .models import ReportForm
from .periods import Period, choices, containing, parse_or_none

TREND_PERIODS = 12
AREA_INDICATORS = ("sex_ratio_at_birth", "birth_defect_rate", "contraceptive_prevalence")


def _area(request: HttpRequest) -> Area:
    user: Any = request.user
    raw = request.GET.get("area")
    if not raw:
        return user.area
    try:
        code = normalize_code(raw)
    except ValidationError as exc:
        raise Http404(_("Not found, or outside your area.")) from exc
    if not can_see_area(user, code):
        raise Http404(_("Not found, or outside your area."))
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise Http404(_("Not found, or outside your area."))
    return area


def _period(request: HttpRequest) -> Period:
    period = parse_or_none(request.GET.get("period", ""))
    if period is None or period.type != "month":
        period = containing("month", period.start if period else clock.today())
    return period


def _form() -> ReportForm:
    """The monthly form: dashboards, indicators and the monthly summary are built on it."""
    form = queries.form_for_reading("village_month")
    if form is None:
        raise Http404(_("The monthly report form is missing from the policy files."))
    return form


def _ratio(result: Any) -> float | None:
    return None if result is None or result.value is None else round(result.value, 1)


def dashboard_data(request: HttpRequest) -> dict[str, Any]:
    return _data(request.user, _area(request), _period(request))


def _data(user: Any, area: Area, period: Period) -> dict[str, Any]:
    """What the dashboard of ``area`` shows to ``user`` (who may see it) for ``period``."""
    form = _form()
    spec = form.spec()
    children = queries.child_areas(area) if area.level < Level.VILLAGE else []
    figures = live.tree(spec, period, area)
    indicators = definitions.indicators()
    sex_ratio = indicators["sex_ratio_at_birth"]
    area_rows: list[dict[str, Any]] = []
    for child in children:
        values = figures.get(child.code)  # None: no village below it, so no figure at all
        area_rows.append(
            {
                "area": child,
                "births": None if values is None else values.get("births"),
                "male": None if values is None else values.get("births_sex_1"),
                "female": None if values is None else values.get("births_sex_2"),
                "indicators": [
                    queries.indicator_result(indicators[code], values) for code in AREA_INDICATORS
                ],
            }
        )
    today = clock.today()
    trend_periods = [*period.history(TREND_PERIODS - 1), period]
    begun = [p for p in trend_periods if p.start <= today]
    registry = live.series(spec, begun, area)
    reported = queries.reported_series(form, trend_periods, area)
    trend_rows: list[dict[str, Any]] = []
    for trend_period in trend_periods:
        values = registry.get(trend_period.key)
        filed = reported.get(trend_period.key)
        trend_rows.append(
            {
                "period": trend_period.key,
                "births": None if values is None else values.get("births"),
                "sex_ratio": None if values is None else _ratio(queries.indicator_result(sex_ratio, values)),
                "reported_births": None if filed is None else filed.get("births"),
            }
        )
    chart = {
        "trend": {
            "periods": [row["period"] for row in trend_rows],
            "births": [row["births"] for row in trend_rows],
            "sex_ratio": [row["sex_ratio"] for row in trend_rows],
            "reported_births": [row["reported_births"] for row in trend_rows],
        },
        "areas": {
            "names": [row["area"].name for row in area_rows],
            "births": [row["births"] for row in area_rows],
            "sex_ratio": [_ratio(row["indicators"][0]) for row in area_rows],
        },
        "labels": {
            "births": pgettext("reporting", "Births"),
            "reported_births": _("Births in approved reports"),
            "sex_ratio": _("Sex ratio at birth"),
            "normal": _("Normal range"),
        },
        "normal": [sex_ratio.low, sex_ratio.high],
    }
    return {
        "area": area,
        "period": period,
        "previous": period.previous(),
        "next": period.next(),
        "period_choices": choices("month", today, period),
        "form": form,
        "ancestors": _ancestors(user, area),
        "indicator_rows": queries.indicator_rows(form, period, area),
        "area_rows": area_rows,
        "area_indicators": [indicators[code] for code in AREA_INDICATORS],
        "completeness": queries.completeness(
            form, period, area, groups=children if area.level < Level.VILLAGE else [area]
        ),
        # Outreach's card: its figures of the month (and the year's projects), counted from its records.
        "outreach": live.kept(
            ("outreach", area.prefix, period.start, period.end),
            lambda: outreach_queries.figures(area.prefix, period.start, period.end),
        ),
        "trend_rows": trend_rows,
        "chart": chart,
    }


def _ancestors(user: Any, area: Area) -> list[Area]:
    """The breadcrumb from the user's own area down to the area shown (never above the user's area)."""
    chain = []
    current: Area | None = area
    while current is not None and can_see_area(user, current.code):
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


@permissions.capability_required(Capability.READ_REPORTS)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The page's body is kept (``live.page``) for everyone who sees the same area from the same scope
    in the same language on the same day, and drawn again at the first view after an audited change
    or a change of a counted table, like the figures it shows (under steady changes, drawn again ahead
    of time in the background: ``live.page``); the frame (menu, user, CSRF token) is drawn for each
    request."""
    area, period = _area(request), _period(request)
    key = (
        "dashboard",
        user_prefix(request.user),  # the breadcrumb climbs to the viewer's own area, never above
        area.code,
        period.key,
        translation.get_language(),
        clock.today().isoformat(),  # the month choices and the trend end today
    )
    # The drawing reads the viewer, the area and the period, never the request: when the kept body is
    # drawn again ahead of time (``live.page``) it is drawn after this answer, in the background.
    user = request.user
    body = live.page(key, lambda: _dashboard_body(user, area, period))
    return render(request, "reporting/dashboard.html", {"body": mark_safe(body)})


def _dashboard_body(user: Any, area: Area, period: Period) -> str:
    context = _data(user, area, period)
    context["query"] = f"area={context['area'].code}&period={context['period'].key}"
    return str(render_to_string("reporting/_dashboard_body.html", context))


def _value(result: Any) -> float | None:
    return None if result is None or result.value is None else round(result.value, 2)


@permissions.capability_required(Capability.READ_REPORTS)
def download(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    data = dashboard_data(request)
    area, period = data["area"], data["period"]
    filename = f"{area.code}-{period.key}-{table}.xlsx"
    if table == "areas":
        headers = [_("Area code"), _("Area"), pgettext("reporting", "Births"), _("Male"), _("Female")]
        headers += [indicator.name for indicator in data["area_indicators"]]
        rows = [
            [row["area"].code, row["area"].name, row["births"], row["male"], row["female"]]
            + [_value(result) for result in row["indicators"]]
            for row in data["area_rows"]
        ]
    elif table == "indicators":
        headers = [
            _("Indicator"),
            _("Unit"),
            _("Normal range"),
            _("Registry value"),
            _("Numerator"),
            _("Denominator"),
            _("Reported value"),
        ]
        rows = [
            [
                row["indicator"].name,
                row["indicator"].unit,
                row["indicator"].normal_range,
                _value(row["live"]),
                row["live"].numerator if row["live"] else None,
                row["live"].denominator if row["live"] else None,
                _value(row["reported"]),
            ]
            for row in data["indicator_rows"]
        ]
    elif table == "completeness":
        headers = [
            _("Area code"),
            _("Area"),
            _("Villages"),
            _("Submitted"),
            pgettext("report", "Approved"),
            _("Late"),
            _("Completeness"),
            _("Timeliness"),
        ]
        rows = [
            [
                r["area"].code,
                r["area"].name,
                r["expected"],
                r["submitted"],
                r["approved"],
                r["late"],
                r["completeness"],
                r["timeliness"],
            ]
            for r in data["completeness"]
        ]
    elif table == "submissions":
        headers = [
            _("Area code"),
            _("Area"),
            _("Status"),
            _("Due"),
            _("Submitted at"),
            _("Late"),
            _("High-importance findings"),
        ]
        rows = [
            [
                row["area"].code,
                row["area"].name,
                row["report"].get_status_display() if row["report"] else _("Not opened"),
                row["report"].due_date if row["report"] else None,
                timezone.localtime(row["report"].submitted_at).strftime("%Y-%m-%d %H:%M")
                if row["report"] and row["report"].submitted_at
                else None,
                _("Late") if row["report"] and row["report"].late else "",
                row["high_findings"],
            ]
            for row in queries.submissions(data["form"], period, area)
        ]
    elif table == "trend":
        headers = [
            _("Period"),
            pgettext("reporting", "Births"),
            _("Sex ratio at birth"),
            _("Births in approved reports"),
        ]
        rows = [[r["period"], r["births"], r["sex_ratio"], r["reported_births"]] for r in data["trend_rows"]]
    else:
        raise Http404
    return xlsx_response(filename, f"{area.name} {period.key}", headers, rows)


@permissions.capability_required(Capability.READ_REPORTS)
def summary_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """一月一总结: the month of an area on paper, in Chinese."""
    data = dashboard_data(request)
    return pdf_response(
        f"{data['area'].code}-{data['period'].key}-summary.pdf", "reporting/summary_pdf.html", data
    )
