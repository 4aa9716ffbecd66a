"""Idempotent writes: the same request sent twice has one effect.

A client names each state-changing request with a key: the API's ``Idempotency-Key`` header (the
offline client sends one, and retries with it after a lost connection), or the hidden
``idempotency_key`` field that ``{% idempotency_field %}`` renders into a form (a double click, a
reload after a slow answer). The first request with a key claims it in the database; a repeat from the
same caller with the same body gets a copy of the first response and does nothing; the same key with
a different body is refused with 409. Twenty copies sent at once: one claims, nineteen wait for its
answer. Keys are kept for a day (``IDEMPOTENCY_KEEP_HOURS``).

Only answers that did something are kept (status below 400): a refused request changed nothing, so
its key is released and a corrected retry runs afresh. A claim whose request never finished (a killed
worker) is abandoned after ``STALE_AFTER`` and may be claimed again.
"""

import datetime
import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STALE_AFTER = datetime.timedelta(minutes=5)
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.05
MAX_KEY_LENGTH = 200
# Form fields that differ between two submissions of the same form without changing what it asks.
IGNORED_FIELDS = frozenset({FIELD, "csrfmiddlewaretoken"})


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "IDEMPOTENCY_KEEP_HOURS", 24))


def request_key(request: HttpRequest) -> str:
    """The key the caller sent, or "" when it sent none."""
    key = request.headers.get(HEADER, "")
    if not key and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        key = request.POST.get(FIELD, "")
    return key.strip()


def request_owner(request: HttpRequest) -> str:
    """Who sent the request: a key is one caller's, so another caller's key never matches.

    An API token stands for its holder; it is kept as a hash (never the token itself). A signed-in
    session stands for its user; an anonymous visitor for the session, if it has one.
    """
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(authorization[7:].strip().encode()).hexdigest()[:64]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return "session:" + hashlib.sha256(session.session_key.encode()).hexdigest()[:56]
    return ""


def request_fingerprint(request: HttpRequest) -> str:
    """What the request asks, so the same key with another body is told apart from a retry."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Read the parsed form, not the raw body: a multipart upload is streamed to disk and its raw
        # body is never held in memory.
        for name in sorted(request.POST):
            if name not in IGNORED_FIELDS:
                for value in request.POST.getlist(name):
                    digest.update(f"{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def bounds_its_uploads(request: HttpRequest) -> bool:
    """A view that limits its uploads sets its own upload handlers, which only works before anyone
    reads the form: such a request is left alone (its form is never parsed here)."""
    if request.content_type != "multipart/form-data":
        return False
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return bool(getattr(view, "limits_uploads", False))


def refusal(request: HttpRequest, message: str, status: int = 409) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type or None)
    if row.location:
        response["Location"] = row.location
    response["Idempotent-Replayed"] = "true"
    return response


def claim(*, owner: str, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Claim the key (None: claimed now), or the row of the request that claimed it first."""
    now = timezone.now()
    IdempotencyKey.objects.filter(expires_at__lt=now).delete()
    IdempotencyKey.objects.filter(
        owner=owner, key=key, status_code__isnull=True, created_at__lt=now - STALE_AFTER
    ).delete()
    try:
        # A savepoint, so a lost race does not break a transaction around the request.
        with transaction.atomic():
            IdempotencyKey.objects.create(
                owner=owner, key=key, fingerprint=fingerprint, created_at=now, expires_at=now + keep_for()
            )
        return None
    except IntegrityError:
        row = IdempotencyKey.objects.filter(owner=owner, key=key).first()
        return row if row is not None else claim(owner=owner, key=key, fingerprint=fingerprint)


def remember(*, owner: str, key: str, response: HttpResponse) -> None:
    """Keep a response that did something; release the key of one that did nothing."""
    rows = IdempotencyKey.objects.filter(owner=owner, key=key, status_code__isnull=True)
    if response.status_code >= 400:
        rows.delete()
        return
    rows.update(
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        location=response.get("Location", "")[:2000],
        # A streamed answer (a file) is not copied: its retry gets the status without the body.
        body=b"" if response.streaming else response.content,
    )


class IdempotencyMiddleware:
    """Runs a keyed write once per caller and key; placed after authentication, so it knows the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in WRITE_METHODS or bounds_its_uploads(request):
            return self.get_response(request)
        key = request_key(request)
        owner = request_owner(request) if key else ""
        if not key or not owner:
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return refusal(request, _("The idempotency key is longer than 200 characters."), status=400)
        fingerprint = request_fingerprint(request)
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            earlier = claim(owner=owner, key=key, fingerprint=fingerprint)
            if earlier is None:
                break
            if earlier.fingerprint != fingerprint:
                return refusal(
                    request,
                    _("This idempotency key was already used for a different request; use a new key."),
                )
            if earlier.status_code is not None:
                return replay(earlier)
            if time.monotonic() > deadline:
                return refusal(request, _("The same request is still being processed; try again shortly."))
            time.sleep(POLL_SECONDS)
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyKey.objects.filter(owner=owner, key=key, status_code__isnull=True).delete()
            raise
        remember(owner=owner, key=key, response=response)
        return response


OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "幂等键 (idempotency key): any string up to 200 characters naming this write. Repeating the request "
        "with the same key and the same body returns the first answer and does nothing again (kept for a "
        "day); the same key with a different body is refused with 409. Keys are per caller."
    ),
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
}


def document_in_openapi(schema: dict) -> dict:
    """Add the Idempotency-Key header to every write operation (POST, PUT, PATCH, DELETE) of the schema."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() not in WRITE_METHODS or not isinstance(operation, dict):
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
                parameters.append(dict(OPENAPI_PARAMETER))
    return schema
