"""Columns sealed at rest with SM4, and the keyed SM3 indexes that find rows by their values.

Two ways of sealing, both SM4-GCM with the purpose (model and column) bound in as associated data, so
a value copied into another column does not open:

- ``seal(text, purpose=...)`` → ``sm4gcm:<version>:<base64 nonce‖ciphertext‖tag>``, a fresh random
  nonce each time (``SealedTextField``; bank accounts). Rows are found through a separate blind index
  column (``blind_index``: HMAC-SM3 under its own key).
- ``seal_equal(text, purpose=...)`` → ``sm4siv:<version>:<base64 siv‖ciphertext‖tag>``, the nonce a
  synthetic IV (HMAC-SM3 of the value under the version's MAC key), so equal values seal equally
  (``SealedCharField``; ID numbers and phones). ``filter(id_number=...)``, ``__in``, ``__any_of`` and
  unique constraints keep working on the sealed column: the field seals the value looked for. Searches
  by range, prefix or substring are refused (a FieldError), never silently wrong.

``unseal`` opens either; a value without a prefix is taken as plaintext written before the column was
sealed (so the migration that seals a column can run on a database already holding data). A value that
does not open under the key (a wrong or lost key, an altered row) raises ``DecryptionFailed``.

Keys come from ``keys.key_store()``: ``field-sm4-<version>`` (SM4, 16 bytes), ``field-siv-<version>``
(HMAC-SM3, 32 bytes) and ``index-hmac-sm3-<version>`` (HMAC-SM3, 32 bytes). The current version of each
family is kept by the key store (``field-sm4.current``, ``index-hmac-sm3.current`` in the file store);
``jisheng crypto-rotate`` makes a new field key version current and re-seals every sealed column under
it, ``jisheng crypto-rotate --index`` a new index key and recomputes every blind index column
(``index_columns``: the ``index_field`` of each ``SealedTextField`` and the columns registered with
``derived_index``; see docs/security.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import models

from .keys import current_version, key_store
from .primitives import (
    SM4_KEY_BYTES,
    DecryptionFailed,
    hmac_sm3,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
    sm4_siv_decrypt,
    sm4_siv_encrypt,
)

PREFIX = "sm4gcm:"
EQUAL_PREFIX = "sm4siv:"
FIELD_FAMILY = "field-sm4"
INDEX_FAMILY = "index-hmac-sm3"
INDEX_KEY_BYTES = 32
SIV_KEY_BYTES = 32
# Lookups that compare whole values: the value looked for is sealed the same way as the column.
EQUALITY_LOOKUPS = frozenset({"exact", "in", "isnull", "any_of"})

__all__ = [
    "DecryptionFailed",
    "IndexColumn",
    "SealedCharField",
    "SealedJSONField",
    "SealedTextField",
    "blind_index",
    "derived_index",
    "index_columns",
    "is_sealed",
    "seal",
    "seal_equal",
    "sealed_fields",
    "unseal",
]

_keys: dict[tuple[int, str], bytes] = {}


def _secret(name: str, size: int) -> bytes:
    store = key_store()
    cached = _keys.get((id(store), name))
    if cached is None:
        cached = _keys[(id(store), name)] = store.secret(name, size)
    return cached


def _field_key(version: str) -> bytes:
    return _secret(f"field-sm4-{version}", SM4_KEY_BYTES)


def _siv_key(version: str) -> bytes:
    return _secret(f"field-siv-{version}", SIV_KEY_BYTES)


def _index_key(version: str) -> bytes:
    return _secret(f"{INDEX_FAMILY}-{version}", INDEX_KEY_BYTES)


def field_key_version() -> str:
    return current_version(FIELD_FAMILY)


def index_key_version() -> str:
    return current_version(INDEX_FAMILY)


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX) or value.startswith(EQUAL_PREFIX)


def sealed_version(value: str) -> str:
    """The key version a sealed value was sealed under ("" for plaintext)."""
    if not is_sealed(value):
        return ""
    return value.split(":", 2)[1]


def seal(text: str, *, purpose: str) -> str:
    if text == "":
        return ""
    version = field_key_version()
    sealed = sm4_gcm_encrypt(_field_key(version), text.encode(), purpose.encode())
    return f"{PREFIX}{version}:{base64.b64encode(sealed).decode('ascii')}"


def seal_equal(text: str, *, purpose: str, version: str = "") -> str:
    """Deterministic: the same text (and purpose, and key version) always seals to the same value."""
    if text == "":
        return ""
    return _seal_equal(text, purpose, version or field_key_version(), id(key_store()))


# Deterministic sealing gives one answer per (value, column, key): an import seals each ID number to look
# it up and again to write it, and a list page opens the same persons again and again. Kept per process
# and per key store (a process that already holds the rows in the clear; a wrong key still fails).
@lru_cache(maxsize=65536)
def _seal_equal(text: str, purpose: str, version: str, _store: int) -> str:
    sealed = sm4_siv_encrypt(_field_key(version), _siv_key(version), text.encode(), purpose.encode())
    return f"{EQUAL_PREFIX}{version}:{base64.b64encode(sealed).decode('ascii')}"


@lru_cache(maxsize=65536)
def _unseal_equal(value: str, purpose: str, _store: int) -> str:
    version, _, body = value[len(EQUAL_PREFIX) :].partition(":")
    return sm4_siv_decrypt(
        _field_key(version), _siv_key(version), base64.b64decode(body), purpose.encode()
    ).decode()


def unseal(value: str, *, purpose: str) -> str:
    if value.startswith(EQUAL_PREFIX):
        return _unseal_equal(value, purpose, id(key_store()))
    if value.startswith(PREFIX):
        version, _, body = value[len(PREFIX) :].partition(":")
        return sm4_gcm_decrypt(_field_key(version), base64.b64decode(body), purpose.encode()).decode()
    return value


def blind_index(text: str, *, purpose: str, version: str = "") -> str:
    """64 hex digits under the current index key (or ``version``'s); "" for an empty value."""
    if text == "":
        return ""
    return _blind_index(text, purpose, version or index_key_version(), id(key_store()))


# Kept as the deterministic seals are: an ID number's last four take about 11,000 values, so an import
# indexes each tail once, not once a row.
@lru_cache(maxsize=65536)
def _blind_index(text: str, purpose: str, version: str, _store: int) -> str:
    return hmac_sm3(_index_key(version), purpose.encode() + b"\0" + text.encode()).hex()


def sealed_length(plain_max: int) -> int:
    """The column width a sealed value of at most plain_max characters needs (UTF-8, 3 bytes each,
    a key version of up to four digits)."""
    raw = 12 + plain_max * 3 + 16
    return len(PREFIX) + 4 + 1 + 4 * ((raw + 2) // 3)


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """Stored sealed (a random nonce each time), read as text. Look rows up by a blind index column
    beside it, not by this one: with ``index_field``, every save also writes the value's
    ``blind_index`` there (declare that field after this one, and name both in ``update_fields``)."""

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

    def reseal(self, value: str) -> str:
        return seal(unseal(value, purpose=self.purpose()), purpose=self.purpose())


class SealedJSONField(SealedTextField):
    """A JSON value (exchange message bodies, notice bodies) stored as its sealed JSON text (a random
    nonce each time), read back as the value. Key rotation re-seals it like any ``SealedTextField``.
    Not searchable: only ``isnull`` lookups (a value looked for would seal under another nonce)."""

    _pyi_private_set_type: Any  # for the type checker: any JSON value in, the value out
    _pyi_private_get_type: Any

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return json.loads(unseal(value, purpose=self.purpose()))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, str) and is_sealed(value):
            return value
        return seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), purpose=self.purpose())

    def value_to_string(self, obj: models.Model) -> Any:
        return self.value_from_object(obj)  # as JSONField: serialized as the value, not as text

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


