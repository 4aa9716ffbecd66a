"""Certificates signed with SM2 (JISHENG_CERTIFICATE_ALGORITHM=sm2): issued, verified by QR and offline
with the published key, refused when tampered; switching algorithms keeps older certificates valid."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client, override_settings

from jisheng.certificates import keys, services
from jisheng.certificates.signing import verify_offline
from jisheng.core.crypto.primitives import sm2_verify


def _issue(areas: dict[str, Any], clerk: Any, name: str = "王小红") -> Any:
    return services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name=name,
        holder_id_number="411723199203154526",
        details={"配偶": "李强"},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )


def _claims_and_signature(payload: str) -> tuple[str, dict[str, Any], bytes]:
    _prefix, body, signature = payload.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return body, claims, base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))


@pytest.fixture(autouse=True)
def own_keys(settings: Any, tmp_path: Any) -> None:
    """Each test starts with no certificate key, so the keys it sees are the ones it made."""
    settings.KEYS_DIR = tmp_path


@pytest.fixture
def clerk(areas: dict[str, Any], make_user: Any) -> Any:
    return make_user(areas["township_a"], "counter_clerk")


@override_settings(CERTIFICATE_ALGORITHM="sm2")
def test_an_sm2_certificate_verifies_by_qr_and_offline_with_the_published_sm2_key(
    areas: Any, clerk: Any
) -> None:
    certificate = _issue(areas, clerk)

    body, claims, signature = _claims_and_signature(certificate.payload)
    published = keys.public_keys()[claims["kid"]]
    assert published.startswith("sm2:") and len(signature) == 64
    # The signature is plain GB/T 32918 SM2 over the claims part: any SM2 verifier can check it.
    assert sm2_verify(base64.b64decode(published[4:]), body.encode(), signature)
    assert services.verify_payload(certificate.payload).valid
    assert verify_offline(certificate.payload, keys.public_keys()).data["no"] == certificate.number


@override_settings(CERTIFICATE_ALGORITHM="sm2")
def test_a_tampered_sm2_payload_is_refused_as_tampered(areas: Any, clerk: Any) -> None:
    certificate = _issue(areas, clerk)
    prefix, body, signature = certificate.payload.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["name"] = "张*三"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    result = services.verify_payload(f"{prefix}.{forged}.{signature}")

    assert not result.valid and "篡改" in result.message


def test_switching_from_ed25519_to_sm2_and_back_keeps_every_certificate_valid(areas: Any, clerk: Any) -> None:
    with override_settings(CERTIFICATE_ALGORITHM="ed25519"):
        first = _issue(areas, clerk, "王小红")
    with override_settings(CERTIFICATE_ALGORITHM="sm2"):
        second = _issue(areas, clerk, "李小梅")
    with override_settings(CERTIFICATE_ALGORITHM="ed25519"):
        third = _issue(areas, clerk, "赵小燕")

    kids = [_claims_and_signature(c.payload)[1]["kid"] for c in (first, second, third)]
    published = keys.public_keys()
    assert [keys.algorithm_of(published[kid]) for kid in kids] == ["ed25519", "sm2", "ed25519"]
    assert kids[0] != kids[2]  # switching back makes a new Ed25519 key, it does not reuse the old one
    assert all(services.verify_payload(c.payload).valid for c in (first, second, third))


@override_settings(CERTIFICATE_ALGORITHM="sm2")
def test_the_public_key_page_names_each_key_s_algorithm(areas: Any, clerk: Any) -> None:
    _issue(areas, clerk)

    answer = Client().get("/verify/keys?format=json").json()

    assert answer["algorithm"] == "SM2"
    assert set(answer["algorithms"].values()) == {"SM2"}
    assert set(answer["algorithms"]) == set(answer["keys"])
    assert "SM2" in Client().get("/verify/keys").content.decode()
