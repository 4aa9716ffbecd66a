"""The phone's records, kind by kind: reading their fields and handing them to the apps' own services.

Each handler reads one record's values with ``Reader`` (a refusal names the field as the phone's form
labels it), calls the registry's, the hall's, migrants' or outreach's service with the officer as the
actor, and returns the answer the phone shows. ``services.record_apply`` runs a handler inside its
transaction and keeps the answer under the record's client id.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts.models import User
from jisheng.areas.models import Area, Level
from jisheng.audit.services import record
from jisheng.core.text import InputError, check_id_number, normalize_name
from jisheng.hall.models import Channel, ServiceItem
from jisheng.hall.services import intake
from jisheng.hall.services.common import Upload
from jisheng.migrants import services as migrants
from jisheng.outreach import services as outreach
from jisheng.registry import services as registry
from jisheng.registry.models import Household, Person
from jisheng.registry.validation import Refusal, clean_text, mask_id, parse_date

from . import sync

MAX_PHOTOS = 4
MAX_PHOTO_BYTES = 3 * 1024 * 1024  # the phone shrinks photos of signed forms to well under this


class Conflict(Exception):
    """The person changed on the server since the phone's copy (``base_version``)."""

    def __init__(self, person: Person, version: str, values: dict[str, Any]) -> None:
        self.person = person
        self.version = version
        self.values = values
        super().__init__(f"conflict on person {person.pk}")


def field_error(key: str, label: str, message: str) -> dict[str, str]:
    return {"field": key, "label": label, "message": message}


# --- reading the phone's values -------------------------------------------------------------------


class Reader:
    """Reads one record's fields, raising the registry's ``Refusal`` that names the field in Chinese;
    remembers which payload key a label belongs to, so the phone can mark the field."""

    def __init__(self, by: User, payload: dict[str, Any], client_id: str = "") -> None:
        self.by = by
        self.client_id = client_id
        self.payload = payload if isinstance(payload, dict) else {}
        self.labels: dict[str, str] = {}

    def label(self, key: str, label: str) -> str:
        self.labels[label] = key
        return label

    def text(self, key: str, label: str, *, required: bool = False, limit: int = 128) -> str:
        value = clean_text(self.payload.get(key) or "")
        if required and not value:
            raise Refusal(self.label(key, label), _("is required"))
        if len(value) > limit:
            raise Refusal(self.label(key, label), _("is too long"), value[:20])
        return value

    def date(self, key: str, label: str, *, required: bool = True) -> datetime.date | None:
        self.label(key, label)
        return parse_date(self.payload.get(key) or "", field=label, required=required)

    def integer(self, key: str, label: str) -> int | None:
        value = self.payload.get(key)
        if value in (None, ""):
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            raise Refusal(self.label(key, label), _("must be a whole number"), value) from None
        if number < 0 or number > 100_000:
            raise Refusal(self.label(key, label), _("is out of range"), value)
        return number

    def person(self, key: str, label: str, *, required: bool = True) -> Person | None:
        value = self.payload.get(key)
        if value in (None, "") or value == {}:
            if required:
                raise Refusal(self.label(key, label), _("pick a person"))
            return None
        if isinstance(value, dict):
            return self.person_by_id(key, label, value)
        person = (
            Person.objects.visible_to(self.by)
            .filter(pk=_as_int(value), merged_into__isnull=True)
            .select_related("residence_area")
            .first()
        )
        if person is None:
            raise Refusal(self.label(key, label), _("is not a person of your area"), value)
        return person

    def person_by_id(self, key: str, label: str, value: dict[str, Any]) -> Person:
        """A person not in the phone's copy, entered offline by ID number and name: matched now, among
        those the officer may see, on both (a typo in either finds nobody rather than someone else)."""
        self.label(key, label)
        try:
            number = check_id_number(value.get("id_number") or "").number
        except InputError as error:
            raise Refusal(
                label, _("ID number: %(reason)s") % {"reason": error.reason}, value.get("id_number")
            ) from None
        try:
            name = normalize_name(value.get("name") or "")
        except InputError:
            raise Refusal(label, _("enter the name as on the ID card"), number) from None
        person = sync.person_elsewhere(self.by, number, name=name)
        if person is None:
            raise Refusal(
                label,
                _(
                    "nobody in your area has ID number %(number)s and name %(name)s: check both, or look "
                    "the person up when online"
                )
                % {"number": mask_id(number), "name": name},
                number,
            )
        return person

    def household(self, key: str, label: str) -> Household:
        value = self.payload.get(key)
        household = Household.objects.visible_to(self.by).filter(pk=_as_int(value)).first()
        if household is None:
            raise Refusal(self.label(key, label), _("is not a household of your area"), value)
        return household


