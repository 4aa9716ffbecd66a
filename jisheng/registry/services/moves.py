"""Moves: between two villages of the deployment, out of it and into it; the same person record keeps
its residence periods across every move."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor

from ..codes import PersonStatus
from ..models import Person, ResidencePeriod
from ..validation import (
    Refusal,
    clean_text,
    normalize_id_number,
    normalize_name,
    normalize_phone,
)
from .people import _village, person_create


@transaction.atomic(durable=True)
def person_move(*, person: Person, to_area: Area, date: datetime.date, by: Actor, note: str = "") -> Person:
    """Move a person to another village: the same record, a closed and a new residence period.
    Outermost."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    _village(to_area)
    if to_area.code == person.residence_area_id:
        raise Refusal(_("village"), _("the person already lives there"), to_area.code)
    if person.status == PersonStatus.DEAD:
        raise Refusal(_("status"), _("a dead person cannot move"))
    before = model_snapshot(person, ["residence_area", "status"])
    current = person.residence_periods.filter(end_date__isnull=True).order_by("-start_date").first()
    if current is not None:
        if date < current.start_date:
            raise Refusal(_("date"), _("is before the person came to the present village"), date)
        current.end_date = date
        current.save(update_fields=["end_date"])
    ResidencePeriod.objects.create(
        person=person, area_code=to_area.code, start_date=date, note=clean_text(note)
    )
    person.residence_area = to_area
    if person.status in (PersonStatus.AWAY, PersonStatus.MOVED_OUT):
        person.status = PersonStatus.ALIVE
    person.save(update_fields=["residence_area", "status", "updated_at"])
    record(
        by=by,
        action="registry.person_move",
        obj=person,
        before=before,
        after=model_snapshot(person, ["residence_area", "status"]),
        reason=note,
    )
    return person


# Moves across the deployment's edge. A move to another village of the deployment keeps the record in
# the registry (the receiving village sees it); a move to a place outside (another county or province,
# or only a township named) closes the residence here, records the destination as the last period and
# marks the person moved out. A move in finds the person by ID number wherever they are registered.


@dataclass(frozen=True)
class Place:
    """Where a person goes to or comes from: an area of the deployment, or a code and/or name outside."""

    area: Area | None = None
    code: str = ""
    name: str = ""

    def describe(self) -> str:
        if self.area is not None:
            return self.area.full_name()
        return " ".join(part for part in (self.name, f"({self.code})" if self.code else "") if part)


def place_from_text(text: str) -> Place:
    """Read what was typed or picked: "411723102201 射桥镇 张营村", a bare code, a name, or free text.

    Digits first are an area code (2, 4, 6, 9 or 12 digits); a code of this deployment is its area. A
    name that is exactly one current area's name is that area. Anything else is a place outside.
    """
    from jisheng.areas.codes import normalize_code

    text = clean_text(text)
    if not text:
        raise Refusal(_("destination"), _("pick an area from the list or type the place"))
    head, _sep, rest = text.partition(" ")
    digits = head if head.isdigit() else ""
    if digits:
        try:
            code = normalize_code(digits)
        except ValidationError as exc:
            raise Refusal(_("destination"), exc.messages[0], text) from exc
        area = Area.objects.filter(code=code, valid_to__isnull=True).first()
        return Place(area=area, code=code, name=rest.strip() if area is None else area.name)
    named = list(Area.objects.filter(name=text, valid_to__isnull=True)[:2])
    if len(named) == 1:
        return Place(area=named[0], code=named[0].code, name=named[0].name)
    return Place(name=text[:100])


def _check_move_date(person: Person, date: datetime.date) -> ResidencePeriod | None:
    if date > timezone.localdate():
        raise Refusal(_("date"), _("cannot be in the future"), date)
    current = person.residence_periods.filter(end_date__isnull=True).order_by("-start_date").first()
    if current is not None and date < current.start_date:
        raise Refusal(_("date"), _("is before the person came to the present village"), date)
    return current


