"""People arrived (流入): the registry's move in, the 30-day certificate clock and its check by QR or
number, the three-month notice, contraception notified home, and notices received from elsewhere."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jisheng.certificates.services import qr_text
from jisheng.core.actor import System
from jisheng.migrants import services
from jisheng.migrants.models import Arrival, Notice, PeerCertificate
from jisheng.registry.models import Contraception, Person
from tests.factories import make_id

pytestmark = pytest.mark.django_db
INBOX = System(job="exchange inbox")


def test_an_arrival_registers_the_newcomer_in_the_village_and_starts_the_thirty_day_clock(
    staff: dict[str, Any], areas: dict[str, Any]
) -> None:
    arrived_on = timezone.localdate() - datetime.timedelta(days=40)
    arrival = services.arrival_record(
        village=areas["village_a"],
        id_number=make_id(datetime.date(1994, 3, 3), "2"),
        name="陈玉兰",
        origin="441900 东莞市",
        arrived_on=arrived_on,
        by=staff["officer"],
    )
    person = Person.objects.get(pk=arrival.person_id)
    assert person.residence_area == areas["village_a"]
    assert arrival.certificate_due_on == arrived_on + datetime.timedelta(days=30)
    given = services.arrival_notice_give(arrival=arrival, on=timezone.localdate(), by=staff["officer"])
    assert (
        given.notice_deadline is not None
        and given.notice_deadline > timezone.localdate() + datetime.timedelta(days=85)
    )


def test_a_certificate_issued_here_is_checked_by_its_qr_code_at_arrival(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    certificate = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    issued = certificate.certificate
    arrival = services.arrival_record(
        village=areas["village_b"],
        id_number=woman.id_number,
        arrived_on=timezone.localdate(),
        certificate_text=qr_text(issued),
        by=staff["county"],
    )
    assert arrival.certificate_valid is True
    assert arrival.certificate_number == certificate.number
    assert services.certificate_check(_with_signature_changed(qr_text(issued))).valid is False


def _with_signature_changed(text: str) -> str:
    """Change one character inside the signature, to another: the decoded bytes always differ.

    (Replacing the last characters with fixed ones was not a tampering when the
    signature already ended with them, or with characters whose bits are padding.)
    """
    middle = len(text) - 20
    changed = "B" if text[middle] == "A" else "A"
    return text[:middle] + changed + text[middle + 1 :]


def test_a_peer_certificate_is_checked_against_its_issuers_signed_notice(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    """The issuer's notice carries the payload and its key; the QR code is checked offline with it."""
    certificate = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    body = {"certificate": services._certificate_for_peer(certificate)}
    payload = certificate.certificate.payload
    number = certificate.number
    # Forget it was issued here: it now stands for another deployment's certificate.
    from jisheng.migrants.models import MaritalCertificate

    MaritalCertificate.objects.filter(pk=certificate.pk).update(number="ELSEWHERE")
    from jisheng.certificates.models import Certificate

    Certificate.objects.filter(pk=certificate.certificate_id).update(number="ELSEWHERE", payload="x")
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
    assert PeerCertificate.objects.get().number == number
    assert services.certificate_check(f"https://example/verify/{number}?p={payload}").valid is True
    assert (
        services.certificate_check(number, id_number=make_id(datetime.date(1980, 1, 1), "2")).valid is False
    )


def test_contraception_recorded_at_arrival_goes_to_the_registry_and_a_notice_home(
    staff: dict[str, Any], areas: dict[str, Any]
) -> None:
    arrival = services.arrival_record(
        village=areas["village_a"],
        id_number=make_id(datetime.date(1993, 3, 3), "2"),
        name="周小燕",
        origin="441900",
        arrived_on=timezone.localdate(),
        by=staff["officer"],
    )
    services.arrival_contraception_record(
        arrival=arrival, method="700", start_date=timezone.localdate(), by=staff["officer"]
    )
    assert Contraception.objects.filter(person_id=arrival.person_id, method="700").exists()
    sent = Notice.objects.filter(kind="contraception", direction="out").get()
    assert sent.peer_area_code == "441900" and sent.body["method"] == "700"


def test_a_contraception_notice_from_elsewhere_reaches_the_home_person_file(woman: Any) -> None:
    notice = services.notice_receive(
        kind="contraception",
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        on=timezone.localdate(),
        body={"method": "700", "start_date": timezone.localdate().isoformat(), "provider": "东莞市某服务站"},
        message_id="m2",
        by=INBOX,
    )
    assert notice.person == woman
    measure = Contraception.objects.get(person=woman)
    assert measure.method == "700" and "流入地通报" in measure.provider
    with pytest.raises(ValueError):
        services.notice_receive(
            kind="nonsense",
            peer_area_code="441900",
            id_number=woman.id_number,
            name=woman.name,
            on=timezone.localdate(),
            body={},
            message_id="m3",
            by=INBOX,
        )


def test_an_arrival_with_a_bad_id_number_is_refused_and_nothing_is_written(
    staff: dict[str, Any], areas: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        services.arrival_record(
            village=areas["village_a"],
            id_number="411723199001011230",
            name="某",
            arrived_on=timezone.localdate(),
            by=staff["officer"],
        )
    assert not Arrival.objects.exists()


def test_an_arrival_whose_name_does_not_match_the_registry_is_refused_naming_the_field(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any], client_for: Any
) -> None:
    with pytest.raises(ValidationError, match="姓名"):
        services.arrival_record(
            village=areas["village_a2"],
            id_number=woman.id_number,
            name="别人",
            arrived_on=timezone.localdate(),
            by=staff["clerk"],
        )
    assert not Arrival.objects.exists()
    answer = client_for(staff["clerk"]).post(
        "/api/v1/migrants/arrived",
        {
            "village": areas["village_a2"].code,
            "id_number": woman.id_number,
            "name": "别人",
            "arrived_on": timezone.localdate().isoformat(),
        },
        content_type="application/json",
    )
    assert answer.status_code == 400 and "姓名" in answer.json()["detail"]
