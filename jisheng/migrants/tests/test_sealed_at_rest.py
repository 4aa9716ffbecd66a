"""Phones of persons away and the ID numbers migrants keep (certificates of other deployments,
verification requests, notices) are sealed at rest with SM4: the raw rows hold no plaintext after a
normal write (nor do notices' stored bodies, certificates' stored facts and the audit trail), the
look-ups that need the values (a certificate by its holder, the incomplete 四个一) still find them,
prefix searches are refused, the migrations seal rows written in the clear (and open them when
reversed) and rotating the data key re-seals them."""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import System
from jisheng.core.crypto import fields as sealed
from jisheng.migrants import queries, services
from jisheng.migrants.models import (
    Departure,
    MaritalCertificate,
    Notice,
    PeerCertificate,
    VerificationRequest,
)
from tests.factories import make_id

pytestmark = pytest.mark.django_db
INBOX = System(job="exchange inbox")
PHONE, HOME_PHONE = "13912345678", "13800138001"


def raw(table: str, pk: int, *columns: str) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


@pytest.fixture
def own_keys(settings: Any, tmp_path: Any) -> Any:
    """A key store of this test's own, so rotating the data key leaves the other tests' alone."""
    settings.KEYS_DIR = tmp_path / "keys"
    return settings.KEYS_DIR


@pytest.fixture
def departure(staff: dict[str, Any], woman: Any) -> Departure:
    return services.departure_record(
        person=woman,
        destination="441900 东莞市",
        left_on=timezone.localdate() - datetime.timedelta(days=3),
        phone=PHONE,
        contact_phone=HOME_PHONE,
        by=staff["officer"],
    )


@pytest.fixture
def request_sent(staff: dict[str, Any], woman: Any, areas: dict[str, Any]) -> VerificationRequest:
    return services.verification_send(
        area=areas["township_a"],
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="婚姻状况",
        by=staff["clerk"],
    )


@pytest.fixture
def peer_certificate(staff: dict[str, Any], woman: Any) -> PeerCertificate:
    """A certificate another deployment told us of in its departure notice."""
    certificate = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    body = {"certificate": {**services._certificate_for_peer(certificate), "number": "ELSEWHERE-1"}}
    services.notice_receive(
        kind="departure",
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        on=timezone.localdate(),
        body=body,
        message_id="m1",
        by=INBOX,
    )
    return PeerCertificate.objects.get(number="ELSEWHERE-1")


def test_a_departures_phones_are_sealed_and_the_page_and_the_checklist_still_read_them(
    departure: Departure, staff: dict[str, Any], client_for: Any
) -> None:
    phone, contact = raw("migrants_departure", departure.pk, "phone", "contact_phone")
    assert phone.startswith("sm4siv:") and PHONE not in phone
    assert contact.startswith("sm4siv:") and HOME_PHONE not in contact
    fresh = Departure.objects.get(pk=departure.pk)
    assert (fresh.phone, fresh.contact_phone) == (PHONE, HOME_PHONE)
    assert not Departure.objects.filter(pk=departure.pk).filter(contact_phone="").exists()
    assert Departure.objects.get(contact_phone=HOME_PHONE) == departure
    page = client_for(staff["officer"]).get(f"/migrants/away/{departure.pk}/").content.decode()
    assert HOME_PHONE in page


def test_a_departure_without_a_home_phone_is_still_counted_incomplete(
    staff: dict[str, Any], woman: Any
) -> None:
    departure = services.departure_record(
        person=woman, destination="441900", left_on=timezone.localdate(), by=staff["officer"]
    )
    assert raw("migrants_departure", departure.pk, "contact_phone") == ("",)
    assert list(Departure.objects.filter(queries.INCOMPLETE)) == [departure]


def test_a_verification_requests_id_number_is_sealed_and_read_back(
    request_sent: VerificationRequest, woman: Any
) -> None:
    (stored,) = raw("migrants_verificationrequest", request_sent.pk, "person_id_number")
    assert stored.startswith("sm4siv:") and woman.id_number not in stored
    assert VerificationRequest.objects.get(pk=request_sent.pk).person_id_number == woman.id_number
    with pytest.raises(FieldError):
        VerificationRequest.objects.filter(person_id_number__startswith=woman.id_number[:6]).count()


