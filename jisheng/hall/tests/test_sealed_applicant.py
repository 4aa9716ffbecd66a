"""A case's copies of the applicant's ID number and phone are sealed at rest with SM4: the raw row holds
no plaintext, the portal still follows a case by number and phone, and the clerk's queue still finds a
case by the whole ID number, its last four characters or a longer run from its end."""

from __future__ import annotations

import importlib
import json

from django.db import connection
from django.test import Client

from jisheng.audit.models import AuditEvent
from jisheng.hall.models import Application

from .conftest import PHONE, make_person
from .test_queue import _submit


def _raw(pk: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_id_number, applicant_phone, applicant_id_tail FROM hall_application WHERE id = %s",
            [pk],
        )
        return tuple(str(value) for value in cursor.fetchone())  # type: ignore[return-value]


def test_neither_the_raw_case_nor_its_audit_event_holds_the_plain_id_number_or_phone_and_the_portal_follows_it(
    catalogue, areas, staff
) -> None:
    person = make_person(areas["village_a"])
    application = _submit(catalogue, person, staff["clerk"])
    id_number, phone, tail = _raw(application.pk)
    assert id_number.startswith("sm4siv:") and person.id_number not in id_number
    assert phone.startswith("sm4siv:") and PHONE not in phone
    assert len(tail) == 64 and person.id_number[-4:] not in tail
    fresh = Application.objects.get(pk=application.pk)
    assert (fresh.applicant_id_number, fresh.applicant_phone) == (person.id_number, PHONE)
    resident = Client()
    resident.post("/portal/track/", {"number": application.number, "phone": PHONE})
    assert resident.get(f"/portal/track/{application.number}/").status_code == 200
    trail = json.dumps(AuditEvent.objects.get(action="hall.submit").after)
    assert person.id_number not in trail and PHONE not in trail and person.id_number[-4:] in trail


def test_the_queue_finds_a_sealed_id_number_whole_by_its_last_four_or_by_a_run_from_its_end(
    catalogue, areas, staff, client_for
) -> None:
    wang = _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    li = _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk"],
    )
    clerk = client_for(staff["clerk"])

    def numbers(query: str) -> set[str]:
        response = clerk.get("/hall/", {"q": query})
        assert response.status_code == 200
        page = response.content.decode()
        return {a.number for a in (wang, li) if a.number in page}

    assert numbers("41172319900101002x") == {li.number}
    assert numbers("411723199203154526") == {wang.number}
    assert numbers("002X") == {li.number}
    assert numbers("0101002x") == {li.number}
    assert numbers("03154526") == {wang.number}
    assert numbers("19900101") == set()  # a run from the middle of a sealed number is not searched


def test_the_migration_seals_cases_written_in_the_clear_with_their_tail_and_reversed_opens_them(
    catalogue, areas, staff
) -> None:
    person = make_person(areas["village_a"])
    application = _submit(catalogue, person, staff["clerk"])
    tail = _raw(application.pk)[2]
    migration = importlib.import_module("jisheng.hall.migrations.0008_seal_applicant_id_numbers_and_phones")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.open_rows(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE hall_application SET applicant_id_tail = '' WHERE id = %s", [application.pk])
    assert _raw(application.pk) == (person.id_number, PHONE, "")
    assert Application.objects.get(pk=application.pk).applicant_id_number == person.id_number
    migration.seal_rows(None, editor)
    id_number, phone, new_tail = _raw(application.pk)
    assert id_number.startswith("sm4siv:") and phone.startswith("sm4siv:") and new_tail == tail
    assert Application.objects.get(applicant_id_number=person.id_number, applicant_phone=PHONE) == application
