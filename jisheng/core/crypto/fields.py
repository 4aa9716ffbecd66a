"""One column sealed at rest with SM4-GCM, and a keyed SM3 index to find a row by its value.

``seal(text, purpose=...)`` gives ``sm4gcm:1:<base64 nonce‖ciphertext‖tag>``; the purpose (the model
and column) is bound in as associated data, so a value copied into another column does not open.
``unseal`` opens it again; a value without the prefix is taken as plaintext written before the column
was sealed (so a column can be sealed by a data migration at leisure). ``blind_index(text,
purpose=...)`` is HMAC-SM3 under a separate key: equal values give equal indexes, and without the key
the index tells nothing, so an exact search keeps working on a sealed column (a search by prefix does
not).

``SealedTextField`` is a model field doing the sealing on save and the unsealing on load.
"""

from __future__ import annotations

import base64
from typing import Any

from django.db import models

from .keys import key_store
from .primitives import SM4_KEY_BYTES, hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt

PREFIX = "sm4gcm:"
KEY_VERSION = "1"
INDEX_KEY_BYTES = 32


def _field_key(version: str) -> bytes:
    return key_store().secret(f"field-sm4-{version}", SM4_KEY_BYTES)


def _index_key() -> bytes:
    return key_store().secret("index-hmac-sm3-1", INDEX_KEY_BYTES)


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(text: str, *, purpose: str) -> str:
    if text == "":
        return ""
    sealed = sm4_gcm_encrypt(_field_key(KEY_VERSION), text.encode(), purpose.encode())
    return f"{PREFIX}{KEY_VERSION}:{base64.b64encode(sealed).decode('ascii')}"


def unseal(value: str, *, purpose: str) -> str:
    if not is_sealed(value):
        return value
    version, _, body = value[len(PREFIX) :].partition(":")
    return sm4_gcm_decrypt(_field_key(version), base64.b64decode(body), purpose.encode()).decode()


def blind_index(text: str, *, purpose: str) -> str:
    """64 hex digits; "" for an empty value."""
    if text == "":
        return ""
    return hmac_sm3(_index_key(), purpose.encode() + b"\0" + text.encode()).hex()


def sealed_length(plain_max: int) -> int:
    """The column width a sealed value of at most plain_max characters needs (UTF-8, 3 bytes each)."""
    raw = 12 + plain_max * 3 + 16
    return len(PREFIX) + len(KEY_VERSION) + 1 + 4 * ((raw + 2) // 3)


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """Stored sealed, read as text. Look rows up by a blind index column beside it, not by this one:
    with ``index_field``, every save also writes the value's ``blind_index`` there (declare that field
    after this one, and name both in ``update_fields``)."""

    def __init__(self, *args: Any, index_field: str = "", **kwargs: Any) -> None:
        self.index_field = index_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.index_field:
            kwargs["index_field"] = self.index_field
        return name, path, args, kwargs

    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def index_of(self, value: str) -> str:
        """The blind index of a plaintext value of this column, to filter the index field by."""
        return blind_index(value, purpose=self.purpose())

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.index_field:
            setattr(model_instance, self.index_field, self.index_of(str(value or "")))
        return value

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return unseal(value, purpose=self.purpose())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or is_sealed(str(value)):
            return value
        return seal(str(value), purpose=self.purpose())
