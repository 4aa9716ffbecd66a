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

from .queries import SearchCriteria, person_search_values

PREFIX = "/"
router = Router(tags=["registry"])

# What a row of the answer shows besides its key and name, read as values: no person, village or
# household instances are built, and of the sealed columns only the ID number is opened (to be shown
# masked), never the phone.
_COLUMNS = ("id_number", "sex", "birth_date", "residence_area_id", "household__number", "status")


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
    found = person_search_values(user, criteria, _COLUMNS, limit=max(1, min(limit, 200)))
    rows: list[dict[str, Any]] = [
        {
            "id": row["pk"],
            "name": row["name"],
            "id_number_masked": mask_id(row["id_number"]),
            "sex": row["sex"],
            "birth_date": row["birth_date"],
            "village_code": row["residence_area_id"],
            "household_number": row["household__number"],
            "status": row["status"],
        }
        for row in found
    ]
    # Written as the API's renderer writes it (the schema above documents it): the rows are built from
    # typed columns here, so validating each again through the schema would only repeat the work.
    return HttpResponse(
        json.dumps(rows, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )
