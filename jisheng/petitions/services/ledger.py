"""The rectification ledger (整改台账), walk-around research outings (徒步调研) and its export."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import prefix_of
from jisheng.areas.models import Area
from jisheng.audit.disclosure import clean_reason, disclosure_record
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.core.actor import Actor, describe
from jisheng.core.spreadsheets import xlsx_text_cell

from ..models import LedgerItem, LedgerNote, LedgerSource, LedgerStatus, Matter, Outing, PetitionerFile

SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def _field_error(field: str, reason: str) -> ValidationError:
    return ValidationError(_("“%(field)s”: %(reason)s") % {"field": field, "reason": reason})


def _note(item: LedgerItem, text: str, by: Actor, evidence: str = "") -> None:
    LedgerNote.objects.create(
        item=item, at=timezone.now(), text=text[:500], evidence=evidence[:300], actor=describe(by)[:150]
    )


def answerable_in(user: Any, area: Area) -> bool:
    """Whether ``user`` may answer for an item of ``area``: staff handling petitions who work in the area
    (a county item may be given to a township's head) or above it."""
    if user is None or not permissions.holds(user, Capability.HANDLE_PETITIONS):
        return False
    own = getattr(user, "area_id", None) or ""
    return permissions.may(user, Capability.HANDLE_PETITIONS, area.code) or own.startswith(
        prefix_of(area.code)
    )


@dataclass(frozen=True)
class NewItem:
    title: str
    responsible: Any
    office: str
    deadline: datetime.date


def _check_item(area: Area, item: NewItem, row: str = "") -> None:
    prefix = f"{row}" if row else ""
    if not item.title.strip():
        raise _field_error(
            prefix + str(pgettext("rectification", "Item")), str(_("describe the problem to put right"))
        )
    if not item.office.strip():
        raise _field_error(prefix + str(_("Responsible office")), str(_("name the responsible office")))
    if not answerable_in(item.responsible, area):
        raise _field_error(
            prefix + str(_("Responsible person")), str(_("must be staff of this area who handle petitions"))
        )
    if item.deadline < timezone.localdate():
        raise _field_error(
            prefix + str(pgettext("rectification", "Deadline")), str(_("cannot be in the past"))
        )


@transaction.atomic
def ledger_item_create(
    *,
    area: Area,
    item: NewItem,
    source: str,
    source_ref: str = "",
    matter: Matter | None = None,
    outing: Outing | None = None,
    file: PetitionerFile | None = None,
    by: Actor,
) -> LedgerItem:
    """Put one problem on the ledger with an answerable person and office and a deadline. May be nested.

    The hall's bad ratings and the outreach visits' problems arrive here too (``source``)."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, area.code)
    if source not in LedgerSource.values:
        raise _field_error(str(pgettext("rectification", "Source")), str(_("unknown source")))
    _check_item(area, item)
    entry = LedgerItem.objects.create(
        area=area,
        title=" ".join(item.title.split())[:300],
        source=source,
        source_ref=source_ref[:64],
        matter=matter,
        outing=outing,
        file=file,
        responsible=item.responsible,
        office=item.office.strip()[:64],
        deadline=item.deadline,
        created_at=timezone.now(),
    )
    _note(
        entry, f"列入整改台账，责任人 {item.responsible}，责任科室 {entry.office}，{item.deadline} 前整改", by
    )
    record(by=by, action="petitions.ledger_item_create", obj=entry, after=model_snapshot(entry))
    return entry


@transaction.atomic
def ledger_progress(*, item: LedgerItem, text: str, evidence: str = "", by: Actor) -> LedgerNote:
    permissions.ensure(by, Capability.HANDLE_PETITIONS, item.area_id)
    if not text.strip():
        raise _field_error(str(_("Progress")), str(_("describe what was done")))
    item = LedgerItem.objects.select_for_update().get(pk=item.pk)
    if item.status == LedgerStatus.CLOSED:
        raise ValidationError(_("This item is closed."))
    _note(item, text.strip(), by, evidence.strip())
    note = item.notes.order_by("-id").first()
    assert note is not None
    record(
        by=by,
        action="petitions.ledger_progress",
        obj=item,
        after={"text": note.text, "evidence": note.evidence},
    )
    return note


def ledger_close(*, item: LedgerItem, satisfaction: str, summary: str, by: Actor) -> LedgerItem:
    """Close the item with the person's satisfaction (整改销号)."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, item.area_id)
    if satisfaction not in SATISFACTION:
        raise _field_error(
            str(_("Satisfaction")), str(_("choose satisfied, basically satisfied or dissatisfied"))
        )
    if not summary.strip():
        raise _field_error(str(pgettext("rectification", "Result")), str(_("describe how it was put right")))
    with transition(item, by=by, action="petitions.ledger_close", allowed=[LedgerStatus.OPEN]) as locked:
        locked.status = LedgerStatus.CLOSED
        locked.closed_on = timezone.localdate()
        locked.satisfaction = satisfaction
        _note(locked, f"整改完成（{SATISFACTION[satisfaction]}）：{summary.strip()}", by)
    return locked


@transaction.atomic
def ledger_escalate(*, today: datetime.date | None = None, by: Actor) -> int:
    """Overdue items escalate once: a note on the item, and one audit event per area for the level above."""
    today = today or timezone.localdate()
    rows = list(
        LedgerItem.objects.filter(
            status=LedgerStatus.OPEN, deadline__lt=today, escalated_on__isnull=True
        ).values_list("id", "area_id", "title", "responsible_id", "deadline")
    )
    if not rows:
        return 0
    now = timezone.now()
    LedgerNote.objects.bulk_create(
        LedgerNote(
            item_id=i, at=now, text=f"逾期未整改（期限 {due}），已报上一级督办", actor=describe(by)[:150]
        )
        for i, _area, _title, _resp, due in rows
    )
    LedgerItem.objects.filter(id__in=[r[0] for r in rows]).update(escalated_on=today)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for i, area, title, responsible, due in rows:
        by_area.setdefault(area, []).append(
            {"item": i, "title": title, "responsible": responsible, "due": due}
        )
    for area, items in sorted(by_area.items()):
        record(
            by=by,
            action="petitions.ledger_escalate",
            object_type="petitions.ledger",
            object_id=f"{today}:{area}",
            object_repr=f"整改逾期 {len(items)} 项",
            after={"items": items},
            area_code=area,
        )
    return len(rows)


@transaction.atomic
def outing_record(
    *,
    area: Area,
    held_on: datetime.date,
    title: str,
    walkers: str,
    route: str,
    heard: str = "",
    groups: int = 1,
    by: Actor,
) -> Outing:
    """A walk-around research outing (徒步调研): who walked where, what was heard."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, area.code)
    if not title.strip():
        raise _field_error(str(_("Title")), str(_("name the outing")))
    if not walkers.strip():
        raise _field_error(str(_("Who walked")), str(_("name who walked")))
    if not route.strip():
        raise _field_error(str(_("Where")), str(_("say where they walked")))
    if held_on > timezone.localdate():
        raise _field_error(str(_("Held on")), str(_("cannot be in the future")))
    outing = Outing.objects.create(
        area=area,
        held_on=held_on,
        title=title.strip()[:120],
        groups=max(1, groups),
        walkers=walkers.strip()[:300],
        route=route.strip()[:300],
        heard=heard.strip(),
        created_by=acting_user(by),
    )
    record(by=by, action="petitions.outing_record", obj=outing, after=model_snapshot(outing))
    return outing


@transaction.atomic
def outing_suggestions_to_ledger(*, outing: Outing, items: list[NewItem], by: Actor) -> list[LedgerItem]:
    """Each suggestion heard on the outing becomes a ledger item, all in one step (all or none); a bad
    row is refused naming its number."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, outing.area_id)
    if not items:
        raise ValidationError(_("Enter at least one suggestion."))
    area = outing.area
    for number, item in enumerate(items, start=1):
        _check_item(area, item, row=str(_("Suggestion %(n)s, ") % {"n": number}))
    created = [
        ledger_item_create(
            area=area,
            item=item,
            source=LedgerSource.WALK_AROUND,
            source_ref=f"调研{outing.held_on:%Y%m%d}-{number:02d}",
            outing=outing,
            by=by,
        )
        for number, item in enumerate(items, start=1)
    ]
    return created


@transaction.atomic
def ledger_from_handoff(*, handoff: Any, item: NewItem, by: Actor) -> LedgerItem:
    """An outreach visit's problem arrives on the ledger: the item is made and the hand-off marked taken
    with the item's reference, in one transaction. May be nested."""
    from jisheng.outreach import services as outreach_services

    area = Area.objects.get(code=handoff.area_id)
    entry = ledger_item_create(
        area=area, item=item, source=LedgerSource.OUTREACH_VISIT, source_ref=f"走访交办 {handoff.pk}", by=by
    )
    outreach_services.handoff_take(by=by, handoff=handoff, reference=f"整改台账 {entry.pk}")
    return entry


@transaction.atomic
def ledger_from_bad_rating(*, rating: Any, item: NewItem, by: Actor) -> LedgerItem:
    """The hall's bad rating (差评) arrives on the ledger with the case's number as its reference. May be
    nested; a rating already on the ledger is refused."""
    if LedgerItem.objects.filter(
        source=LedgerSource.BAD_RATING, source_ref=rating.application.number
    ).exists():
        raise ValidationError(_("This rating is already on the ledger."))
    area = Area.objects.get(code=rating.application.area_id)
    return ledger_item_create(
        area=area, item=item, source=LedgerSource.BAD_RATING, source_ref=rating.application.number, by=by
    )


EXPORT_COLUMNS = [
    "序号",
    "整改事项",
    "来源",
    "来源编号",
    "责任人",
    "责任科室",
    "整改期限",
    "状态",
    "销号日期",
    "满意度",
    "最新进展",
]


def ledger_export(*, items: list[LedgerItem], reason: str, area_code: str, by: Actor) -> bytes:
    """The ledger as .xlsx (cells never formulas); an export is a disclosure, recorded before it is handed over."""
    permissions.ensure(by, Capability.EXPORT_PETITION_LEDGER, area_code)
    reason = clean_reason(reason)
    disclosure_record(
        by=by,
        kind="petitions_ledger",
        count=len(items),
        fields=["title", "responsible", "office", "deadline", "notes"],
        filters={"area": area_code},
        reason=reason,
        area_code=area_code,
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("整改台账")
    sheet.append([xlsx_text_cell(sheet, c) for c in EXPORT_COLUMNS])
    for number, item in enumerate(items, start=1):
        notes = list(item.notes.all())
        last = notes[-1].text if notes else ""
        sheet.append(
            [
                number,
                xlsx_text_cell(sheet, item.title),
                xlsx_text_cell(sheet, item.get_source_display()),
                xlsx_text_cell(sheet, item.source_ref),
                xlsx_text_cell(sheet, str(item.responsible)),
                xlsx_text_cell(sheet, item.office),
                item.deadline,
                xlsx_text_cell(sheet, item.get_status_display()),
                item.closed_on,
                xlsx_text_cell(sheet, SATISFACTION.get(item.satisfaction, "")),
                xlsx_text_cell(sheet, last),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
