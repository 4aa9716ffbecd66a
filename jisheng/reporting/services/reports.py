"""Reports from opening to approval, unlocking and compilation (see the package's docstring)."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import staff_user
from jisheng.areas.models import Area, Level
from jisheng.audit import services as audit
from jisheng.core.actor import Actor
from jisheng.core.text import normalize_text
from jisheng.workdays.calendar import CalendarMissing, is_working_day

from .. import clock, compute, definitions, queries
from ..models import Report, ReportForm
from ..periods import Period
from ..verification import blocking, verify

HISTORY_PERIODS = 12
Progress = Callable[..., None]  # progress(point, done=, total=, unit=)


def _no_progress(point: str, **counts: Any) -> None:
    return None


@transaction.atomic
def forms_load(*, by: Actor) -> list[ReportForm]:
    """Copy the form files into the database; a file that changed becomes the form's new version. May be
    nested (the benchmark and the demo load the forms inside their own set-up)."""
    loaded = []
    for form in definitions.form_files().values():
        stored = ReportForm.objects.filter(code=form.code).first()
        if stored is not None and stored.version == form.version:
            loaded.append(stored)
            continue
        before = {"version": stored.version} if stored else None
        stored, _created = ReportForm.objects.update_or_create(
            code=form.code,
            defaults={
                "name": form.name,
                "period_type": form.period_type,
                "version": form.version,
                "definition": form.data,
            },
        )
        audit.record(
            by=by, action="reporting.form_load", obj=stored, before=before, after={"version": form.version}
        )
        loaded.append(stored)
    return loaded


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this with this report."))


def due_date(period: Period, days_after_end: int) -> datetime.date:
    """The period's due day; one that is not a working day moves to the next working day.

    For a year the working-day calendar does not cover yet, Saturdays and Sundays are skipped.
    """
    day = period.due(days_after_end)
    for _step in range(30):  # the longest run of days off (Spring Festival with weekends) is far shorter
        try:
            working = is_working_day(day)
        except CalendarMissing:
            working = day.weekday() < 5
        if working:
            return day
        day += datetime.timedelta(days=1)
    return day


def _empty_values(form: definitions.Form, registry: Mapping[str, float]) -> dict[str, float | None]:
    return {item.code: registry.get(item.code) if item.is_computed else None for item in form.items}


@transaction.atomic(durable=True)
def report_open(*, form: ReportForm, period: Period, area: Area, by: Actor) -> Report:
    """A village's report for the period, created with every computed item prefilled from the registry.

    Outermost: called by the pages, the API and the demo only."""
    if area.level != Level.VILLAGE:
        raise ValidationError(_("Only village reports are filled; higher levels compile theirs."))
    if period.type != form.period_type:
        raise ValidationError(_("Period %(key)s does not fit this form.") % {"key": period.key})
    _require(permissions.may_fill_report(by, area.code, area.level))
    existing = Report.objects.filter(form=form, period_key=period.key, area=area).first()
    if existing is not None:
        return existing
    spec = form.spec()
    registry = compute.compute_area(spec, period, area)
    report = Report.objects.create(
        form=form,
        form_version=form.version,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        area=area,
        level=area.level,
        values=_empty_values(spec, registry),
        registry_values=registry,
        due_date=due_date(period, spec.due_days_for(area.level)),
    )
    audit.record(by=by, action="reporting.open", obj=report, after={"values": report.values})
    return report


MAX_FIGURE = 999_999_999
_WHOLE = re.compile(r"^\d{1,15}(\.0*)?$")


def _whole_number(raw: Any) -> int | None:
    """A figure as a whole number ≥ 0, or None when it is not one (text, NaN, infinity, 1e400, -1, 2.5)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, float):
        return int(raw) if math.isfinite(raw) and raw >= 0 and raw == int(raw) else None
    text = normalize_text(str(raw)).replace(",", "").replace("，", "").strip()
    return int(float(text)) if _WHOLE.match(text) else None