class SealedCharField(models.CharField):  # type: ignore[type-arg]
    """Stored sealed deterministically (``seal_equal``), read as text: code reading
    ``person.id_number`` gets the number, and equality lookups (``=``, ``__in``, ``__any_of``, unique
    constraints) work because the value looked for is sealed the same way. Other lookups (prefix,
    range, substring) raise FieldError. ``plain_max_length`` is the longest plaintext (forms and
    validation use it); the column is as wide as its sealed form."""

    def __init__(self, *args: Any, plain_max_length: int = 255, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        kwargs["max_length"] = sealed_length(plain_max_length)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in EQUALITY_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("max_length", self.plain_max_length)
        return super().formfield(**kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return unseal(value, purpose=self.purpose())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or is_sealed(str(value)):
            return value
        return seal_equal(str(value), purpose=self.purpose())

    def reseal(self, value: str) -> str:
        return seal_equal(unseal(value, purpose=self.purpose()), purpose=self.purpose())


def sealed_fields() -> Iterator[tuple[type[models.Model], SealedTextField | SealedCharField]]:
    """Every sealed column of every installed model (concrete, not proxies)."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, SealedTextField | SealedCharField):
                yield model, field


@dataclass(frozen=True)
class IndexColumn:
    """A column of blind index values: ``compute(plaintext of source)`` under the current index key."""

    model: str  # app_label.model_name
    column: str
    source: str  # the field (sealed or not) whose value the index is computed from
    compute: Callable[[str], str]


_derived: dict[tuple[str, str], IndexColumn] = {}


def derived_index(model: str, column: str, *, source: str, compute: Callable[[str], str]) -> None:
    """Declare a blind index column computed by the app from another column's value (``Person.id_tail``
    from the ID number's last four), so ``jisheng crypto-rotate --index`` recomputes it with the rest.
    ``compute`` gets the source's plaintext ("" for none) and must call ``blind_index`` (no version)."""
    _derived[(model.lower(), column)] = IndexColumn(model.lower(), column, source, compute)


def index_columns() -> Iterator[tuple[type[models.Model], IndexColumn]]:
    """Every blind index column of every installed model: the ``index_field`` of each
    ``SealedTextField`` and those declared with ``derived_index``."""
    from django.apps import apps

    for model, field in sealed_fields():
        if isinstance(field, SealedTextField) and field.index_field:
            index = model._meta.get_field(field.index_field)
            yield (
                model,
                IndexColumn(model._meta.label_lower, str(index.column), field.name, field.index_of),  # type: ignore[union-attr]
            )
    for declared in _derived.values():
        model = apps.get_model(declared.model)
        yield (
            model,
            IndexColumn(
                declared.model,
                str(model._meta.get_field(declared.column).column),  # type: ignore[union-attr]
                declared.source,
                declared.compute,
            ),
        )
