import base64
import json
import subprocess
from typing import Any

import pytest

from jisheng.certificates import keys, services
from jisheng.certificates.pdf import certificate_pdf
from jisheng.certificates.signing import verify_offline
from tests.factories import SETUP


@pytest.fixture
def certificate(areas: dict[str, Any], make_user: Any) -> Any:
    clerk = make_user(areas["township_a"], "counter_clerk")
    return services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name="王小红",
        holder_id_number="411723199203154526",
        details={"配偶": "李强"},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )


def _tamper(payload: str) -> str:
    prefix, body, signature = payload.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["name"] = "张*三"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{prefix}.{forged}.{signature}"


def test_a_fresh_certificate_verifies_by_number_and_by_payload(certificate: Any) -> None:
    assert services.verify_number(certificate.number).valid
    result = services.verify_payload(certificate.payload)
    assert result.valid and result.masked_name == "王*红" and result.masked_id == "411723********4526"


def test_the_payload_verifies_offline_with_only_the_published_key(certificate: Any) -> None:
    claims = verify_offline(certificate.payload, keys.public_keys())
    assert claims.data["no"] == certificate.number


def test_a_tampered_payload_fails_with_a_clear_message(certificate: Any) -> None:
    result = services.verify_payload(_tamper(certificate.payload))
    assert not result.valid and "篡改" in result.message


def test_a_revoked_certificate_fails_and_says_when(certificate: Any, make_user: Any, areas: Any) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    head = make_user(areas["township_a"], "township_head")
    revocation = services.certificate_revoke_request(certificate=certificate, reason="骗取证件", by=clerk)
    services.certificate_revoke_decide(revocation=revocation, approve=True, note="", by=head)
    result = services.verify_payload(certificate.payload)
    # The public answer says it was revoked, never the office's internal reason.
    assert not result.valid and "撤销" in result.message and "骗取证件" not in result.message


def test_certificates_signed_before_a_key_rotation_still_verify(certificate: Any) -> None:
    services.signing_key_rotate(by=SETUP)
    assert keys.current_key()[0] != certificate.key_id
    assert services.verify_payload(certificate.payload).valid


def test_the_public_page_shows_validity_and_masked_identity_only(certificate: Any, client: Any) -> None:
    page = client.get(f"/verify/{certificate.number}?p={certificate.payload}").content.decode()
    assert "证书有效" in page and "王*红" in page
    assert "王小红" not in page and "411723199203154526" not in page
    tampered = client.get(f"/verify/{certificate.number}?p={_tamper(certificate.payload)}").content.decode()
    assert "篡改" in tampered


def test_the_verify_api_needs_no_login(certificate: Any, client: Any) -> None:
    response = client.post(
        "/api/v1/certificates/verify", {"payload": certificate.payload}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["valid"] is True


def test_the_pdf_is_chinese_and_its_qr_code_carries_the_signed_payload(
    certificate: Any, tmp_path: Any
) -> None:
    import zxingcpp
    from PIL import Image

    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificate_pdf(certificate))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "生育服务证" in text and certificate.number in text and "王小红" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    image = Image.open(next(tmp_path.glob("p*.png")))
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert decoded and decoded[0].endswith(f"/verify/{certificate.number}?p={certificate.payload}")
    assert services.verify_payload(decoded[0].split("?p=", 1)[1]).valid


def test_the_key_command_rotates_and_keeps_old_public_keys(certificate: Any, capsys: Any) -> None:
    from django.core.management import call_command

    old = certificate.key_id
    call_command("certificate-keys", "rotate")
    listing = capsys.readouterr().out
    assert old in listing and keys.current_key()[0] != old
    assert services.verify_payload(certificate.payload).valid


def test_the_published_keys_are_offered_as_json(certificate: Any, client: Any) -> None:
    data = client.get("/verify/keys?format=json").json()
    assert data["algorithm"] == "Ed25519" and certificate.key_id in data["keys"]
