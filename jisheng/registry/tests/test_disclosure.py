"""Exports and downloads of personal data are logged acts, like revealing one ID number."""

import datetime
import io

from openpyxl import load_workbook

from jisheng.audit.models import AuditEvent
from jisheng.registry.codes import Sex
from tests.factories import make_person


def _people(areas):
    return [
        make_person(area=areas["village_a"], name="张三", sex=Sex.MALE, birth=datetime.date(1985, 3, 2)),
        make_person(area=areas["village_a"], name="张三丰", sex=Sex.MALE, birth=datetime.date(1970, 1, 1)),
    ]


def test_the_export_page_asks_why_and_hands_over_nothing_before(areas, make_user, client_for):
    _people(areas)
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    before = AuditEvent.objects.count()
    page = client.get("/registry/export/", {"q": "张三"})
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "2" in page.content.decode()
    refused = client.post("/registry/export/", {"q": "张三", "reason": " "})
    assert refused.status_code == 400
    assert "原因" in refused.content.decode() or "为什么" in refused.content.decode()
    assert AuditEvent.objects.count() == before


def test_an_export_leaves_an_event_naming_who_why_what_and_how_many(areas, make_user, client_for):
    _people(areas)
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = client_for(clerk)
    response = client.post("/registry/export/", {"q": "张三", "reason": "年度核查"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    event = AuditEvent.objects.filter(action="disclosure.registry_export").get()
    assert event.actor_username == clerk.username
    assert event.reason == "年度核查"
    assert event.after["count"] == 2
    assert "id_number" in event.after["fields"] and "phone" in event.after["fields"]
    assert event.after["filters"] == {"q": "张三"}


def test_a_name_typed_as_a_formula_is_exported_as_text(areas, make_user, client_for):
    make_person(
        area=areas["village_a"],
        name='=HYPERLINK("http://e.x","点")',
        sex=Sex.FEMALE,
        birth=datetime.date(1990, 5, 1),
    )
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    response = client.post("/registry/export/", {"q": "", "area": areas["village_a"].code, "reason": "核查"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if str(cell.value).startswith("=")]
    assert cells, "the formula-like name is in the file"
    assert all(cell.data_type == "s" for cell in cells)
