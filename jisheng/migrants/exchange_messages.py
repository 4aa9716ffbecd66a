"""The one place where the floating population talks to the exchange app: what it sends, and the
handlers of what it receives. Everything else of this app calls the functions here, never the exchange.

Kinds (each body a JSON object; persons named by ID number and name, Art. 18 keeps the rest home):

- ``migrants.notice``: 通报 (arrival, departure, birth, contraception, return), a receipt is enough;
- ``migrants.verification``: 协查, with a reference, priority and due date in the sender's working days;
- ``migrants.answer``: 反馈 to a verification request, by its reference;
- ``migrants.outcome``: what came of an answered request (Art. 16), told back to the side that answered.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils.translation import gettext as _

from jisheng.core.actor import Actor, System

logger = logging.getLogger("jisheng.migrants")

NOTICE = "migrants.notice"
VERIFICATION = "migrants.verification"
ANSWER = "migrants.answer"
OUTCOME = "migrants.outcome"

INBOX = System(job="exchange inbox")


def _exchange_services() -> Any:
    try:
        from jisheng.exchange import services
    except ImportError:  # the exchange app not yet offering its services
        return None
    return services if hasattr(services, "message_send") else None


def self_code() -> str:
    """This deployment's area code prefix as the exchange knows it (e.g. 411723); the root of the area
    tree when the exchange offers no identity."""
    try:
        from django.core.exceptions import ImproperlyConfigured

        from jisheng.exchange import identity

        return str(identity.self_code())
    except (ImportError, ImproperlyConfigured):
        pass
    from jisheng.areas.codes import prefix_of
    from jisheng.areas.models import Area

    root = Area.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("level", "code").first()
    return prefix_of(root.code) if root is not None else ""


def send(
    *,
    by: Actor,
    kind: str,
    to_area_code: str,
    subject_key: str,
    body: dict[str, Any],
    from_area_code: str = "",
) -> str:
    """Put a message in the exchange's outbox (inside the caller's transaction, so it leaves only if the
    record behind it is committed). Returns the message id, or "" when the area is this deployment's own
    or no peer speaks for it (the caller records that outcome)."""
    services = _exchange_services()
    if services is None:
        logger.info("exchange not available: %s to %s not sent", kind, to_area_code)
        return ""
    from jisheng.areas.codes import normalize_code

    to_code = normalize_code(to_area_code)
    own = self_code()
    if (own and to_code.startswith(own)) or services.peer_for_area(to_code) is None:
        return ""
    message = services.message_send(
        by=by,
        kind=kind,
        to_area_code=to_code,
        subject_key=subject_key,
        body=body,
        from_area_code=from_area_code or None,
    )
    return str(message.message_id)


# --- receiving -----------------------------------------------------------------------------------------


def _body(message: Any) -> dict[str, Any]:
    body = getattr(message, "body", None)
    if body is None:
        body = getattr(message, "payload", {})
    return dict(body or {})


def _sender_code(message: Any, body: dict[str, Any]) -> str:
    for attribute in ("from_area_code", "sender_area_code"):
        value = getattr(message, attribute, "")
        if value:
            return str(value)
    peer = getattr(message, "peer", None)
    for attribute in ("area_code", "code"):
        value = getattr(peer, attribute, "") if peer is not None else ""
        if value:
            return str(value)
    return str(body.get("from", ""))


def _message_id(message: Any) -> str:
    return str(getattr(message, "message_id", "") or getattr(message, "id", ""))


def _refuse(reason: str) -> Exception:
    try:
        from jisheng.exchange.handlers import Refused

        return Refused(reason)
    except ImportError:
        return ValueError(reason)


def on_notice(*, message: Any) -> dict[str, Any]:
    from django.core.exceptions import PermissionDenied, ValidationError

    from . import services

    body = _body(message)
    try:
        notice = services.notice_receive(
            kind=str(body.get("kind", "")),
            peer_area_code=_sender_code(message, body),
            id_number=str(body.get("id_number", "")),
            name=str(body.get("name", "")),
            on=datetime.date.fromisoformat(str(body.get("on", ""))),
            body=body,
            message_id=_message_id(message),
            by=INBOX,
        )
    except (ValueError, ValidationError, PermissionDenied) as exc:
        raise _refuse(str(getattr(exc, "message", exc))) from exc
    return {"notice": notice.pk, "outcome": notice.outcome}


def on_verification(*, message: Any) -> dict[str, Any]:
    from django.core.exceptions import PermissionDenied, ValidationError

    from . import services

    body = _body(message)
    try:
        request = services.verification_receive(
            reference=str(body.get("reference", "")),
            peer_area_code=_sender_code(message, body),
            id_number=str(body.get("id_number", "")),
            name=str(body.get("name", "")),
            question=str(body.get("question", "")),
            priority=str(body.get("priority", "normal")),
            sent_on=datetime.date.fromisoformat(str(body.get("sent_on", ""))),
            due_on=datetime.date.fromisoformat(str(body.get("due_on", ""))),
            by=INBOX,
        )
    except (ValueError, ValidationError, PermissionDenied) as exc:
        raise _refuse(str(getattr(exc, "message", exc))) from exc
    return {"reference": request.reference, "due_on": request.due_on.isoformat()}


def on_answer(*, message: Any) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    from . import services

    body = _body(message)
    try:
        request = services.verification_answer_receive(
            reference=str(body.get("reference", "")),
            answer=str(body.get("answer", "")),
            answered_on=datetime.date.fromisoformat(str(body.get("answered_on", ""))),
            by=INBOX,
        )
    except (ValueError, ValidationError) as exc:
        raise _refuse(str(getattr(exc, "message", exc))) from exc
    return {"reference": request.reference, "on_time": request.on_time}


def on_outcome(*, message: Any) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    from . import services

    body = _body(message)
    try:
        request = services.verification_outcome_receive(
            reference=str(body.get("reference", "")),
            outcome=str(body.get("outcome", "")),
            notified_on=datetime.date.fromisoformat(str(body.get("notified_on", ""))),
            by=INBOX,
        )
    except (ValueError, ValidationError) as exc:
        raise _refuse(str(getattr(exc, "message", exc))) from exc
    return {"reference": request.reference, "outcome_notified_on": str(request.outcome_notified_on)}


def register_handlers() -> None:
    """Called from the AppConfig's ready(): the exchange gives these kinds their meaning here."""
    try:
        from jisheng.exchange import handlers
    except ImportError:
        return
    handlers.register(NOTICE, on_notice, replace=True)
    handlers.register(VERIFICATION, on_verification, replace=True)
    handlers.register(ANSWER, on_answer, replace=True)
    handlers.register(OUTCOME, on_outcome, replace=True)


def unknown_kind(kind: str) -> str:
    return _("Unknown notice kind “%(kind)s”") % {"kind": kind}
