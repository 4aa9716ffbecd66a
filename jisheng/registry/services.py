"""Every change to the registry: one transaction and one audit event each.

Functions take the acting user as ``by`` (None for the system: demo, migrations). Values are checked
by ``validation`` and refusals raise ``validation.Refusal`` naming the field and the reason.
Duplicate review lives in ``duplicates.py``, bulk import writing in ``import_writer.py``; both follow
the same rules.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor

from .codes import MARRIED_STATUSES, MaritalStatus, PersonStatus, Relation, Sex
from .models import Birth, Contraception, Household, ImportJob, Marriage, Person, ResidencePeriod
from .validation import (
    Refusal,
    age_on,
    check_birth,
    check_identity,
    clean_text,
    normalize_id_number,
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
MIN_MARRIAGE_AGE = {Sex.MALE: 22, Sex.FEMALE: 20}


def _village(area: Area) -> Area:
    if area.level != Level.VILLAGE:
        raise Refusal(
            _("village"), _("persons are kept in a village or community, not in %(area)s") % {"area": area}
        )
    return area


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
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, residence_area.code)
    _village(residence_area)
    identity = check_identity(id_number=id_number, birth_date=birth_date, sex=sex)
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
    """Change the editable fields named in ``changes``; ID, birth date and area change elsewhere."""
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


@transaction.atomic
def person_reveal(*, person: Person, field: str, reason: str, by: Actor) -> str:
    """Show a masked ID number or phone to a user who gives a reason; the reading is audited."""
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
def person_move(*, person: Person, to_area: Area, date: datetime.date, by: Actor, note: str = "") -> Person:
    """Move a person to another village: the same record, a closed and a new residence period."""
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


@transaction.atomic
def person_set_status(*, person: Person, status: str, by: Actor, note: str = "") -> Person:
    """Living here, living away or moved out (death has its own service)."""
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


@transaction.atomic
def death_record(*, person: Person, date: datetime.date, by: Actor, note: str = "") -> Person:
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


@transaction.atomic
def household_create(
    *, by: Actor, number: str, area: Area, address: str = "", hukou_type: str = ""
) -> Household:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, area.code)
    _village(area)
    number = clean_text(number).replace(" ", "")
    if not number:
        raise Refusal(_("household number"), _("is required"))
    if Household.objects.filter(number=number).exists():
        raise Refusal(_("household number"), _("is already registered"), number)
    household = Household.objects.create(
        number=number, area=area, address=clean_text(address), hukou_type=hukou_type
    )
    record(by=by, action="registry.household_create", obj=household, after=model_snapshot(household))
    return household


@transaction.atomic
def household_update(*, household: Household, by: Actor, address: str, hukou_type: str) -> Household:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, household.area_id)
    before = model_snapshot(household)
    household.address = clean_text(address)
    household.hukou_type = hukou_type
    household.save(update_fields=["address", "hukou_type"])
    record(
        by=by,
        action="registry.household_update",
        obj=household,
        before=before,
        after=model_snapshot(household),
    )
    return household


@transaction.atomic
def household_add_member(*, household: Household, person: Person, relation: str, by: Actor) -> Person:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, household.area_id)
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if (
        relation == Relation.HEAD
        and household.members.filter(relation_to_head=Relation.HEAD).exclude(pk=person.pk).exists()
    ):
        raise Refusal(_("relation to head"), _("the household already has a head"), relation)
    before = model_snapshot(person, ["household", "relation_to_head"])
    person.household = household
    person.relation_to_head = relation
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    record(
        by=by,
        action="registry.household_add_member",
        obj=person,
        before=before,
        after=model_snapshot(person, ["household", "relation_to_head"]),
    )
    return person


@transaction.atomic
def household_remove_member(*, person: Person, by: Actor) -> Person:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    before = model_snapshot(person, ["household", "relation_to_head"])
    person.household = None
    person.relation_to_head = ""
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    record(by=by, action="registry.household_remove_member", obj=person, before=before)
    return person


@transaction.atomic
def marriage_record(
    *,
    husband: Person,
    wife: Person,
    date: datetime.date,
    by: Actor,
    kind: str = Marriage.Kind.FIRST,
    certificate_number: str = "",
) -> Marriage:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, wife.residence_area_id)
    if husband.sex != Sex.MALE:
        raise Refusal(_("husband"), _("must be a man"), husband.name)
    if wife.sex != Sex.FEMALE:
        raise Refusal(_("wife"), _("must be a woman"), wife.name)
    for person, label in ((husband, _("husband")), (wife, _("wife"))):
        minimum = MIN_MARRIAGE_AGE[Sex(person.sex)]
        if age_on(person.birth_date, date) < minimum:
            raise Refusal(
                label,
                _("is younger than the legal age of %(age)s on the date of marriage") % {"age": minimum},
                person.name,
            )
        if Marriage.objects.filter(
            **{"husband" if person is husband else "wife": person}, divorce_date__isnull=True
        ).exists():
            raise Refusal(label, _("is still married; record the divorce first"), person.name)
    if date > timezone.localdate():
        raise Refusal(_("date of marriage"), _("lies in the future"), date)
    marriage = Marriage.objects.create(
        husband=husband,
        wife=wife,
        date=date,
        kind=kind,
        certificate_number=clean_text(certificate_number),
        area_id=wife.residence_area_id,
    )
    status = MaritalStatus.FIRST_MARRIAGE if kind == Marriage.Kind.FIRST else MaritalStatus.REMARRIED
    Person.objects.filter(pk__in=[husband.pk, wife.pk]).update(marital_status=status)
    record(by=by, action="registry.marriage_record", obj=marriage, after=model_snapshot(marriage))
    return marriage


@transaction.atomic
def marriage_divorce(*, marriage: Marriage, date: datetime.date, by: Actor) -> Marriage:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, marriage.area_id)
    if marriage.divorce_date is not None:
        raise Refusal(_("date of divorce"), _("the divorce is already recorded"))
    if date < marriage.date:
        raise Refusal(_("date of divorce"), _("is before the marriage"), date)
    marriage.divorce_date = date
    marriage.save(update_fields=["divorce_date"])
    Person.objects.filter(
        pk__in=[marriage.husband_id, marriage.wife_id], marital_status__in=MARRIED_STATUSES
    ).update(marital_status=MaritalStatus.DIVORCED)
    record(by=by, action="registry.marriage_divorce", obj=marriage, after={"divorce_date": date})
    return marriage


@transaction.atomic
def birth_record(
    *,
    mother: Person,
    date: datetime.date,
    sex: str,
    child_name: str,
    by: Actor,
    father: Person | None = None,
    child_id_number: str = "",
    birth_order: int | None = None,
    weight_grams: int | None = None,
    has_defect: bool = False,
    defect_description: str = "",
    place: str = "",
) -> Birth:
    """Record a birth and register the child as a person of the mother's village and household."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, mother.residence_area_id)
    if mother.sex != Sex.FEMALE:
        raise Refusal(_("mother"), _("must be a woman"), mother.name)
    others = list(Birth.objects.filter(mother=mother).values_list("date", "birth_order"))
    order = birth_order or (1 + sum(1 for other_date, _order in others if other_date <= date))
    check_birth(mother_birth_date=mother.birth_date, date=date, birth_order=order, other_births=others)
    if child_id_number:
        identity = check_identity(id_number=child_id_number, birth_date=date, sex=sex)
        id_number = identity.id_number
    else:
        id_number = ""
    child = Person(
        name=normalize_name(child_name),
        id_number=id_number,
        sex=sex,
        birth_date=date,
        marital_status=MaritalStatus.UNMARRIED,
        residence_area_id=mother.residence_area_id,
        registered_area_code=mother.registered_area_code,
        hukou_type=mother.hukou_type,
        household=mother.household,
        relation_to_head=Relation.CHILD if mother.household_id else "",
        address=mother.address,
    )
    child.fill_search_fields()
    try:
        # One live person per ID number: a child already registered under the number is refused by
        # name, also when another request registered it a moment ago (the constraint decides).
        if id_number and Person.objects.filter(id_number=id_number, merged_into__isnull=True).exists():
            raise IntegrityError
        with transaction.atomic():
            child.save()
    except IntegrityError:
        raise _already_registered(by=by, id_number=id_number, as_typed=child_id_number) from None
    ResidencePeriod.objects.create(person=child, area_code=child.residence_area_id, start_date=date)
    birth = Birth.objects.create(
        child=child,
        mother=mother,
        father=father,
        date=date,
        birth_order=order,
        sex=sex,
        weight_grams=weight_grams,
        has_defect=has_defect,
        defect_description=clean_text(defect_description),
        place=clean_text(place),
        area_id=mother.residence_area_id,
    )
    record(by=by, action="registry.birth_record", obj=birth, after=model_snapshot(birth))
    return birth


