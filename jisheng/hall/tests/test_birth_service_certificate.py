"""The 生育服务证 carries the spouse and which child of the couple it is for, read back from the PDF."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path
from typing import Any

from jisheng.certificates.pdf import certificate_pdf
from jisheng.hall import services
from tests.factories import A_RESIDENT

from .conftest import PHONE, make_person, upload


def test_the_birth_service_certificate_names_the_spouse_and_the_childs_order(
    catalogue: Any, resident: Any, staff: Any, areas: Any, tmp_path: Path
) -> None:
    from jisheng.registry.models import Birth, Marriage, Person

    husband = make_person(areas["village_a"], name="李强", id_number="411723199001011234")
    Person.objects.filter(pk=husband.pk).update(sex="1")
    Marriage.objects.create(
        husband=husband, wife=resident, date=datetime.date(2018, 5, 20), area=areas["village_a"]
    )
    Birth.objects.create(
        mother=resident,
        father=husband,
        date=datetime.date(2020, 3, 1),
        birth_order=1,
        sex="1",
        area=areas["village_a"],
    )
    application = services.application_submit(
        item=catalogue["birth-registration"],
        person=resident,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        uploads=[upload("registration-form")],
    )
    application = services.application_approve(application=application, by=staff["clerk"])
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificate_pdf(application.certificate))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "配偶姓名李强" in flat and "411723********1234" in flat
    assert "第二个子女（二孩）" in flat and "2018年5月20日" in flat
    assert "411723199001011234" not in flat
