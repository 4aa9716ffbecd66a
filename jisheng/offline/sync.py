"""The phone's download: one village, what the officer may see, masked as on the server, incremental.

Every record carries a version: a keyed hash (BLAKE2b keyed by the server's secret) of the values the phone
holds and of those an edit could conflict with. A version changes whenever the row does, by whatever
path (a service, a bulk import, an ``UPDATE`` that leaves ``updated_at`` alone), and reveals nothing of
the masked values. The cursor is the same kind of hash over the whole village: a sync whose cursor
still matches answers "unchanged" after one read of each table. Otherwise the phone's known versions
decide what is sent (new or changed records) and what it must drop (``removed``: ids it holds that the
officer may no longer see — moved away, merged, out of scope).
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.hall import queries as hall_queries
from jisheng.registry.models import Household, Person
from jisheng.registry.queries import person_by_id_number
from jisheng.registry.validation import Refusal, mask_id, mask_phone

# The person values a version covers (those the phone shows and those an offline edit may change).
PERSON_COLUMNS = (
    "id",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "marital_status",
    "phone",
    "hukou_type",
    "address",
    "household_id",
    "relation_to_head",
    "status",
    "residence_area_id",
    "name_pinyin",
    "name_initials",
    "name_pinyin_alt",
    "name_initials_alt",
    "name_simplified",
)
# What the officer may change on the phone (a subset of the registry's editable fields).
EDITABLE_FIELDS = ("name", "phone", "address", "marital_status", "ethnicity", "hukou_type")
SHOWN_STATUSES = ("alive", "away")
HOUSEHOLD_COLUMNS = ("id", "number", "address", "hukou_type", "area_id")


@cache
def _key() -> bytes:
    return hashlib.sha256(b"jisheng.offline.version:" + settings.SECRET_KEY.encode()).digest()[:32]


def version_of(values: Iterable[Any]) -> str:
    """A keyed BLAKE2b of the row's repr: one C call each (a village of 3,000 is hashed in milliseconds)."""
    return hashlib.blake2b(repr(tuple(values)).encode(), key=_key(), digest_size=8).hexdigest()


def digest_of(versions: Mapping[str, Mapping[str, str]]) -> str:
    text = json.dumps({kind: sorted(rows.items()) for kind, rows in sorted(versions.items())})
    return hashlib.blake2b(text.encode(), key=_key(), digest_size=12).hexdigest()


def village_for(user: Any, code: str = "") -> Area:
    """The village the phone holds: the officer's own, or one the user picks within their area."""
    if not permissions.holds(user, Capability.CAPTURE_OFFLINE):
        raise PermissionDenied(_("You may not use the offline app."))
    code = (code or "").strip()
    if not code:
        area = user.area
        if area is None or area.level != Level.VILLAGE:
            raise Refusal(_("village"), _("choose the village to take along"))
        return area
    area = Area.objects.filter(code=code, level=Level.VILLAGE).first()
    if area is None or not permissions.may(user, Capability.CAPTURE_OFFLINE, area.code):
        raise Refusal(_("village"), _("is not a village of your area"), code)
    return area


def villages_for(user: Any) -> list[Area]:
    if not permissions.holds(user, Capability.CAPTURE_OFFLINE) or user.area is None:
        return []
    if user.area.level == Level.VILLAGE:
        return [user.area]
    return list(
        Area.objects.filter(level=Level.VILLAGE, code__startswith=user.area.prefix).order_by("code")[:500]
    )


def person_rows(user: Any, village: Area) -> list[tuple[Any, ...]]:
    return list(
        Person.objects.visible_to(user)
        .filter(residence_area_id=village.code, merged_into__isnull=True, status__in=SHOWN_STATUSES)
        .order_by("id")
        .values_list(*PERSON_COLUMNS)
    )


def person_version(row: tuple[Any, ...]) -> str:
    return version_of(row)


def person_out(row: tuple[Any, ...], version: str) -> dict[str, Any]:
    values = dict(zip(PERSON_COLUMNS, row, strict=True))
    birth: datetime.date = values["birth_date"]
    return {
        "id": values["id"],
        "v": version,
        "name": values["name"],
        "id_masked": mask_id(values["id_number"]),
        "sex": values["sex"],
        "birth_date": birth.isoformat(),
        "ethnicity": values["ethnicity"],
        "marital_status": values["marital_status"],
        "phone_masked": mask_phone(values["phone"]),
        "hukou_type": values["hukou_type"],
        "address": values["address"],
        "household": values["household_id"],
        "relation": values["relation_to_head"],
        "status": values["status"],
        # The registry's search keys, so the phone finds "zs", "zhangsan" and 張 as the server does.
        "keys": [
            key
            for key in (
                values["name_pinyin"],
                values["name_initials"],
                values["name_pinyin_alt"],
                values["name_initials_alt"],
                values["name_simplified"],
            )
            if key
        ],
    }