def parse_values(form: definitions.Form, raw: Mapping[str, Any]) -> dict[str, float | None]:
    """Figures typed by a person: whole numbers ≥ 0 (full-width digits accepted); blank means not yet."""
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for item in form.items:
        if item.code not in raw:
            continue
        typed = raw[item.code]
        if typed is None or (isinstance(typed, str) and normalize_text(typed).strip() == ""):
            values[item.code] = None
            continue
        number = _whole_number(typed)
        if number is None:
            errors[item.code] = _("Item “%(label)s”: “%(text)s” is not a whole number of 0 or more.") % {
                "label": item.label,
                "text": str(typed)[:40],
            }
            continue
        if number > MAX_FIGURE:
            errors[item.code] = _("Item “%(label)s”: “%(text)s” is larger than any real figure.") % {
                "label": item.label,
                "text": str(typed)[:40],
            }
            continue
        values[item.code] = number
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic(durable=True)
def report_save_values(*, report: Report, values: Mapping[str, Any], by: Actor) -> Report:
    """Outermost: called by the pages, the API and the demo only."""
    _require(permissions.may_fill_report(by, report.area_id, report.level) and report.is_editable)
    if report.level < Level.VILLAGE:
        raise ValidationError(
            _("A compiled report's figures are the sum of the approved reports below; they are not typed.")
        )
    parsed = parse_values(report.form.spec(), values)
    before = {code: report.values.get(code) for code in parsed}
    changed = {code: value for code, value in parsed.items() if before[code] != value}
    if not changed:
        return report
    report.values = {**report.values, **parsed}
    report.save(update_fields=["values", "updated_at"])
    audit.record(by=by, action="reporting.save", obj=report, before=before, after=changed)
    return report


def _history(report: Report) -> list[dict[str, Any]]:
    """The area's figures of earlier periods, from its approved reports (the only figures kept)."""
    keys = [period.key for period in report.period.history(HISTORY_PERIODS)]
    approved = dict(
        Report.objects.filter(
            form=report.form, area=report.area, period_key__in=keys, status=Report.Status.APPROVED
        ).values_list("period_key", "values")
    )
    return [approved[key] for key in keys if key in approved]


def _children_reports(report: Report) -> tuple[list[Area], dict[str, Report]]:
    children = list(Area.objects.filter(parent_id=report.area_id, valid_to__isnull=True).order_by("code"))
    reports = {
        below.area_id: below
        for below in Report.objects.filter(form=report.form, period_key=report.period_key, area__in=children)
    }
    return children, reports


def _approved_sum(report: Report) -> dict[str, Any] | None:
    """The sum of the approved reports below a compiled report (None for a village's own report)."""
    if report.level >= Level.VILLAGE:
        return None
    _children, reports = _children_reports(report)
    return _sum([dict(r.values) for r in reports.values() if r.status == Report.Status.APPROVED])


def _registry_now(report: Report) -> dict[str, Any]:
    spec = report.form.spec()
    if report.level == Level.VILLAGE:
        return compute.compute_area(spec, report.period, report.area)
    children = Report.objects.filter(
        form=report.form, period_key=report.period_key, area__parent=report.area
    ).values_list("registry_values", flat=True)
    return _sum([dict(values) for values in children])


