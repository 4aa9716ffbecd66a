"""Writing and verifying the audit trail.

Every service function of every app calls ``record`` inside its own transaction, so the change and its
audit event commit or roll back together.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from jisheng.core.actor import Actor, describe, is_staff
from jisheng.core.crypto.fields import SealedCharField, SealedTextField, blind_index

from .context import client_ip
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _clean(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Round-trip through JSON so that what is hashed is exactly what the database stores."""
    if data is None:
        return None
    return json.loads(json.dumps(data, default=_json_default, ensure_ascii=False))


def _content(event: AuditEvent) -> str:
    return json.dumps(
        {
            "at": event.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "actor": event.actor_id,
            "actor_username": event.actor_username,
            "actor_roles": event.actor_roles,
            "area_code": event.area_code,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object_repr": event.object_repr,
            "before": event.before,
            "after": event.after,
            "reason": event.reason,
            "ip": event.ip,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


# The chain's hash: SM3 (GB/T 32905) for new events unless JISHENG_AUDIT_HASH says "sha256". Events written
# with SHA-256 before the switch stay verifiable; once an SM3 event appears, every later one must be SM3.
CHAIN_HASHES = ("sha256", "sm3")


def chain_algorithm() -> str:
    return str(getattr(settings, "JISHENG_AUDIT_HASH", "sm3"))


def compute_hash(prev_hash: str, event: AuditEvent, algorithm: str | None = None) -> str:
    return _hash_of(prev_hash, _content(event), algorithm)


def _hash_of(prev_hash: str, content: str, algorithm: str | None = None) -> str:
    from jisheng.core.crypto import digest_hex

    return digest_hex(algorithm or chain_algorithm(), (prev_hash + content).encode())


def model_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of obj, for the before/after of an event. A column sealed at rest (ID
    numbers, phones, bank accounts, health findings) goes into the trail masked (``sealed_in_trail``):
    the trail is kept for years and shown to auditors, and must not hold in the clear what the table
    itself seals."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, SealedCharField | SealedTextField) and value:
            value = sealed_in_trail(str(value))
        data[field.attname] = value
    return data


def sealed_in_trail(value: str) -> str:
    """A sealed value as the audit trail keeps it: its last four characters (what a clerk reads back to
    a resident) and a short keyed digest, so an auditor still sees that the value changed and which
    events name the same value, without the trail disclosing it."""
    tail = value[-4:] if len(value) > 8 else ""
    digest = blind_index(value, purpose="audit.snapshot")[:8]
    return f"#{digest} {'*' * (len(value) - len(tail))}{tail}"


def _area_code_of(obj: models.Model | None, actor: Any) -> str:
    if obj is not None:
        code = getattr(obj, "audit_area_code", None)
        if callable(code):
            code = code()
        if code:
            return str(code)
    return str(getattr(actor, "area_id", "") or "")


def record(
    *,
    by: Actor,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    area_code: str | None = None,
) -> AuditEvent:
    """Append one event. May be nested, and should be: inside the caller's transaction (it locks the chain
    head), so the event stands or falls with the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    actor = by if is_staff(by) else None
    roles = ",".join(sorted(actor.role_codes())) if actor is not None else ""
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,  # type: ignore[misc]  # a StaffMember is the User model (core cannot name it)
        actor_username=describe(by)[:150],
        actor_roles=roles,
        area_code=area_code if area_code is not None else _area_code_of(obj, actor),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:255],
        before=_clean(before),
        after=_clean(after),
        reason=reason,
        ip=client_ip.get(),
    )
    connection = transaction.get_connection()
    read, write = _head_statements(connection)
    content = _content(event)  # before the head is locked: it does not depend on the chain
    insert, params, position = _insert_of(connection, event)  # so are the insert's SQL and values
    last_hash = _locked_head_hash(connection, read)
    event.prev_hash = last_hash
    event.hash = _hash_of(last_hash, content)
    params[position["prev_hash"]] = event.prev_hash
    params[position["hash"]] = event.hash
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The insert and the head's move in one statement: every audited write of the database
            # waits for the head from its read to the commit, and each statement in between (with the
            # server's thread waiting for its turn at Python's lock after it) lengthened that wait.
            cursor.execute(insert, [*params, event.hash])
            event.pk = cursor.fetchone()[0]
        else:
            # SQLite cannot move the head in the insert's statement; the transaction holds the one
            # writer's lock all the same, and the insert is still kept SQL, not the ORM's save.
            cursor.execute(insert, params)
            event.pk = cursor.lastrowid
            cursor.execute(write, [event.hash, event.pk])
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _insert_of(connection: Any, event: AuditEvent) -> tuple[str, list[Any], dict[str, int]]:
    """The event's insert (on PostgreSQL with the head's move) as SQL written once per database, its
    values in the model's field order, and each field's position among them. The chain's two hashes are
    filled in after the head's read."""
    fields = _fields()
    sql = _append_sql.get(connection.alias)
    if sql is None:
        quote = connection.ops.quote_name
        table = quote(AuditEvent._meta.db_table)
        columns = ", ".join(quote(field.column) for field in fields)
        values = ", ".join(["%s"] * len(fields))
        inserted = f"INSERT INTO {table} ({columns}) VALUES ({values})"
        if connection.vendor == "postgresql":
            head = quote(AuditChainHead._meta.db_table)
            inserted = (
                f"WITH appended AS ({inserted} RETURNING {quote('id')}) "
                f"UPDATE {head} SET {quote('last_hash')} = %s, "
                f"{quote('last_event_id')} = (SELECT {quote('id')} FROM appended) "
                f"WHERE {quote('id')} = 1 RETURNING {quote('last_event_id')}"
            )
        sql = _append_sql[connection.alias] = inserted
    params = [field.get_db_prep_save(field.pre_save(event, True), connection) for field in fields]
    return sql, params, _positions()


@functools.cache
def _fields() -> list[Any]:
    return [field for field in AuditEvent._meta.concrete_fields if field.attname != "id"]


@functools.cache
def _positions() -> dict[str, int]:
    return {field.attname: index for index, field in enumerate(_fields())}


_append_sql: dict[str, str] = {}


_head_sql: dict[str, tuple[str, str]] = {}


def _head_statements(connection: Any) -> tuple[str, str]:
    """The chain head's locked read and its write, as SQL written once per kind of database: every
    audited change runs both while it holds the head's lock (on SQLite, the one writer's lock), and the
    ORM's building of a get_or_create and a save was most of the append's time. SQLite has no FOR
    UPDATE (the transaction already holds the database's write lock)."""
    statements = _head_sql.get(connection.vendor)
    if statements is None:
        quote = connection.ops.quote_name
        table = quote(AuditChainHead._meta.db_table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        statements = _head_sql[connection.vendor] = (
            f"SELECT {quote('last_hash')} FROM {table} WHERE {quote('id')} = 1{lock}",
            f"UPDATE {table} SET {quote('last_hash')} = %s, {quote('last_event_id')} = %s "
            f"WHERE {quote('id')} = 1",
        )
    return statements


def _locked_head_hash(connection: Any, read: str) -> str:
    """The chain's last hash by ``read``, its head locked until the transaction ends (the head made at
    the first event ever)."""
    with connection.cursor() as cursor:
        cursor.execute(read)
        row = cursor.fetchone()
        if row is None:
            AuditChainHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS_HASH})
            cursor.execute(read)
            row = cursor.fetchone()
    return str(row[0])


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None
    problem: str