def test_a_peer_certificate_is_sealed_found_by_its_holder_and_checked_against_the_holder(
    peer_certificate: PeerCertificate, woman: Any
) -> None:
    (holder,) = raw("migrants_peercertificate", peer_certificate.pk, "holder_id_number")
    assert holder.startswith("sm4siv:") and woman.id_number not in holder
    assert list(PeerCertificate.objects.filter(holder_id_number=woman.id_number)) == [peer_certificate]
    assert services.certificate_check("ELSEWHERE-1", id_number=woman.id_number).valid is True
    notice = Notice.objects.get(message_id="m1")
    (number,) = raw("migrants_notice", notice.pk, "person_id_number")
    assert number.startswith("sm4siv:") and woman.id_number not in number
    assert Notice.objects.get(person_id_number=woman.id_number) == notice


def test_the_migration_seals_rows_written_in_the_clear_and_opens_them_when_reversed(
    departure: Departure, request_sent: VerificationRequest, woman: Any
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE migrants_departure SET phone = %s, contact_phone = %s WHERE id = %s",
            [PHONE, HOME_PHONE, departure.pk],
        )
        cursor.execute(
            "UPDATE migrants_verificationrequest SET person_id_number = %s WHERE id = %s",
            [woman.id_number, request_sent.pk],
        )
    assert Departure.objects.get(pk=departure.pk).phone == PHONE  # plaintext still reads
    migration = importlib.import_module("jisheng.migrants.migrations.0006_seal_id_numbers_and_phones")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.seal_rows(None, editor)
    phone, contact = raw("migrants_departure", departure.pk, "phone", "contact_phone")
    assert phone.startswith("sm4siv:") and contact.startswith("sm4siv:")
    assert VerificationRequest.objects.get(person_id_number=woman.id_number) == request_sent
    migration.open_rows(None, editor)
    assert raw("migrants_departure", departure.pk, "phone", "contact_phone") == (PHONE, HOME_PHONE)
    assert raw("migrants_verificationrequest", request_sent.pk, "person_id_number") == (woman.id_number,)


def test_rotating_the_data_key_reseals_the_migrants_columns(
    own_keys: Any, departure: Departure, request_sent: VerificationRequest, woman: Any
) -> None:
    (before,) = raw("migrants_departure", departure.pk, "contact_phone")
    assert sealed.sealed_version(before) == "1"
    call_command("crypto-rotate")
    (after,) = raw("migrants_departure", departure.pk, "contact_phone")
    (number,) = raw("migrants_verificationrequest", request_sent.pk, "person_id_number")
    assert sealed.sealed_version(after) == sealed.sealed_version(number) == "2"
    assert Departure.objects.get(contact_phone=HOME_PHONE) == departure
    assert VerificationRequest.objects.get(person_id_number=woman.id_number) == request_sent
    event = AuditEvent.objects.get(action="crypto.field_key_rotate")
    assert event.after["rows"]["migrants_departure"] >= 1


def test_a_notice_keeps_the_id_numbers_sealed_not_in_its_stored_body(
    staff: dict[str, Any], areas: dict[str, Any]
) -> None:
    arrival = services.arrival_record(
        village=areas["village_a"],
        id_number=make_id(datetime.date(1994, 3, 3), "2"),
        name="陈玉兰",
        origin="441900 东莞市",
        arrived_on=timezone.localdate() - datetime.timedelta(days=100),
        by=staff["officer"],
    )
    child = make_id(timezone.localdate() - datetime.timedelta(days=2), "2")
    notice = services.arrival_birth_notify(
        arrival=arrival,
        born_on=timezone.localdate() - datetime.timedelta(days=2),
        sex="2",
        child_name="李小红",
        child_id_number=child,
        by=staff["officer"],
    )
    body, stored_child = raw("migrants_notice", notice.pk, "body", "child_id_number")
    assert body.startswith("sm4gcm:") and child not in body and "child_name" not in body
    kept = Notice.objects.get(pk=notice.pk).body
    assert arrival.person.id_number not in str(kept) and child not in str(kept) and "child_name" in kept
    assert stored_child.startswith("sm4gcm:") and child not in stored_child
    assert Notice.objects.get(pk=notice.pk).child_id_number == child