def _sum(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for row in rows:
        for code, value in row.items():
            if value is None:
                total.setdefault(code, None)
            else:
                total[code] = (total.get(code) or 0) + value
    return total


def _run_verification(report: Report) -> None:
    report.registry_values = _registry_now(report)
    report.findings = verify(
        report.form.spec(), report.values, report.registry_values, _history(report), _approved_sum(report)
    )
    report.verified_at = timezone.now()


def _contradictions(report: Report) -> str:
    """The blocking findings as one text, or "" when the figures agree with each other."""
    return "；".join(str(finding["message"]) for finding in blocking(report.findings))


def _waiting_children(report: Report) -> list[str]:
    """Names of the areas below a compiled report whose own report is not approved."""
    if report.level >= Level.VILLAGE:
        return []
    children, reports = _children_reports(report)
    return [
        child.name
        for child in children
        if getattr(reports.get(child.code), "status", "") != Report.Status.APPROVED
    ]


@transaction.atomic(durable=True)
def report_verify(*, report: Report, by: Actor) -> Report:
    """Run verification on demand (the filler before submitting, the reviewer before deciding).

    Outermost: called by the pages, the API and the demo only."""
    _require(
        permissions.may_fill_report(by, report.area_id, report.level)
        or permissions.may_review_report(by, report.area_id, report.level)
    )
    _run_verification(report)
    report.save(update_fields=["registry_values", "findings", "verified_at", "updated_at"])
    audit.record(by=by, action="reporting.verify", obj=report, after={"findings": len(report.findings)})
    return report


@transaction.atomic(durable=True)
def report_submit(*, report: Report, by: Actor) -> Report:
    """Outermost: called by the pages, the API and the demo only."""
    _require(permissions.may_fill_report(by, report.area_id, report.level) and report.is_editable)
    spec = report.form.spec()
    missing = [item.label for item in spec.items if report.values.get(item.code) is None]
    if missing:
        raise ValidationError(
            _("Fill in every item before submitting: %(items)s") % {"items": "、".join(missing)}
        )
    waiting = _waiting_children(report)
    if waiting:
        raise ValidationError(
            _("Not every area has an approved report yet: %(areas)s") % {"areas": "、".join(waiting)}
        )
    before = {"status": report.status}
    _run_verification(report)
    contradictions = _contradictions(report)
    if contradictions:
        raise ValidationError(
            _("The figures contradict each other; correct them before submitting: %(findings)s")
            % {"findings": contradictions}
        )
    report.status = Report.Status.SUBMITTED
    report.submitted_at = clock.now()
    report.submitted_by = staff_user(by)
    report.late = timezone.localdate(report.submitted_at) > report.due_date
    report.save()
    audit.record(
        by=by,
        action="reporting.submit",
        obj=report,
        before=before,
        after={"status": report.status, "late": report.late, "findings": len(report.findings)},
    )
    return report


@transaction.atomic(durable=True)
def report_return(*, report: Report, comment: str, by: Actor) -> Report:
    """Outermost: called by the pages, the API and the demo only."""
    _require(permissions.may_review_report(by, report.area_id, report.level))
    if report.status != Report.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what must be corrected.")})
    report.status = Report.Status.RETURNED
    report.return_comment = comment.strip()
    report.save(update_fields=["status", "return_comment", "updated_at"])
    audit.record(
        by=by, action="reporting.return", obj=report, after={"status": report.status}, reason=comment
    )
    return report


@transaction.atomic(durable=True)
def report_approve(
    *, report: Report, by: Actor, explanation: str = "", progress: Progress = _no_progress
) -> Report:
    """Approve and lock. Contradicting figures are refused; other high findings need an explanation.

    Four eyes: whoever compiled (opened, typed or compiled) or submitted the report cannot approve it.
    Approving a corrected report re-compiles the report above it while that one is still open.

    Outermost: called by the approval's job (jobs.py), the API and the demo, never inside another
    transaction, so a killed worker leaves the report submitted, not half approved. ``progress`` is
    told the points reached (the job stops there when cancelled).
    """
    _require(permissions.may_review_report(by, report.area_id, report.level))
    permissions.ensure_different_person(by, step="approve", earlier=queries.report_earlier_steps(by, report))
    if report.status != Report.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    _run_verification(report)
    contradictions = _contradictions(report)
    if contradictions:
        raise ValidationError(
            _(
                "The figures contradict each other; an explanation cannot excuse this. Return the report "
                "for correction: %(findings)s"
            )
            % {"findings": contradictions}
        )
    if report.high_findings() and not explanation.strip():
        raise ValidationError(
            {
                "explanation": _(
                    "This report has high-importance findings: explain them in writing to approve it."
                )
            }
        )
    report.status = Report.Status.APPROVED
    report.explanation = explanation.strip()
    report.approved_at = timezone.now()
    report.approved_by = staff_user(by)
    report.save(
        update_fields=[
            "status",
            "explanation",
            "approved_at",
            "approved_by",
            "registry_values",
            "findings",
            "verified_at",
            "updated_at",
        ]
    )
    progress("report_approve:saved")
    audit.record(
        by=by,
        action="reporting.approve",
        obj=report,
        after={"status": report.status, "high_findings": len(report.high_findings())},
        reason=report.explanation,
    )
    _recompile_parent(report, by=by)
    return report


def _recompile_parent(report: Report, *, by: Actor) -> None:
    """After a report below is approved again, the open report above takes the new sum (never retyped)."""
    if report.area.parent_id is None:
        return
    parent = Report.objects.filter(
        form=report.form, period_key=report.period_key, area_id=report.area.parent_id
    ).first()
    if parent is None or not parent.is_editable:
        return
    if _waiting_children(parent):
        return  # compiled again once every area below is approved
    summed = _approved_sum(parent) or {}
    if summed == parent.values:
        return
    before = parent.values
    parent.values = summed
    parent.registry_values = _registry_now(parent)
    parent.save(update_fields=["values", "registry_values", "updated_at"])
    audit.record(
        by=by,
        action="reporting.recompile",
        obj=parent,
        before={"values": before},
        after={"values": summed},
        reason=_("Compiled again after %(area)s's corrected report was approved.")
        % {"area": report.area.name},
    )


@transaction.atomic(durable=True)
def report_unlock(*, report: Report, reason: str, by: Actor) -> Report:
    """Reopen an approved report for correction: only the level above, and not under a compiled parent.

    Outermost: called by the pages, the API and the demo only."""
    _require(permissions.may_review_report(by, report.area_id, report.level))
    if not report.is_locked:
        raise ValidationError(_("Only an approved report is locked."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for unlocking.")})
    parent = Report.objects.filter(
        form=report.form, period_key=report.period_key, area_id=report.area.parent_id
    ).first()
    if parent is not None and not parent.is_editable:
        raise ValidationError(_("The report above has been submitted; unlock or return it first."))
    report.status = Report.Status.RETURNED
    report.return_comment = reason.strip()
    report.save(update_fields=["status", "return_comment", "updated_at"])
    audit.record(
        by=by,
        action="reporting.unlock",
        obj=report,
        before={"status": "approved"},
        after={"status": report.status},
        reason=reason,
    )
    return report


@transaction.atomic(durable=True)
def report_compile(
    *, form: ReportForm, period: Period, area: Area, by: Actor, progress: Progress = _no_progress
) -> Report:
    """The township (county, city) report: the sum of its areas' approved reports, once all are approved.

    Outermost: called by the compilation's job (jobs.py) and the API, never inside another
    transaction. ``progress`` is told the points reached (the job stops there when cancelled)."""
    if area.level >= Level.VILLAGE:
        raise ValidationError(_("A village fills its report; it does not compile one."))
    if period.type != form.period_type:
        raise ValidationError(_("Period %(key)s does not fit this form.") % {"key": period.key})
    _require(permissions.may_fill_report(by, area.code, area.level))
    children = list(Area.objects.filter(parent=area, valid_to__isnull=True).order_by("code"))
    reports = {
        report.area_id: report
        for report in Report.objects.filter(form=form, period_key=period.key, area__in=children)
    }
    waiting: list[str] = []
    for number, child in enumerate(children, start=1):  # each area's report is checked in turn
        if getattr(reports.get(child.code), "status", "") != "approved":
            waiting.append(child.name)
        progress("report_compile:areas", done=number, total=len(children), unit="areas")
    if not children:
        raise ValidationError(_("There is no area below this one to compile from."))
    if waiting:
        raise ValidationError(
            _("Not every area has an approved report yet: %(areas)s") % {"areas": "、".join(waiting)}
        )
    report = Report.objects.filter(form=form, period_key=period.key, area=area).first()
    if report is not None and not report.is_editable:
        raise ValidationError(_("This report has already been submitted."))
    spec = form.spec()
    # The office's own records (petitions handled at the township or county itself) are in no report
    # below it: counted here, on the area's code alone, and added to its areas' sum.
    own = compute.compute_villages(spec, period, area.code).get(area.code, {})
    values = _sum([dict(r.values) for r in reports.values()] + [own])
    registry = _sum([dict(r.registry_values) for r in reports.values()] + [own])
    if report is None:
        report = Report(
            form=form,
            form_version=form.version,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            area=area,
            level=area.level,
            due_date=due_date(period, spec.due_days_for(area.level)),
        )
    report.values, report.registry_values = values, registry
    report.save()
    progress("report_compile:saved")
    audit.record(by=by, action="reporting.compile", obj=report, after={"areas": len(children)})
    return report
