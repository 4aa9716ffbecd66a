"""Rotating the data key of the sealed columns (SM4, ``jisheng.core.crypto.fields``): a security event.

``field_key_rotate`` makes a new version of the field keys current and re-seals every sealed column of
every model (persons' ID numbers and phones and their history, bank accounts, health results, …) under
it, in one transaction with its audit event. The old version's keys stay in the key store, so a
backup taken before the rotation still opens. Run it with the service stopped (``jisheng
crypto-rotate``), as a backup or a restore is.

``file_keys_rewrap`` follows a rotation (``jisheng crypto-rotate`` runs it, ``--files`` alone resumes
it): the file key of every sealed file under ``MEDIA_ROOT`` is wrapped under the current version, the
files' chunks unchanged, so the old version then seals nothing. ``files_seal`` seals the personal files
still in the clear (``jisheng seal-files``, and daily by the scheduler). Both are audited with counts.

``index_key_rotate`` does the same for the HMAC-SM3 key of the blind indexes (``jisheng crypto-rotate
--index``): a new version current, every blind index column (``fields.index_columns``) recomputed from
the values it indexes, in one transaction with its audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from jisheng.core.actor import Actor
from jisheng.core.crypto.fields import (
    INDEX_FAMILY,
    IndexColumn,
    SealedCharField,
    SealedTextField,
    field_key_version,
    index_columns,
    index_key_version,
    sealed_fields,
)
from jisheng.core.crypto.keys import set_current_version
from jisheng.core.crypto.reseal import Column, reindex_table, reseal_table
from jisheng.core.sealed_files import rewrap_stored_files, seal_stored_files

from .services import record

FIELD_FAMILY = "field-sm4"


def field_key_rotate(*, by: Actor) -> str:
    """Outermost: re-seals every sealed column under a new key version and returns it; on failure the
    old version stays current and nothing is written."""
    old = field_key_version()
    new = str(int(old) + 1)
    tables: dict[tuple[str, str], list[Column]] = defaultdict(list)
    for model, field in sealed_fields():
        tables[(model._meta.db_table, str(model._meta.pk.column))].append(  # type: ignore[union-attr]
            Column(str(field.column), field.purpose(), equal=isinstance(field, SealedCharField))
        )
    set_current_version(FIELD_FAMILY, new)
    try:
        with transaction.atomic():
            counts = {
                table: reseal_table(connection, table, pk, columns)
                for (table, pk), columns in sorted(tables.items())
            }
            record(
                by=by,
                action="crypto.field_key_rotate",
                object_type="crypto.key",
                object_id=FIELD_FAMILY,
                object_repr=f"{FIELD_FAMILY}-{new}",
                before={"version": old},
                after={"version": new, "rows": counts},
                area_code="",
            )
    except BaseException:
        set_current_version(FIELD_FAMILY, old)
        raise
    return new


def _source(model: type[Any], name: str) -> Column:
    field = model._meta.get_field(name)
    purpose = field.purpose() if isinstance(field, SealedTextField | SealedCharField) else ""
    return Column(str(field.column), purpose, equal=isinstance(field, SealedCharField))


def index_key_rotate(*, by: Actor) -> str:
    """Outermost: recomputes every blind index column under a new index key version and returns it; on
    failure the old version stays current and nothing is written. Searches made in the same
    transaction after the recomputation (and every search after it) use the new key."""
    old = index_key_version()
    new = str(int(old) + 1)
    tables: dict[tuple[str, str], list[tuple[Column, IndexColumn]]] = defaultdict(list)
    for model, index in index_columns():
        key = (model._meta.db_table, str(model._meta.pk.column))
        tables[key].append((_source(model, index.source), index))
    set_current_version(INDEX_FAMILY, new)
    try:
        with transaction.atomic():
            counts = {
                table: reindex_table(
                    connection,
                    table,
                    pk,
                    list({source.name: source for source, _index in pairs}.values()),
                    _deriver(pairs),
                )
                for (table, pk), pairs in sorted(tables.items())
            }
            record(
                by=by,
                action="crypto.index_key_rotate",
                object_type="crypto.key",
                object_id=INDEX_FAMILY,
                object_repr=f"{INDEX_FAMILY}-{new}",
                before={"version": old},
                after={"version": new, "rows": counts},
                area_code="",
            )
    except BaseException:
        set_current_version(INDEX_FAMILY, old)
        raise
    return new


def _deriver(pairs: list[tuple[Column, IndexColumn]]) -> Callable[[dict[str, str]], dict[str, str]]:
    def derived(plain: dict[str, str]) -> dict[str, str]:
        return {index.column: index.compute(plain[source.name]) for source, index in pairs}

    return derived


def file_keys_rewrap(*, by: Actor) -> dict[str, Any]:
    """Wrap the file key of every sealed file under ``MEDIA_ROOT`` under the current data key version
    (``sealed_files.rewrap``: each file's header rewritten beside it and renamed, its chunks unchanged),
    then one audit event with the counts and the files that could not be (damaged). Idempotent: run
    again after an interruption, it goes on where it stopped. Outermost."""
    version = field_key_version()
    done, already, damaged = rewrap_stored_files(Path(settings.MEDIA_ROOT))
    counts: dict[str, Any] = {"version": version, "rewrapped": done, "current": already, "damaged": damaged}
    with transaction.atomic(durable=True):
        record(
            by=by,
            action="crypto.file_keys_rewrap",
            object_type="crypto.key",
            object_id=FIELD_FAMILY,
            object_repr=f"{FIELD_FAMILY}-{version}",
            after=counts,
            area_code="",
        )
    return counts


def files_seal(*, by: Actor, record_nothing: bool = True) -> tuple[int, int]:
    """Seal in place the personal files under ``MEDIA_ROOT`` still in the clear (written before files
    were sealed at rest) and record one audit event with the counts; with ``record_nothing`` False
    (the scheduler's daily run) no event when nothing was in the clear. Returns (sealed now, sealed
    already). Outermost."""
    done, already = seal_stored_files(Path(settings.MEDIA_ROOT))
    if done or record_nothing:
        with transaction.atomic(durable=True):
            record(
                by=by,
                action="crypto.files_seal",
                object_type="crypto.key",
                object_id=FIELD_FAMILY,
                object_repr=f"{FIELD_FAMILY}-{field_key_version()}",
                after={"sealed": done, "already": already},
                area_code="",
            )
    return done, already
