"""Rotating the data key of the sealed columns (SM4, ``jisheng.core.crypto.fields``): a security event.

``field_key_rotate`` makes a new version of the field keys current and re-seals every sealed column of
every model (persons' ID numbers and phones and their history, bank accounts, health results, …) under
it, in one transaction with its audit event. The old version's keys stay in the key store, so a
backup taken before the rotation still opens. Run it with the service stopped (``jisheng
crypto-rotate``), as a backup or a restore is.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction

from jisheng.core.actor import Actor
from jisheng.core.crypto.fields import SealedCharField, field_key_version, sealed_fields
from jisheng.core.crypto.keys import set_current_version
from jisheng.core.crypto.reseal import Column, reseal_table

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