def test_a_certificates_stored_facts_and_the_audit_trail_hold_no_plain_number(
    departure: Departure, request_sent: VerificationRequest, staff: dict[str, Any], woman: Any
) -> None:
    certificate = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    (facts,) = raw("migrants_maritalcertificate", certificate.pk, "fields")
    assert woman.id_number not in str(facts) and woman.id_number[-4:] in str(facts)
    assert not services.certificate_needs_reissue(MaritalCertificate.objects.get(pk=certificate.pk))
    for action in ("migrants.departure_record", "migrants.verification_send", "migrants.certificate_issue"):
        event = AuditEvent.objects.get(action=action)
        trail = f"{event.before} {event.after}"
        assert PHONE not in trail and HOME_PHONE not in trail and woman.id_number not in trail, action


def test_the_second_migration_takes_the_numbers_out_of_stored_bodies_and_facts_and_back(
    peer_certificate: PeerCertificate, staff: dict[str, Any], woman: Any
) -> None:
    notice = Notice.objects.get(message_id="m1")
    certificate = MaritalCertificate.objects.get(person=woman)
    Notice.objects.filter(pk=notice.pk).update(body={**notice.body, "id_number": woman.id_number})
    MaritalCertificate.objects.filter(pk=certificate.pk).update(
        fields={**certificate.fields, "公民身份号码": woman.id_number}
    )
    migration = importlib.import_module(
        "jisheng.migrants.migrations.0007_notice_bodies_and_certificate_facts_without_plain_ids"
    )
    from django.apps import apps

    migration.forwards(apps, None)
    assert "id_number" not in Notice.objects.get(pk=notice.pk).body
    assert woman.id_number not in str(raw("migrants_maritalcertificate", certificate.pk, "fields"))
    migration.backwards(apps, None)
    assert Notice.objects.get(pk=notice.pk).body["id_number"] == woman.id_number
    assert MaritalCertificate.objects.get(pk=certificate.pk).fields["公民身份号码"] == woman.id_number


def test_a_notices_body_and_a_peer_certificates_facts_and_qr_claims_are_sealed_and_read_back(
    peer_certificate: PeerCertificate, woman: Any
) -> None:
    notice = Notice.objects.get(message_id="m1")
    (body,) = raw("migrants_notice", notice.pk, "body")
    assert body.startswith("sm4gcm:") and "certificate" not in body and woman.name not in body
    assert notice.body["certificate"]["number"] == "ELSEWHERE-1"
    facts, payload = raw("migrants_peercertificate", peer_certificate.pk, "fields", "payload")
    assert facts.startswith("sm4gcm:") and woman.name not in facts and woman.id_number[-4:] not in facts
    assert payload.startswith("sm4gcm:")
    assert PeerCertificate.objects.get(pk=peer_certificate.pk).payload.startswith("JS1.")
    assert peer_certificate.fields == notice.body["certificate"]["fields"]


def test_the_body_migration_seals_rows_written_in_the_clear_and_opens_them_when_reversed(
    peer_certificate: PeerCertificate,
) -> None:
    import json

    notice = Notice.objects.get(message_id="m1")
    clear = json.dumps(notice.body, ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE migrants_notice SET body = %s WHERE id = %s", [clear, notice.pk])
    assert Notice.objects.get(pk=notice.pk).body == notice.body  # plaintext still reads
    migration = importlib.import_module(
        "jisheng.migrants.migrations.0008_seal_notice_bodies_and_peer_certificates"
    )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.seal_rows(None, editor)
    assert raw("migrants_notice", notice.pk, "body")[0].startswith("sm4gcm:")
    assert Notice.objects.get(pk=notice.pk).body == notice.body
    migration.open_rows(None, editor)
    assert json.loads(raw("migrants_notice", notice.pk, "body")[0]) == notice.body
    (facts,) = raw("migrants_peercertificate", peer_certificate.pk, "fields")
    assert json.loads(facts) == peer_certificate.fields
