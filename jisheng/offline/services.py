"""Applying a phone's outbox: each record once, through the same services and checks as the online forms.

``record_apply`` is the one entry: it looks the client id up (a record already applied gets its first
answer again, whoever asks twice — a retry after a cut upload, a second tab), then runs the record's
handler and keeps the answer under the id, in one transaction with the registry's, the hall's or
outreach's own service. A refusal (a wrong check digit, a date in the future, a person out of the
officer's area) and a conflict (the person changed on the server since the phone's copy) apply nothing
and keep nothing: the phone shows the reason, the officer corrects or decides, and the record is sent
again under the same id.

``conflict_decide`` records the officer's decision to take the server's version (keeping theirs is a
resend with ``resolution="mine"``, audited by ``record_apply``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import User
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import record
from jisheng.core.actor import Actor
from jisheng.registry.models import Person
from jisheng.registry.validation import Refusal, clean_text

from .handlers import HANDLERS, Conflict, Reader, errors_of, field_error
from .models import AppliedRecord

__all__ = ["Answer", "Conflict", "conflict_decide", "record_apply"]


@dataclass
class Answer:
    """What the phone is told about one record: applied (with the first answer), refused or conflict."""

    status: str  # "applied" | "refused" | "conflict"
    client_id: str
    body: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


def _payload_hash(kind: str, payload: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, "payload": payload}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the services -------------------------------------------------------------------------------------


def _replay(applied: AppliedRecord, by: Any, payload_hash: str) -> Answer:
    if applied.user_id != getattr(by, "pk", None) or applied.payload_hash != payload_hash:
        return Answer(
            status="refused",
            client_id=str(applied.client_id),
            body={
                "errors": [
                    field_error(
                        "client_id",
                        _("client id"),
                        _("this id was already used for another record; save the record again"),
                    )
                ]
            },
        )
    return Answer(status="applied", client_id=str(applied.client_id), body=applied.response, replayed=True)


def record_apply(
    *,
    by: Actor,
    client_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    captured_at: datetime.datetime | None = None,
) -> Answer:
    """Apply one record of a phone's outbox once. Not to be nested: it owns its transaction, so a
    refusal rolls back the domain service's writes and the client id together."""
    if not isinstance(by, User) or not permissions.holds(by, Capability.CAPTURE_OFFLINE):
        raise PermissionDenied(_("You may not use the offline app."))
    digest = _payload_hash(kind, payload)
    existing = AppliedRecord.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _replay(existing, by, digest)
    handler = HANDLERS.get(kind)
    if handler is None:
        return Answer(
            status="refused",
            client_id=str(client_id),
            body={
                "errors": [
                    field_error("kind", _("kind"), _("unknown kind of record: %(kind)s") % {"kind": kind})
                ]
            },
        )
    if captured_at is not None and captured_at > timezone.now() + datetime.timedelta(minutes=10):
        captured_at = None  # a phone clock ahead of the server's is not believed
    reader = Reader(by, payload, str(client_id))
    try:
        with transaction.atomic():
            applied = AppliedRecord.objects.create(
                client_id=client_id,
                user=by,
                kind=kind,
                payload_hash=digest,
                captured_at=captured_at,
            )
            result = handler(by, reader, captured_at)
            applied.area_code = str(result.pop("area_code", ""))[:12]
            obj = result.get("object") or {}
            applied.object_type = str(obj.get("type", ""))[:64]
            applied.object_id = str(obj.get("id", ""))[:64]
            applied.response = {
                **result,
                "kind": kind,
                "received_at": applied.received_at.isoformat(),
                "captured_at": captured_at.isoformat() if captured_at else None,
            }
            applied.save(update_fields=["area_code", "object_type", "object_id", "response"])
            record(
                by=by,
                action="offline.record_apply",
                obj=applied,
                after={
                    "client_id": str(client_id),
                    "kind": kind,
                    "object": applied.object_type + ":" + applied.object_id,
                    "captured_at": applied.response["captured_at"],
                },
                area_code=applied.area_code,
            )
    except Conflict as conflict:
        return Answer(
            status="conflict",
            client_id=str(client_id),
            body={
                "person": conflict.person.pk,
                "server_version": conflict.version,
                "server": conflict.values,
                "message": _("%(name)s was changed on the server since your copy: compare and decide.")
                % {"name": conflict.person.name},
            },
        )
    except Refusal as refusal:
        key = reader.labels.get(refusal.field, "")
        return Answer(
            status="refused",
            client_id=str(client_id),
            body={"errors": [field_error(key, refusal.field, str(refusal))]},
        )
    except ValidationError as error:
        return Answer(status="refused", client_id=str(client_id), body={"errors": errors_of(error, reader)})
    except PermissionDenied as denied:
        return Answer(
            status="refused",
            client_id=str(client_id),
            body={"errors": [field_error("", "", str(denied) or _("You may not take this step."))]},
        )
    except IntegrityError:
        # Another request applied the same id a moment ago (the unique index decided): its answer.
        existing = AppliedRecord.objects.filter(client_id=client_id).first()
        if existing is None:
            raise
        return _replay(existing, by, digest)
    return Answer(status="applied", client_id=str(client_id), body=applied.response)


@transaction.atomic
def conflict_decide(
    *, by: Actor, client_id: uuid.UUID, person: Person, server_version: str, fields: list[str]
) -> None:
    """The officer took the server's version of ``person`` over the phone's edit (record ``client_id``,
    discarded on the phone). Audited; nothing else changes. May be nested."""
    permissions.ensure(by, Capability.CAPTURE_OFFLINE, person.residence_area_id)
    record(
        by=by,
        action="offline.conflict_take_theirs",
        obj=person,
        after={
            "client_id": str(client_id),
            "server_version": server_version[:32],
            "fields": [clean_text(f)[:32] for f in fields[:20]],
        },
        reason=_("The officer took the server's version after seeing both."),
    )
