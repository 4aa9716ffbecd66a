"""The QR payload: ``JS1.<base64url JSON claims>.<base64url signature of the claims part>``, signed with
Ed25519 or SM2 (the key id in the claims names the key; its published public text says which).

Verifying needs nothing but the payload and the published public keys, so it also works offline:

    claims = verify_offline(payload, {"<kid>": "<base64 public key>"})
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.utils.translation import gettext as _

from jisheng.core.masking import mask_id
from jisheng.core.masking import mask_name as mask_name

from .keys import Signer, load_public_key

PREFIX = "JS1"


class PayloadInvalid(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], kid: str, key: Signer) -> str:
    body = _b64(json.dumps({**claims, "kid": kid}, ensure_ascii=False, separators=(",", ":")).encode())
    return f"{PREFIX}.{body}.{_b64(key.sign(body.encode()))}"


@dataclass(frozen=True)
class Claims:
    kid: str
    data: dict[str, Any]


def verify_offline(payload: str, public_keys: dict[str, str]) -> Claims:
    """Check the signature with the published keys; raise PayloadInvalid with a Chinese reason."""
    parts = payload.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PayloadInvalid(_("The QR code is not in the format of a certificate issued by this system"))
    try:
        data = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadInvalid(_("The QR code is damaged or has been tampered with")) from exc
    if not isinstance(data, dict):
        raise PayloadInvalid(_("The QR code is damaged or has been tampered with"))
    kid = str(data.get("kid", ""))
    if kid not in public_keys:
        raise PayloadInvalid(_("Unknown signing key: this certificate was not issued by this system"))
    try:
        load_public_key(public_keys[kid]).verify(signature, parts[1].encode())
    except (InvalidSignature, ValueError) as exc:
        raise PayloadInvalid(_("The signature does not match: the QR code has been tampered with")) from exc
    return Claims(kid=kid, data=data)


# The certificate's masking is everyone's (``jisheng.core.masking``); the names stay for its callers.
mask_id_number = mask_id