def person_current(person: Person) -> tuple[str, dict[str, Any]]:
    """A person's version and values as the phone would download them now (for conflicts)."""
    # As the database gives them: a choice set in code is an enum member, read back it is a string.
    row = tuple(
        value.value if isinstance(value, enum.Enum) else value
        for value in (getattr(person, column) for column in PERSON_COLUMNS)
    )
    version = person_version(row)
    return version, person_out(row, version)


def person_elsewhere(user: Any, id_number: str, *, name: str | None = None) -> Person | None:
    """A person outside the downloaded village, by the full ID number (and name, when given), among
    those the user may see: the rule of the online forms (a spouse is found by the ID within the
    user's area). A merged-away number leads to its survivor."""
    return person_by_id_number(
        id_number, within=Person.objects.visible_to(user).select_related("residence_area"), name=name
    )


def person_elsewhere_out(person: Person) -> dict[str, Any]:
    """The person as the phone holds a downloaded one (masked), with where they live."""
    _version, values = person_current(person)
    area = person.residence_area
    values["elsewhere"] = True
    values["area"] = {"code": area.code, "name": area.name} if area is not None else None
    return values


def household_rows(user: Any, village: Area) -> list[tuple[Any, ...]]:
    return list(
        Household.objects.visible_to(user)
        .filter(area_id=village.code)
        .order_by("id")
        .values_list(*HOUSEHOLD_COLUMNS)
    )


def household_out(row: tuple[Any, ...], version: str) -> dict[str, Any]:
    values = dict(zip(HOUSEHOLD_COLUMNS, row, strict=True))
    return {"id": values["id"], "v": version, "number": values["number"], "address": values["address"]}


def task_rows(user: Any, village: Area) -> list[dict[str, Any]]:
    """Open cases of the village (the hall's queue, scoped to the user)."""
    cases = (
        hall_queries.open_cases(user)
        .filter(area_id=village.code)
        .select_related("item")
        .order_by("due_on", "id")[:200]
    )
    return [
        {
            "id": case.pk,
            "number": case.number,
            "item": case.item.name,
            "applicant": case.applicant_name,
            "status": case.get_status_display(),
            "due_on": case.due_on.isoformat() if case.due_on else "",
        }
        for case in cases
    ]


def form_rows() -> list[dict[str, Any]]:
    """The service items a village officer may apply for on a resident's behalf, with their materials."""
    items = hall_queries.effective_items().prefetch_related("materials").order_by("code")
    return [
        {
            "code": item.code,
            "name": item.name,
            "materials": [
                {"code": m.code, "name": m.name, "required": m.required}
                for m in sorted(item.materials.all(), key=lambda m: m.position)
            ],
        }
        for item in items
    ]


@dataclass
class SyncAnswer:
    village: dict[str, str]
    cursor: str
    unchanged: bool = False
    persons: list[dict[str, Any]] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)
    removed: dict[str, list[int]] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    server_time: str = ""


def sync(
    user: Any,
    *,
    village_code: str = "",
    cursor: str = "",
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> SyncAnswer:
    """What the phone must change to hold the village as the server has it now.

    ``known`` maps "persons"/"households" to {id: version} of what the phone holds; without it, the
    whole village is sent. ``cursor`` is the digest the last answer gave.
    """
    village = village_for(user, village_code)
    persons = person_rows(user, village)
    households = household_rows(user, village)
    tasks = task_rows(user, village)
    forms = form_rows()
    person_versions = {str(row[0]): person_version(row) for row in persons}
    household_versions = {str(row[0]): version_of(row) for row in households}
    listed = version_of([json.dumps(tasks, sort_keys=True), json.dumps(forms, sort_keys=True)])
    digest = digest_of({"persons": person_versions, "households": household_versions, "lists": {"": listed}})
    answer = SyncAnswer(
        village={"code": village.code, "name": village.name},
        cursor=digest,
        server_time=timezone.now().isoformat(),
    )
    if cursor and cursor == digest:
        answer.unchanged = True
        return answer
    known = known or {}
    known_persons = known.get("persons", {})
    known_households = known.get("households", {})
    answer.persons = [
        person_out(row, person_versions[str(row[0])])
        for row in persons
        if known_persons.get(str(row[0])) != person_versions[str(row[0])]
    ]
    answer.households = [
        household_out(row, household_versions[str(row[0])])
        for row in households
        if known_households.get(str(row[0])) != household_versions[str(row[0])]
    ]
    answer.removed = {
        "persons": sorted(int(pk) for pk in known_persons if pk not in person_versions and pk.isdigit()),
        "households": sorted(
            int(pk) for pk in known_households if pk not in household_versions and pk.isdigit()
        ),
    }
    answer.tasks = tasks
    answer.forms = forms
    return answer
