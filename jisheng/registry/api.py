"""GET /api/v1/persons?q=TEXT: the search of the registry page, scoped to the caller."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.core.text import normalize_code

from .queries import SearchCriteria, person_search

PREFIX = "/"
router = Router(tags=["registry"])


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    sex: str
    birth_date: datetime.date
    village_code: str
    household_number: str | None
    status: str


@router.get("/persons", response=list[PersonOut])
def persons(
    request: HttpRequest, q: str = "", area: str = "", status: str = "", limit: int = 50
) -> list[PersonOut]:
    user = request.user
    if not permissions.holds(user, Capability.READ_REGISTRY):
        return []
    area = normalize_code(area)  # full-width digits are digits to str.isdigit, not to the area codes
    criteria = SearchCriteria(
        q=q[:64], area_code=area[:12] if area.isascii() and area.isdigit() else "", status=status[:12]
    )
    found = person_search(user, criteria, limit=max(1, min(limit, 200)))
    return [
        PersonOut(
            id=person.pk,
            name=person.name,
            id_number_masked=person.masked_id,
            sex=person.sex,
            birth_date=person.birth_date,
            village_code=person.residence_area_id,
            household_number=person.household.number if person.household_id and person.household else None,
            status=person.status,
        )
        for person in found
    ]