def verify_chain() -> ChainReport:
    """Walk the chain in order; name the first event whose link or content does not match.

    After a retention purge the walk starts from the purge's checkpoint (the hash of the last purged
    event) instead of the genesis hash; an event at or before the checkpoint must not exist any more.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    prev_hash = GENESIS_HASH
    if head is not None and head.purged_through_id is not None:
        prev_hash = head.purged_last_hash
        if AuditEvent.objects.filter(id__lte=head.purged_through_id).exists():
            return ChainReport(
                0, head.purged_through_id, "events before the purge checkpoint are still present"
            )
        # The checkpoint must be the one a purge wrote into the chain itself (its event, appended after the
        # checkpoint, is checked by the walk below), so editing the head cannot hide a removed prefix.
        named = AuditEvent.objects.filter(action="audit.purge").values_list("after", flat=True)
        if not any(
            (after or {}).get("through_id") == head.purged_through_id
            and (after or {}).get("checkpoint_hash") == head.purged_last_hash
            for after in named
        ):
            return ChainReport(
                0, head.purged_through_id, "the purge checkpoint is not recorded by any purge event"
            )
    checked = 0
    last_id: int | None = None
    allowed: tuple[str, ...] = CHAIN_HASHES
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev_hash:
            return ChainReport(
                checked, event.pk, "previous-hash link does not match (a row was removed or reordered)"
            )
        matched = next((name for name in allowed if compute_hash(prev_hash, event, name) == event.hash), "")
        if not matched:
            return ChainReport(checked, event.pk, "content does not match its hash (the row was edited)")
        if matched == "sm3":
            allowed = ("sm3",)  # after the switch to SM3, no event may go back to SHA-256
        prev_hash = event.hash
        last_id = event.pk
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.last_event_id != last_id:
        return ChainReport(checked, head.last_event_id, "the newest events were removed")
    return ChainReport(checked, None, "")