@transaction.atomic
def contraception_record(
    *,
    person: Person,
    method: str,
    start_date: datetime.date,
    by: Actor,
    end_date: datetime.date | None = None,
    provider: str = "",
) -> Contraception:
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if end_date is not None and end_date < start_date:
        raise Refusal(_("end date"), _("is before the start date"), end_date)
    if start_date < person.birth_date:
        raise Refusal(_("start date"), _("is before the person was born"), start_date)
    # A new method replaces the running one: close it the day before.
    Contraception.objects.filter(person=person, end_date__isnull=True, start_date__lt=start_date).update(
        end_date=start_date - datetime.timedelta(days=1)
    )
    item = Contraception.objects.create(
        person=person,
        method=method,
        start_date=start_date,
        end_date=end_date,
        provider=clean_text(provider),
        area_id=person.residence_area_id,
    )
    record(by=by, action="registry.contraception_record", obj=item, after=model_snapshot(item))
    return item


@transaction.atomic
def import_job_create(*, kind: str, file_name: str, by: Actor) -> ImportJob:
    """An uploaded file waiting for its column mapping (the web import); audited as an upload."""
    user = acting_user(by)
    if user.area is None:
        raise PermissionDenied(_("This is outside your area."))
    job = ImportJob.objects.create(
        kind=kind, file_name=clean_text(file_name)[:255], area=user.area, created_by=user
    )
    record(by=by, action="registry.import_upload", obj=job, after={"kind": kind, "file": job.file_name})
    return job


def import_job_update(*, job: ImportJob, **fields: Any) -> ImportJob:
    """Bookkeeping of the import's own progress (mapping, counts, status): not registry data, so not
    audited; the rows it writes are audited by ``import_writer`` with the file's SHA-256."""
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
    return job


def import_job_progress(*, job: ImportJob, done: int, total: int) -> None:
    """Progress goes to a file beside the upload, not to the database: the import writes inside one
    transaction, so a row updated there would stay invisible to the page polling it until the end
    (and on SQLite no other connection may write meanwhile)."""
    job.progress_path.write_text(f"{done} {total}", encoding="ascii")


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
    any place outside it (the person is marked moved out, the destination kept in the history)."""
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
    must not move someone else."""
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
