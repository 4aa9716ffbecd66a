"""Certificates read as certificates: the full public address under the QR code, no raw payload, numbers
that cannot be enumerated, and a public page that normalises what is typed and discloses the least."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from jisheng.certificates import services
from jisheng.certificates.pdf import certificate_pdf

PUBLIC = "https://jisheng.pingyu.example.cn"


def _issue(areas: dict[str, Any], clerk: Any, name: str = "王小红") -> Any:
    return services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name=name,
        holder_id_number="411723199203154526",
        details={},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )


@pytest.fixture
def clerk(areas: dict[str, Any], make_user: Any) -> Any:
    return make_user(areas["township_a"], "counter_clerk")


@pytest.fixture
def certificate(areas: dict[str, Any], clerk: Any) -> Any:
    return _issue(areas, clerk)


@override_settings(PUBLIC_BASE_URL=PUBLIC)
def test_the_pdf_names_the_full_public_address_and_not_the_payload(certificate: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificate_pdf(certificate))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert f"{PUBLIC}/verify/{certificate.number}" in flat
    signature = certificate.payload.split(".")[2]
    assert "JS1." not in flat and signature[:20] not in flat


def test_numbers_carry_a_random_part_so_the_next_cannot_be_guessed(areas: Any, clerk: Any) -> None:
    first, second = _issue(areas, clerk), _issue(areas, clerk, "李芳")
    pattern = r"ZS-411723101-\d{4}-(\d{5})-([2-9A-HJ-NP-Z]{6})"
    one, two = re.fullmatch(pattern, first.number), re.fullmatch(pattern, second.number)
    assert one and two and int(two.group(1)) == int(one.group(1)) + 1
    assert one.group(2) != two.group(2)
    guessed = first.number.rsplit("-", 1)[0].replace(one.group(1), two.group(1))
    assert not services.verify_number(guessed).valid


def test_a_number_typed_in_lower_case_or_full_width_verifies(certificate: Any, client: Any) -> None:
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in certificate.number)
    for typed in (certificate.number.lower(), full_width, f"  {certificate.number} "):
        page = client.get("/verify/", {"q": typed}).content.decode()
        assert "证书有效" in page and "王*红" in page, typed
    assert "证书有效" in client.get(f"/verify/{certificate.number.lower()}").content.decode()


def test_a_payload_of_another_certificate_shows_nothing_of_either_holder(
    certificate: Any, areas: Any, clerk: Any, client: Any
) -> None:
    other = _issue(areas, clerk, "赵丽娟")
    page = client.get(f"/verify/{certificate.number}?p={other.payload}").content.decode()
    assert "不符" in page
    for shown in ("王*红", "赵*娟", "411723********4526", other.number):
        assert shown not in page


def test_the_public_page_of_a_revoked_certificate_keeps_the_internal_reason(
    certificate: Any, client: Any
) -> None:
    type(certificate).objects.filter(pk=certificate.pk).update(
        revoked_at=timezone.now(), revoked_reason="骗取证件，经举报核实"
    )
    page = client.get(f"/verify/{certificate.number}?p={certificate.payload}").content.decode()
    assert "撤销" in page and "不再有效" in page
    assert "骗取证件" not in page and "举报" not in page
