"""A certificate's copy of the holder's ID number is sealed at rest with SM4 like the registry's: the raw
row holds no plaintext, and the pages that find rows by the number still find them."""

import datetime
import importlib
import json

from django.db import connection
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.certificates import services
from jisheng.certificates.models import Certificate
from jisheng.registry.codes import Sex
from tests.factories import make_person


def _raw_holder_id(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_id_number FROM certificates_certificate WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _issue(areas, clerk, holder):
    return services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name=holder.name,
        holder_id_number=holder.id_number,
        details={},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )


def test_neither_the_raw_certificate_nor_its_audit_event_holds_the_plain_id_number_and_the_page_finds_the_holder(
    areas, make_user, client_for
) -> None:
    holder = make_person(
        area=areas["village_a"], name="王小红", sex=Sex.FEMALE, birth=datetime.date(1992, 3, 15)
    )
    clerk = make_user(areas["township_a"], "counter_clerk")
    certificate = _issue(areas, clerk, holder)

    stored = _raw_holder_id(certificate.pk)
    assert stored.startswith("sm4siv:") and holder.id_number not in stored
    assert Certificate.objects.get(pk=certificate.pk).holder_id_number == holder.id_number
    assert Certificate.objects.get(holder_id_number=holder.id_number) == certificate
    trail = json.dumps(AuditEvent.objects.get(action="certificates.issue").after)
    assert holder.id_number not in trail and holder.id_number[-4:] in trail
    page = client_for(clerk).get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    # The holder is found in the registry by the opened number: the audited reveal on their record is offered.
    assert reverse("registry:person_reveal", args=[holder.pk]) in page
    assert holder.id_number not in page and holder.id_number[-4:] in page


def test_the_migration_seals_certificates_written_in_the_clear_and_reversed_opens_them(
    areas, make_user
) -> None:
    holder = make_person(
        area=areas["village_a"], name="李娜", sex=Sex.FEMALE, birth=datetime.date(1990, 1, 1)
    )
    certificate = _issue(areas, make_user(areas["township_a"], "counter_clerk"), holder)
    migration = importlib.import_module("jisheng.certificates.migrations.0003_seal_holder_id_numbers")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.open_rows(None, editor)
    assert _raw_holder_id(certificate.pk) == holder.id_number
    assert Certificate.objects.get(pk=certificate.pk).holder_id_number == holder.id_number  # plaintext reads
    migration.seal_rows(None, editor)
    assert _raw_holder_id(certificate.pk).startswith("sm4siv:")
    assert Certificate.objects.get(holder_id_number=holder.id_number) == certificate
