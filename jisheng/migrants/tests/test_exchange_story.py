"""The floating population across two real deployments on loopback, each with its own database: a
woman leaves 平舆县 for 东莞市 with her 婚育证明; 东莞市 records her arrival, checks the certificate by its
QR code, sends a verification request; 平舆县 answers it within the working-day clock; 东莞市's
contraception notice reaches 平舆县's person file."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.smoke
pytest.importorskip("tests.exchange_instances")

SETUP_HENAN = """
import datetime
from django.utils import timezone
from jisheng.accounts.models import User
from jisheng.accounts.services import roles_for
from jisheng.areas.models import Area
from jisheng.registry.models import Person, ResidencePeriod
from jisheng.migrants import services
from jisheng.certificates.services import qr_text

village = Area.objects.get(code="411723101201")
officer = User.objects.create_user(username="cun", password="x", area=village)
officer.roles.set(roles_for(["village_officer"]))
clerk = User.objects.create_user(username="chuangkou", password="x", area=village.parent)
clerk.roles.set(roles_for(["counter_clerk"]))
woman = Person.objects.create(
    name="刘桂芝", id_number="41172319950505222X", sex="2", birth_date=datetime.date(1995, 5, 5),
    marital_status="21", residence_area=village, phone="13800138000",
)
ResidencePeriod.objects.create(person=woman, area_code=village.code, start_date=woman.birth_date)
certificate = services.marital_certificate_issue(person=woman, by=clerk)
departure = services.departure_record(
    person=woman, destination="441900003001 东城社区", left_on=timezone.localdate(), employer="东莞某电子厂",
    contact_phone="13800138001", contraception="700", agreement_signed=True, by=officer,
)
result = {"qr": qr_text(certificate.certificate), "number": certificate.number, "complete": departure.complete}
"""

ARRIVAL_GUANGDONG = """
from django.utils import timezone
from jisheng.accounts.models import User
from jisheng.accounts.services import roles_for
from jisheng.areas.models import Area
from jisheng.migrants import services
from jisheng.migrants.models import PeerCertificate

community = Area.objects.get(code="441900003001")
clerk = User.objects.create_user(username="dongcheng", password="x", area=community.parent)
clerk.roles.set(roles_for(["counter_clerk"]))
known = PeerCertificate.objects.filter(number=NUMBER).exists()
arrival = services.arrival_record(
    village=community, id_number="41172319950505222X", name="刘桂芝", origin="411723 平舆县",
    arrived_on=timezone.localdate(), pregnant=True, certificate_text=QR, by=clerk,
)
request = services.verification_send(
    area=community, peer_area_code="411723", id_number="41172319950505222X", name="刘桂芝",
    question="请核实其婚姻、生育及节育情况", pregnant=True, person=arrival.person, by=clerk,
)
services.arrival_contraception_record(arrival=arrival, method="700", start_date=timezone.localdate(), provider="东城社区卫生服务中心", by=clerk)
result = {
    "known": known, "valid": arrival.certificate_valid, "check": arrival.certificate_check,
    "reference": request.reference, "due_on": request.due_on.isoformat(), "priority": request.priority,
}
"""

ANSWER_HENAN = """
from jisheng.accounts.models import User
from jisheng.migrants import services
from jisheng.migrants.models import Departure, Notice, VerificationRequest
from jisheng.registry.models import Contraception, Person

woman = Person.objects.get(id_number="41172319950505222X")
request = VerificationRequest.objects.get(reference=REFERENCE, direction="in")
answered = services.verification_answer(
    verification=request, answer="已婚（初婚），现有子女0个，已落实宫内节育器", by=User.objects.get(username="chuangkou")
)
measure = Contraception.objects.filter(person=woman).order_by("-pk").first()
result = {
    "area": request.area_id, "due_on": request.due_on.isoformat(), "priority": request.priority,
    "on_time": answered.on_time,
    "contraception": measure.method if measure else None,
    "provider": measure.provider if measure else None,
    "confirmed": Departure.objects.get(person=woman).arrival_confirmed_on is not None,
    "notices": sorted(Notice.objects.filter(direction="in").values_list("kind", flat=True)),
}
"""

CLOSED_GUANGDONG = """
from jisheng.migrants.models import VerificationRequest
request = VerificationRequest.objects.get(reference=REFERENCE, direction="out")
result = {"status": request.status, "answer": request.answer, "on_time": request.on_time}
"""


def test_a_woman_leaves_pingyu_for_dongguan_and_both_sides_keep_the_rules(exchange_pair: Any) -> None:
    henan, guangdong = exchange_pair
    left = henan.shell_json(SETUP_HENAN)
    assert left["complete"] is True
    henan.command("exchange-send", "--now")

    arrived = guangdong.shell_json(f"NUMBER = {left['number']!r}\nQR = {left['qr']!r}\n" + ARRIVAL_GUANGDONG)
    assert arrived["known"] is True, "the departure notice taught 东莞市 the certificate"
    assert arrived["valid"] is True, arrived["check"]
    assert arrived["priority"] == "urgent"
    guangdong.command("exchange-send", "--now")

    answered = henan.shell_json(f"REFERENCE = {arrived['reference']!r}\n" + ANSWER_HENAN)
    assert answered["area"] == "411723101201", (
        "the request lands in the woman's home village's township queue"
    )
    assert answered["due_on"] == arrived["due_on"] and answered["priority"] == "urgent"
    assert answered["on_time"] is True
    assert answered["contraception"] == "700" and "流入地通报" in answered["provider"]
    assert answered["confirmed"] is True, "the arrival notice confirmed the departure"
    assert answered["notices"] == ["arrival", "contraception"]
    henan.command("exchange-send", "--now")

    closed = guangdong.shell_json(f"REFERENCE = {arrived['reference']!r}\n" + CLOSED_GUANGDONG)
    assert closed["status"] == "answered" and closed["on_time"] is True
    assert "宫内节育器" in closed["answer"]
