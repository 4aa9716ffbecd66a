"""People: registering a person, changing their details, revealing a masked field, living here or away,
and death. Each service is one transaction with its audit event."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor

from ..codes import MaritalStatus, PersonStatus
from ..models import Household, Person, ResidencePeriod
from ..validation import (
    Refusal,
    check_identity,
    clean_text,
    normalize_name,
    normalize_phone,
)

PERSON_EDITABLE = (
    "name",
    "ethnicity",
    "marital_status",
    "phone",
    "hukou_type",
    "registered_area_code",
    "address",
    "relation_to_head",
    "disability_level",
)


def _village(area: Area) -> Area:
    if area.level != Level.VILLAGE:
        raise Refusal(
            _("village"), _("persons are kept in a village or community, not in %(area)s") % {"area": area}
        )
    return area


def _hold_id_number(id_number: str) -> None:
    """Serialise the registrations of one ID number until this transaction ends.

    The database keeps one live person per ID number *and county* (persons are partitioned by county
    on PostgreSQL, and a partitioned table's unique keys must hold the partition key); across counties
    the guarantee is this check: the look-up that follows runs under a transaction-scoped advisory
    lock on the number, so of twenty simultaneous requests in different counties one writes and the
    others see its person. SQLite's writer already holds the database (BEGIN IMMEDIATE)."""
    if id_number and connection.vendor == "postgresql":
        # A hash of the number, so the number itself never appears in a statement.
        digest = hashlib.blake2b(f"registry.person.id_number:{id_number}".encode(), digest_size=8).digest()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def _already_registered(*, by: Actor, id_number: str, as_typed: str) -> Refusal:
    """The refusal of a second live record: it names the person already registered when the user may
    see them (to open that record instead), and only says so otherwise."""
    person = (
        Person.objects.visible_to(by)
        .filter(id_number=id_number, merged_into__isnull=True)
        .select_related("residence_area")
        .first()
    )
    if person is None:
        return Refusal(
            _("resident ID number"), _("a person with this ID number is already registered"), as_typed
        )
    return Refusal(
        _("resident ID number"),
        _("a person with this ID number is already registered: %(name)s in %(area)s")
        % {"name": person.name, "area": person.residence_area.name},
        as_typed,
    )


@transaction.atomic
def person_create(
    *,
    by: Actor,
    name: str,
    id_number: str,
    residence_area: Area,
    sex: str | None = None,
    birth_date: Any = None,
    ethnicity: str = "01",
    marital_status: str = MaritalStatus.UNSTATED,
    phone: str = "",
    hukou_type: str = "",
    registered_area_code: str = "",
    address: str = "",
    household: Household | None = None,
    relation_to_head: str = "",
    since: datetime.date | None = None,
) -> Person:
    """Register a person in a village. May be nested (a move in, the demo)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, residence_area.code)
    _village(residence_area)
    identity = check_identity(id_number=id_number, birth_date=birth_date, sex=sex)
    _hold_id_number(identity.id_number)
    if Person.objects.filter(id_number=identity.id_number, merged_into__isnull=True).exists():
        raise _already_registered(by=by, id_number=identity.id_number, as_typed=id_number)
    person = Person(
        name=normalize_name(name),
        id_number=identity.id_number,
        sex=identity.sex,
        birth_date=identity.birth_date,
        ethnicity=clean_text(ethnicity) or "01",
        marital_status=marital_status,
        phone=normalize_phone(phone),
        hukou_type=hukou_type,
        registered_area_code=registered_area_code or residence_area.code,
        residence_area=residence_area,
        address=clean_text(address),
        household=household,
        relation_to_head=relation_to_head,
    )
    person.fill_search_fields()
    try:
        # A savepoint: another request may have registered the number since the check above (the
        # database allows one live person per ID number); the caller then gets the refusal, not a 500.
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise _already_registered(by=by, id_number=identity.id_number, as_typed=id_number) from None
    ResidencePeriod.objects.create(
        person=person, area_code=residence_area.code, start_date=since or identity.birth_date
    )
    record(by=by, action="registry.person_create", obj=person, after=model_snapshot(person))
    return person


@transaction.atomic
def person_update(*, person: Person, by: Actor, changes: dict[str, Any]) -> Person:
    """Change the editable fields named in ``changes``; ID, birth date and area change elsewhere.
    May be nested (the offline sync)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise Refusal(", ".join(sorted(unknown)), _("cannot be changed here"))
    before = model_snapshot(person)
    for field, value in changes.items():
        if field == "name":
            value = normalize_name(value)
        elif field == "phone":
            value = normalize_phone(value)
        elif isinstance(value, str):
            value = clean_text(value)
        setattr(person, field, value)
    person.fill_search_fields()
    person.save()
    record(by=by, action="registry.person_update", obj=person, before=before, after=model_snapshot(person))
    return person


@transaction.atomic(durable=True)
def person_reveal(*, person: Person, field: str, reason: str, by: Actor) -> str:
    """Show a masked ID number or phone to a user who gives a reason; the reading is audited.
    Outermost."""
    reason = clean_text(reason)
    if len(reason) < 2:
        raise Refusal(_("reason"), _("say why you need to see it"), reason)
    if field not in ("id_number", "phone"):
        raise Refusal(field, _("cannot be revealed"))
    permissions.ensure(by, Capability.REVEAL_PERSONAL_DATA, person.residence_area_id)
    action = "person.reveal_id" if field == "id_number" else "person.reveal_phone"
    record(by=by, action=action, obj=person, reason=reason)
    return str(getattr(person, field))


@transaction.atomic
def person_set_status(*, person: Person, status: str, by: Actor, note: str = "") -> Person:
    """Living here, living away or moved out (death has its own service).
    May be nested (the floating population's services)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if status not in (PersonStatus.ALIVE, PersonStatus.AWAY, PersonStatus.MOVED_OUT):
        raise Refusal(_("status"), _("use the death record for a death"), status)
    before = model_snapshot(person, ["status"])
    person.status = status
    person.save(update_fields=["status", "updated_at"])
    record(
        by=by,
        action="registry.person_status",
        obj=person,
        before=before,
        after={"status": status},
        reason=note,
    )
    return person


@transaction.atomic(durable=True)
def death_record(*, person: Person, date: datetime.date, by: Actor, note: str = "") -> Person:
    """Record a death: the person's status and the end of their residence. Outermost."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if date < person.birth_date or date > timezone.localdate():
        raise Refusal(_("date of death"), _("must lie between the birth and today"), date)
    before = model_snapshot(person, ["status", "death_date"])
    person.status = PersonStatus.DEAD
    person.death_date = date
    person.save(update_fields=["status", "death_date", "updated_at"])
    person.residence_periods.filter(end_date__isnull=True).update(end_date=date)
    record(
        by=by,
        action="registry.death_record",
        obj=person,
        before=before,
        after=model_snapshot(person, ["status", "death_date"]),
        reason=note,
    )
    return person
