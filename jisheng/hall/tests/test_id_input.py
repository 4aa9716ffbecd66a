"""ID numbers typed at the counter, on the portal and through the API are cleaned as everywhere else
(core.text): full-width digits, a lower-case x and spaces are accepted; a refusal keeps what was typed."""

from __future__ import annotations

from typing import Any

from jisheng.hall.models import Application

from .conftest import PHONE

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def full_width(number: str) -> str:
    return f"{number[:6]} {number[6:]}".translate(FULL_WIDTH)


def test_the_counter_form_accepts_a_full_width_id_number(
    catalogue: Any, resident: Any, staff: Any, client_for: Any
) -> None:
    response = client_for(staff["clerk"]).post(
        "/hall/new/birth-registration/",
        {"id_number": full_width(resident.id_number), "phone": PHONE, "channel": "counter"},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Application.objects.get().applicant_id_number == resident.id_number


def test_an_unknown_id_at_the_counter_keeps_what_the_clerk_typed(
    catalogue: Any, resident: Any, staff: Any, client_for: Any
) -> None:
    typed = full_width("41172319920315452X")
    page = client_for(staff["clerk"]).post(
        "/hall/new/birth-registration/", {"id_number": typed, "phone": "13912345678", "channel": "counter"}
    )
    content = page.content.decode()
    assert page.status_code == 200 and not Application.objects.exists()
    assert typed in content and "13912345678" in content


def test_the_portal_accepts_a_full_width_id_number(client: Any, catalogue: Any, resident: Any) -> None:
    response = client.post(
        "/portal/items/birth-registration/apply",
        {"name": resident.name, "id_number": full_width(resident.id_number), "phone": PHONE},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Application.objects.get().channel == "online"


def test_the_api_accepts_a_lower_case_x_and_spaces(
    catalogue: Any, areas: Any, staff: Any, client_for: Any
) -> None:
    from .conftest import make_person

    person = make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X")
    response = client_for(staff["clerk"]).post(
        "/api/v1/hall/applications",
        {"item": "birth-registration", "id_number": " 411723 19900101 002x ", "phone": PHONE},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Application.objects.get().applicant_id_number == person.id_number
