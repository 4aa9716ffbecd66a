"""The copies of ID numbers and phones other apps keep (hall cases, certificates, the SMS outbox,
petitioner files, staff phones) are sealed columns like the registry's: ``jisheng crypto-rotate`` re-seals
them under the new data key, ``--index`` recomputes the hall's ID tail index, and the look-ups that find
rows by those values find the same rows after each rotation."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from jisheng.accounts.models import User
from jisheng.certificates import services as certificates
from jisheng.certificates.models import Certificate
from jisheng.core.crypto import fields as sealed
from jisheng.hall import services as hall
from jisheng.hall.models import Application, ServiceItem
from jisheng.hall.queries import QueueFilter, work_queue
from jisheng.messaging import services as messaging
from jisheng.messaging.models import Message
from jisheng.petitions import services as petitions
from jisheng.petitions.models import PetitionerFile
from jisheng.registry.codes import Sex
from tests.factories import SETUP, make_person

PHONE = "13812345678"
COPIES = [
    ("hall_application", "applicant_id_number"),
    ("hall_application", "applicant_phone"),
    ("certificates_certificate", "holder_id_number"),
    ("messaging_message", "phone"),
    ("petitions_petitionerfile", "phone"),
    ("accounts_user", "phone"),
]


@pytest.fixture
def own_keys(settings, tmp_path):
    """A key store of this test's own, so rotating keys leaves the other tests' alone."""
    settings.KEYS_DIR = tmp_path / "keys"
    return settings.KEYS_DIR


@pytest.fixture
def copies(own_keys, areas, make_user):
    clerk = make_user(areas["township_a"], "counter_clerk", "township_head")
    clerk.phone = PHONE
    clerk.save(update_fields=["phone"])
    person = make_person(
        area=areas["village_a"], name="王小红", sex=Sex.FEMALE, birth=datetime.date(1992, 3, 15), phone=PHONE
    )
    hall.catalogue_load(by=SETUP)
    case = hall.application_submit(
        item=ServiceItem.objects.get(code="only-child-honour"),
        person=person,
        channel="counter",
        phone=PHONE,
        by=clerk,
    )
    certificate = certificates.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name=person.name,
        holder_id_number=person.id_number,
        details={},
        source_ref=case.number,
        by=clerk,
    )
    with transaction.atomic():
        message = messaging.message_enqueue(
            subject_type="hall.application",
            subject_id=case.number,
            area=areas["village_a"],
            phone=PHONE,
            text="【计生服务】",
            by=SETUP,
        )
    file = petitions.file_open(
        area=areas["township_a"], kind="person", name=person.name, phone=PHONE, by=clerk
    )
    return {
        "clerk": clerk,
        "person": person,
        "case": case,
        "certificate": certificate,
        "message": message,
        "file": file,
    }


def _raw_values() -> list[str]:
    values: list[str] = []
    with connection.cursor() as cursor:
        for table, column in COPIES:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608 (names above)
            values.extend(str(row[0]) for row in cursor.fetchall())
    return values


def _found(copies) -> bool:
    """Each copy found as the pages and services look for it: the whole value, and the case by the ID
    number's last four in the clerk's queue (the tail index)."""
    number = copies["person"].id_number
    by_tail = work_queue(copies["clerk"], how=QueueFilter(q=number[-4:]))
    return (
        Application.objects.get(applicant_id_number=number, applicant_phone=PHONE) == copies["case"]
        and [case.pk for case in by_tail] == [copies["case"].pk]
        and Certificate.objects.get(holder_id_number=number) == copies["certificate"]
        and Message.objects.get(phone=PHONE) == copies["message"]
        and PetitionerFile.objects.get(phone=PHONE) == copies["file"]
        and User.objects.get(phone=PHONE) == copies["clerk"]
    )


def test_the_data_key_rotation_reseals_every_copy_and_the_look_ups_still_find_them(copies) -> None:
    number = copies["person"].id_number
    before = _raw_values()
    assert len(before) == len(COPIES) and _found(copies)
    assert all(sealed.sealed_version(value) == "1" for value in before)
    assert not any(number in value or PHONE in value for value in before)

    call_command("crypto-rotate")

    after = _raw_values()
    assert len(after) == len(COPIES) and all(sealed.sealed_version(value) == "2" for value in after)
    assert not set(after) & set(before)
    assert _found(copies)


def test_the_index_key_rotation_recomputes_the_hall_id_tail_and_the_queue_still_finds_the_case(
    copies,
) -> None:
    def tail() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT applicant_id_tail FROM hall_application WHERE id = %s", [copies["case"].pk]
            )
            return str(cursor.fetchone()[0])

    before = tail()
    call_command("crypto-rotate", "--index")
    assert tail() != before and len(tail()) == 64
    assert _found(copies)