def _as_int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


# --- one handler per kind of record -------------------------------------------------------------------


def _birth(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    mother = reader.person("mother", _("mother"))
    father = reader.person("father", _("father"), required=False)
    date = reader.date("date", _("date of birth"))
    sex = reader.text("sex", _("sex"), required=True)
    if sex not in ("1", "2"):
        raise Refusal(reader.label("sex", _("sex")), _("must be 男 or 女"), sex)
    reader.label("child_id_number", _("resident ID number"))
    reader.label("child_name", pgettext("person", "name"))
    assert mother is not None and date is not None
    birth = registry.birth_record(
        mother=mother,
        father=father,
        date=date,
        sex=sex,
        child_name=reader.text("child_name", pgettext("person", "name"), required=True, limit=32),
        child_id_number=reader.text("child_id_number", _("resident ID number"), limit=24),
        weight_grams=reader.integer("weight_grams", _("birth weight (g)")),
        place=reader.text("place", _("place of birth"), limit=64),
        by=by,
    )
    child = birth.child
    assert child is not None
    return {
        "object": {"type": "registry.birth", "id": birth.pk, "person": child.pk},
        "message": _("Birth of %(name)s recorded.") % {"name": child.name},
        "area_code": birth.area_id,
    }


def _marriage(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    husband = reader.person("husband", _("husband"))
    wife = reader.person("wife", _("wife"))
    date = reader.date("date", _("date of marriage"))
    assert husband is not None and wife is not None and date is not None
    marriage = registry.marriage_record(
        husband=husband,
        wife=wife,
        date=date,
        certificate_number=reader.text("certificate_number", _("marriage certificate number"), limit=32),
        by=by,
    )
    return {
        "object": {"type": "registry.marriage", "id": marriage.pk},
        "message": _("Marriage of %(husband)s and %(wife)s recorded.")
        % {"husband": husband.name, "wife": wife.name},
        "area_code": marriage.area_id,
    }


def _contraception(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    from jisheng.registry.codes import ContraceptiveMethod

    person = reader.person("person", _("person"))
    method = reader.text("method", _("method"), required=True)
    if method not in ContraceptiveMethod.values:
        raise Refusal(reader.label("method", _("method")), _("pick a method from the list"), method)
    start = reader.date("start_date", _("start date"))
    assert person is not None and start is not None
    measure = registry.contraception_record(
        person=person,
        method=method,
        start_date=start,
        provider=reader.text("provider", _("provider"), limit=64),
        by=by,
    )
    return {
        "object": {"type": "registry.contraception", "id": measure.pk},
        "message": _("Contraception of %(name)s recorded.") % {"name": person.name},
        "area_code": measure.area_id,
    }


def _move_out(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    person = reader.person("person", _("person"))
    date = reader.date("date", _("date"))
    reader.label("destination", _("destination"))
    assert person is not None and date is not None
    place = registry.place_from_text(reader.text("destination", _("destination"), required=True))
    registry.person_move_out(person=person, to=place, date=date, note=reader.text("note", _("note")), by=by)
    return {
        "object": {"type": "registry.person", "id": person.pk},
        "message": _("%(name)s moved to %(place)s.") % {"name": person.name, "place": place.describe()},
        "area_code": person.residence_area_id,
    }


def _move_in(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    code = reader.text("village", _("village")) or (by.area.code if by.area else "")
    village = Area.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise Refusal(reader.label("village", _("village")), _("is not a village of your area"), code)
    date = reader.date("date", _("date"))
    reader.label("id_number", _("resident ID number"))
    reader.label("name", pgettext("person", "name"))
    reader.label("origin", _("origin"))
    origin_text = reader.text("origin", _("origin"))
    assert date is not None
    person = registry.person_move_in(
        to_area=village,
        id_number=reader.text("id_number", _("resident ID number"), required=True, limit=24),
        name=reader.text("name", pgettext("person", "name"), limit=32),
        origin=registry.place_from_text(origin_text) if origin_text else None,
        phone=reader.text("phone", _("phone"), limit=20),
        note=reader.text("note", _("note")),
        date=date,
        by=by,
    )
    return {
        "object": {"type": "registry.person", "id": person.pk},
        "message": _("%(name)s moved in.") % {"name": person.name},
        "area_code": village.code,
    }


def _person_update(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    person = reader.person("person", _("person"))
    assert person is not None
    # Lock the row: a conflict check and the write must see the same version.
    person = Person.objects.select_for_update().select_related("residence_area").get(pk=person.pk)
    changes_in = reader.payload.get("changes")
    if not isinstance(changes_in, dict) or not changes_in:
        raise Refusal(reader.label("changes", _("changes")), _("nothing was changed"))
    changes: dict[str, Any] = {}
    for key, value in changes_in.items():
        if key not in sync.EDITABLE_FIELDS:
            raise Refusal(reader.label(key, key), _("cannot be changed here"))
        changes[key] = clean_text(value or "")
    if "name" in changes and not changes["name"]:
        raise Refusal(reader.label("name", pgettext("person", "name")), _("is required"))
    version, values = sync.person_current(person)
    base = str(reader.payload.get("base_version") or "")
    resolution = str(reader.payload.get("resolution") or "")
    if base != version:
        raise Conflict(person, version, values)
    if resolution == "mine":
        record(
            by=by,
            action="offline.conflict_keep_mine",
            obj=person,
            before={key: values.get(key if key != "phone" else "phone_masked") for key in changes},
            after={key: value if key != "phone" else "***" for key, value in changes.items()},
            reason=_("The officer kept the phone's version after seeing the server's."),
        )
    registry.person_update(person=person, changes=changes, by=by)
    new_version, new_values = sync.person_current(person)
    return {
        "object": {"type": "registry.person", "id": person.pk},
        "message": _("Changes to %(name)s saved.") % {"name": person.name},
        "area_code": person.residence_area_id,
        "person": new_values,
        "version": new_version,
    }


def _visit(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    household = reader.household("household", _("household"))
    visited_on = reader.date("visited_on", pgettext("visit", "date of the visit"))
    follow_up = reader.date("follow_up_due", pgettext("visit", "follow-up due"), required=False)
    assert visited_on is not None
    visit = outreach.visit_record(
        by=by,
        household=household,
        visited_on=visited_on,
        met=reader.text("met", pgettext("visit", "met"), limit=128),
        asked=reader.text("asked", pgettext("visit", "asked for"), limit=2000),
        promised=reader.text("promised", pgettext("visit", "promised"), limit=2000),
        follow_up_due=follow_up,
        client_id=reader.client_id,
    )
    return {
        "object": {"type": "outreach.visit", "id": visit.pk},
        "message": _("Visit to household %(number)s recorded.") % {"number": household.number},
        "area_code": household.area_id,
    }


def _photos(reader: Reader) -> list[Upload]:
    photos = reader.payload.get("photos") or []
    if not isinstance(photos, list):
        photos = []
    label = reader.label("photos", _("photos of signed forms"))
    if len(photos) > MAX_PHOTOS:
        raise Refusal(label, _("at most %(count)s photos") % {"count": MAX_PHOTOS})
    uploads = []
    for index, photo in enumerate(photos, start=1):
        if not isinstance(photo, dict):
            raise Refusal(label, _("photo %(index)s is unreadable") % {"index": index})
        try:
            content = base64.b64decode(str(photo.get("content_base64") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(label, _("photo %(index)s is unreadable") % {"index": index}) from None
        if len(content) > MAX_PHOTO_BYTES:
            raise Refusal(label, _("photo %(index)s is larger than 3 MB") % {"index": index})
        uploads.append(
            Upload(
                material_code=str(photo.get("material") or ""),
                name=str(photo.get("name") or f"photo{index}.jpg")[:100],
                content=content,
            )
        )
    return uploads


def _proxy_application(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    code = reader.text("item", _("service item"), required=True, limit=48)
    item = ServiceItem.objects.filter(code=code).first()
    if item is None:
        raise Refusal(reader.label("item", _("service item")), _("there is no such item"), code)
    person = reader.person("person", _("applicant"))
    phone = reader.text("phone", _("mobile number"), required=True, limit=20)
    reader.label("phone", _("mobile number"))
    uploads = _photos(reader)
    details = {}
    if captured_at is not None:
        # The working-day clock starts when the server receives it; the capture time stays beside it.
        details["现场采集时间"] = timezone.localtime(captured_at).strftime("%Y-%m-%d %H:%M")
    note = reader.text("note", _("note"), limit=200)
    if note:
        details["备注"] = note
    application = intake.application_submit(
        item=item,
        person=person,
        channel=Channel.PROXY,
        phone=phone,
        uploads=uploads,
        received_materials=sorted({u.material_code for u in uploads}),
        details=details,
        by=by,
    )
    return {
        "object": {"type": "hall.application", "id": application.pk, "number": application.number},
        "message": _("Application %(number)s received; due on %(due)s.")
        % {"number": application.number, "due": application.due_on},
        "area_code": application.area_id,
    }


def _departure(by: User, reader: Reader, captured_at: datetime.datetime | None) -> dict[str, Any]:
    """外出: a person of the village leaves to work elsewhere, with the 四个一 as far as known."""
    person = reader.person("person", _("person"))
    left_on = reader.date("left_on", pgettext("departure", "left on"))
    reader.label("destination", _("destination"))
    reader.label("contact_phone", pgettext("departure", "contact phone left at home"))
    assert person is not None and left_on is not None
    departure = migrants.departure_record(
        person=person,
        destination=reader.text("destination", _("destination"), required=True),
        left_on=left_on,
        reason=reader.text("reason", pgettext("departure", "reason"), limit=16) or "work",
        address=reader.text("address", pgettext("departure", "address there")),
        employer=reader.text("employer", pgettext("departure", "employer"), limit=100),
        phone=reader.text("phone", pgettext("departure", "phone there"), limit=20),
        contact_phone=reader.text(
            "contact_phone", pgettext("departure", "contact phone left at home"), limit=20
        ),
        contraception=reader.text("contraception", _("method"), limit=3),
        agreement_signed=str(reader.payload.get("agreement_signed") or "") in ("1", "true", "True", "yes"),
        by=by,
    )
    return {
        "object": {"type": "migrants.departure", "id": departure.pk},
        "message": _("Departure of %(name)s recorded.") % {"name": person.name},
        "area_code": departure.area_id,
    }


HANDLERS: dict[str, Callable[[User, Reader, datetime.datetime | None], dict[str, Any]]] = {
    "birth": _birth,
    "marriage": _marriage,
    "contraception": _contraception,
    "move_out": _move_out,
    "move_in": _move_in,
    "person_update": _person_update,
    "visit": _visit,
    "proxy_application": _proxy_application,
    "departure": _departure,
}


def errors_of(error: ValidationError, reader: Reader) -> list[dict[str, str]]:
    """A refusal of another app's service: by field when it names them (outreach does), each message
    prefixed by the field's label as the phone's form shows it."""
    if not hasattr(error, "error_dict"):
        return [field_error("", "", message) for message in error.messages]
    keys = {key: label for label, key in reader.labels.items()}
    errors = []
    for key, messages in error.message_dict.items():
        label = keys.get(key, "")
        for message in messages:
            text = f"{label}：{message}" if label and key != "__all__" else message
            errors.append(field_error("" if key == "__all__" else key, label, text))
    return errors