@transaction.atomic
def person_move_out(*, person: Person, to: Place, date: datetime.date, by: Actor, note: str = "") -> Person:
    """Record a move out of the village: to a village of the deployment (the record moves there) or to
    any place outside it (the person is marked moved out, the destination kept in the history).
    May be nested (the offline sync)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if person.status == PersonStatus.DEAD:
        raise Refusal(_("status"), _("a dead person cannot move"))
    if person.status == PersonStatus.MOVED_OUT:
        raise Refusal(_("status"), _("the person has already moved out"))
    if to.area is not None and to.area.level == Level.VILLAGE:
        if to.area.code == person.residence_area_id:
            raise Refusal(_("destination"), _("the person already lives there"), to.area.code)
        _check_move_date(person, date)
        return _move_to_village(person=person, to_area=to.area, date=date, by=by, note=note)
    if to.area is not None and to.area.contains(person.residence_area_id):
        raise Refusal(
            _("destination"),
            _("the person already lives in %(area)s: pick the village") % {"area": to.area.name},
            to.code,
        )
    current = _check_move_date(person, date)
    before = model_snapshot(person, ["residence_area", "status"])
    if current is not None:
        current.end_date = date
        current.save(update_fields=["end_date"])
    destination = to.describe()
    ResidencePeriod.objects.create(
        person=person,
        area_code=to.code,
        start_date=date,
        note=clean_text(f"迁往 {destination} {note}")[:128],
    )
    person.status = PersonStatus.MOVED_OUT
    person.save(update_fields=["status", "updated_at"])
    record(
        by=by,
        action="registry.person_move_out",
        obj=person,
        before=before,
        after={"status": person.status, "to_code": to.code, "to": destination, "date": date.isoformat()},
        reason=note,
    )
    return person


def _move_to_village(*, person: Person, to_area: Area, date: datetime.date, by: Actor, note: str) -> Person:
    """The body of a move between two villages of the deployment; the caller checked who may do it."""
    before = model_snapshot(person, ["residence_area", "status"])
    from_area = person.residence_area
    current = person.residence_periods.filter(end_date__isnull=True).order_by("-start_date").first()
    if current is not None:
        current.end_date = date
        current.save(update_fields=["end_date"])
    ResidencePeriod.objects.create(
        person=person,
        area_code=to_area.code,
        start_date=date,
        note=clean_text(f"迁自 {from_area.full_name()} {note}")[:128],
    )
    person.residence_area = to_area
    person.status = PersonStatus.ALIVE
    person.save(update_fields=["residence_area", "status", "updated_at"])
    record(
        by=by,
        action="registry.person_move",
        obj=person,
        before=before,
        after=model_snapshot(person, ["residence_area", "status"]),
        reason=note,
    )
    return person


@transaction.atomic
def person_move_in(
    *,
    to_area: Area,
    id_number: str,
    date: datetime.date,
    by: Actor,
    name: str = "",
    origin: Place | None = None,
    phone: str = "",
    note: str = "",
) -> Person:
    """Record a move into a village of the user's area. A person the deployment knows (another
    village, or moved out earlier) keeps one record and its history; anyone else is registered here,
    with where they came from. The name, when given, must match the record: an ID number typed wrong
    must not move someone else.
    May be nested (the floating population's and the offline sync's services)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, to_area.code)
    _village(to_area)
    number = normalize_id_number(id_number)
    person = (
        Person.objects.filter(id_number=number, merged_into__isnull=True)
        .select_related("residence_area")
        .first()
    )
    origin = origin or Place()
    if person is None:
        if not clean_text(name):
            raise Refusal(pgettext("person", "name"), _("is required for a person new to the registry"))
        person = person_create(
            by=by, name=name, id_number=number, residence_area=to_area, phone=phone, since=date
        )
        if origin.area is not None or origin.code or origin.name:
            person.residence_periods.filter(end_date__isnull=True).update(
                note=clean_text(f"迁自 {origin.describe()} {note}")[:128]
            )
        record(
            by=by,
            action="registry.person_move_in",
            obj=person,
            after={
                "from_code": origin.code,
                "from": origin.describe(),
                "date": date.isoformat(),
                "new": True,
            },
            reason=note,
        )
        return person
    if name and normalize_name(name) != person.name:
        raise Refusal(
            pgettext("person", "name"), _("does not match the registry's record of this ID number"), name
        )
    if person.status == PersonStatus.DEAD:
        raise Refusal(_("resident ID number"), _("the registry records this person as dead"), number)
    if person.residence_area_id == to_area.code and person.status != PersonStatus.MOVED_OUT:
        raise Refusal(_("resident ID number"), _("the person already lives there"), number)
    if date > timezone.localdate():
        raise Refusal(_("date"), _("cannot be in the future"), date)
    current = person.residence_periods.filter(end_date__isnull=True).order_by("-start_date").first()
    if current is not None and date < current.start_date:
        raise Refusal(_("date"), _("is before the person came to the present village"), date)
    _move_to_village(person=person, to_area=to_area, date=date, by=by, note=note)
    if phone:
        person.phone = normalize_phone(phone)
        person.save(update_fields=["phone", "updated_at"])
    record(
        by=by,
        action="registry.person_move_in",
        obj=person,
        after={"from": origin.describe(), "date": date.isoformat(), "new": False},
        reason=note,
    )
    return person
