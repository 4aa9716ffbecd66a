"""GET /api/v1/persons?q=TEXT: the search of the registry page, scoped to the caller."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import NinjaJSONEncoder

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.core.masking import mask_id
from jisheng.core.text import normalize_code

from .queries import SearchCriteria, person_search_queryset

PREFIX = "/"
router = Router(tags=["registry"])

# What a row of the answer shows, read as values: no person, village or household instances are built,
# and of the sealed columns only the ID number is opened (to be shown masked), never the phone.
_COLUMNS = (
    "pk",
    "name",
    "name_pinyin",
    "id_number",
    "sex",
    "birth_date",
    "residence_area_id",
    "household__number",
    "status",
)


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
) -> HttpResponse | list[PersonOut]:
    user = request.user
    if not permissions.holds(user, Capability.READ_REGISTRY):
        return []
    area = normalize_code(area)  # full-width digits are digits to str.isdigit, not to the area codes
    criteria = SearchCriteria(
        q=q[:64], area_code=area[:12] if area.isascii() and area.isdigit() else "", status=status[:12]
    )
    if criteria.is_empty:
        return []
    limit = max(1, min(limit, 200))
    # As registry.queries.person_search: the first ``limit`` matches, then sorted by name for display.
    found = list(person_search_queryset(user, criteria).values_list(*_COLUMNS)[:limit])
    found.sort(key=lambda row: (row[2], row[1], row[0]))
    rows: list[dict[str, Any]] = [
        {
            "id": pk,
            "name": name,
            "id_number_masked": mask_id(id_number),
            "sex": sex,
            "birth_date": birth_date,
            "village_code": village,
            "household_number": household,
            "status": person_status,
        }
        for pk, name, _pinyin, id_number, sex, birth_date, village, household, person_status in found
    ]
    # Written as the API's renderer writes it (the schema above documents it): the rows are built from
    # typed columns here, so validating each again through the schema would only repeat the work.
    return HttpResponse(
        json.dumps(rows, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )
