"""The public portal (/portal/): service guides, the pledge page, applying online, following a case."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jisheng.audit.disclosure import disclosure_record
from jisheng.certificates.pdf import certificate_pdf
from jisheng.core.actor import Resident
from jisheng.core.kept_statements import KeptStatements
from jisheng.core.ratelimit import Window, allow, window_of
from jisheng.core.text import normalize_code, normalize_text
from jisheng.core.uploads import MB, limit_uploads, nothing_submitted, upload_refusal
from jisheng.registry.validation import mask_id

from . import portal_kept, portal_proof, queries, services
from .models import Application, ApplicationStatus, CaseEvent, Material, Notice, RatingLevel, ServiceItem
from .pdfs import notice_pdf, receipt_pdf

_TOO_MANY = gettext_lazy("Too many attempts from your address. Please wait a minute and try again.")
_IDENTITY_FAILED = gettext_lazy(
    "Identity check failed: the “name” and “ID number” do not match the registry; please apply at the counter"
)
# An anonymous application brings photos and scans of its materials: bounded in number, per file and
# in all, and streamed to disk while received (core.uploads), so one request cannot store 100 MB.
PORTAL_UPLOADS = {"max_files": 10, "max_file_bytes": services.MAX_UPLOAD_BYTES, "max_total_bytes": 30 * MB}


def _uploads(request: HttpRequest, item: ServiceItem) -> list[services.Upload]:
    uploads = []
    for material in item.materials.all():
        for upload in request.FILES.getlist(f"m-{material.code}"):
            uploads.append(services.Upload(material.code, upload.name or material.code, upload.read()))
    return uploads


def _booking(request: HttpRequest, item: ServiceItem) -> dict[str, str]:
    """A bookable technical service asks for the day the resident would like to come."""
    if not item.bookable:
        return {}
    raw = request.POST.get("preferred_date", "")
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(_("“Appointment date”: choose the day you would like to come")) from exc
    if day <= timezone.localdate():
        raise ValidationError(_("“Appointment date”: choose a day after today"))
    return {"预约日期": day.isoformat()}


def _allowed_case(
    request: HttpRequest, number: str, *, rating: bool = False, proof: portal_proof.Proof | None = None
) -> Application:
    """Only the numbers this browser proved (number + phone) are shown. ``rating``: the case's rating
    read in the same query (the resident's case page shows it). ``proof``: the cookie, when the caller
    has already read it."""
    if number not in (proof if proof is not None else portal_proof.proved(request)):
        raise Http404
    related = ("item", "office", "certificate", "rating") if rating else ("item", "office", "certificate")
    # Compiled once per database and set of relations and kept, the number bound as its parameter.
    found = _kept.objects(
        ("case", related),
        lambda key: Application.objects.select_related(*related).filter(number=key),
        number,
        using=Application.objects.db,
        placeholder=_NUMBER,
        prepare=True,  # the number's unique index whatever the number: prepared once a connection
    )
    if not found:
        raise Http404
    return found[0]


# Stands for a case number or an id in a kept statement (no case has it, no row that id).
_NUMBER = "kept-case-number"
_ID = -7_000_000_002
# The resident's case page's reads (the case, its notices, progress and item's materials) each cost
# more to compile than to run: compiled once and kept, run with the case's number or id bound.
_kept = KeptStatements(bound=16)


def index(request: HttpRequest) -> HttpResponse:
    body = portal_kept.body(
        "index",
        lambda: render_to_string("hall/portal/index_body.html", {"items": queries.effective_items()}),
    )
    return render(request, "hall/portal/index.html", {"body": body})


def questions(request: HttpRequest) -> HttpResponse:
    query = normalize_text(request.GET.get("q", ""))[:50]
    entries = queries.search_questions(query) if query else queries.search_questions("")
    return render(request, "hall/portal/questions.html", {"entries": entries[:50], "q": query})


@dataclass(frozen=True)
class _ApplyForm:
    """What the form shows of an item, the same for every visitor: drawn from no request."""

    name: str
    in_force: bool
    bookable: bool
    materials: SafeString


def _apply_form(item: ServiceItem) -> _ApplyForm:
    materials = render_to_string(
        "hall/portal/_apply_materials.html", {"code": item.code, "materials": item.materials.all()}
    )
    return _ApplyForm(
        name=item.name,
        in_force=item.is_effective(timezone.localdate()),
        bookable=item.bookable,
        materials=mark_safe(materials),  # noqa: S308 (drawn by a template, escaped there)
    )


def _item_with_materials(code: str) -> ServiceItem:
    return get_object_or_404(ServiceItem.objects.prefetch_related("materials"), code=code)


def _apply_drawn(code: str) -> tuple[ServiceItem, _ApplyForm]:
    """The item with its materials, and the form's item part: read and drawn from no request, so
    kept for every visitor (``portal_kept``: a catalogue change shows at the next view). The kept item
    is only read, never changed, by the views and the intake."""
    item = _item_with_materials(code)
    return item, _apply_form(item)


class _OverTheLimit(Exception):
    pass


def _submit_counted(
    request: HttpRequest, attempts: Window, item: ServiceItem, person: Any, values: dict[str, str]
) -> Application | None:
    """The application, with this attempt counted in its own transaction: one write of the database
    for both, where counting first took one of its own (SQLite has a single writer, which the clerks'
    transitions wait for too). An attempt the transaction rolls back is counted after it."""
    try:
        # Read before the transaction: the files and the date are the request's, not the database's.
        uploads, details = _uploads(request, item), _booking(request, item)
        with transaction.atomic():
            if not attempts.take():
                raise _OverTheLimit
            return services.application_submit(
                item=item,
                person=person,
                channel="online",
                phone=values["phone"],
                by=Resident(reference=mask_id(values["id_number"])),
                uploads=uploads,
                details=details,
            )
    except _OverTheLimit:
        messages.error(request, _TOO_MANY)
    except ValidationError as exc:
        if attempts.take():
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.error(request, _TOO_MANY)
    return None


@limit_uploads(**PORTAL_UPLOADS)
def apply(request: HttpRequest, code: str) -> HttpResponse:
    # The item with its materials and the form's item part are kept like the guides' bodies, under the
    # catalogue's version (an unknown code is a 404 each time, and keeps nothing).
    kept_item, form = portal_kept.kept(f"apply:{code}", lambda: _apply_drawn(code))
    item = kept_item if request.method == "POST" else None
    if not form.in_force:
        # An ended item (再生育审批 since 2021) is not offered; its guide says since when.
        messages.error(request, _("This service is no longer offered"))
        return redirect("hall:portal_guide", code=code)
    values = {"name": "", "id_number": "", "phone": ""}
    if item is not None:
        values = {key: normalize_text(request.POST.get(key, "")) for key in values}
        values["id_number"] = normalize_code(values["id_number"])
        refusal = upload_refusal(request)
        attempts = window_of(request, "portal-apply", limit=10)
        if refusal:
            messages.error(request, nothing_submitted(refusal))
        elif attempts.full():
            messages.error(request, _TOO_MANY)
        else:
            from jisheng.registry.queries import person_by_id_number

            person = person_by_id_number(values["id_number"], name=values["name"])
            if person is None:
                # Counted, and past the limit not answered: a guesser learns nothing more.
                messages.error(request, _IDENTITY_FAILED if attempts.take() else _TOO_MANY)
            else:
                application = _submit_counted(request, attempts, item, person, values)
                if application is not None:
                    messages.success(request, _("Your application has been received."))
                    response = redirect("hall:portal_case", number=application.number)
                    portal_proof.remember(request, response, application.number)
                    return response
    return render(
        request,
        "hall/portal/apply.html",
        {"item_name": form.name, "bookable": form.bookable, "materials": form.materials, "values": values},
    )


def track(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not allow(request, "portal-track", limit=20):
            messages.error(
                request, _("Too many attempts from your address. Please wait a minute and try again.")
            )
        else:
            number = normalize_text(request.POST.get("number", "")).upper()
            phone = "".join(ch for ch in request.POST.get("phone", "") if ch.isdigit())
            if Application.objects.filter(number=number, applicant_phone=phone).exists():
                response = redirect("hall:portal_case", number=number)
                portal_proof.remember(request, response, number)
                return response
            messages.error(request, _("No application matches this number and phone."))
    return render(request, "hall/portal/track.html", {})


def case(request: HttpRequest, number: str) -> HttpResponse:
    proof = portal_proof.proved(request)
    application = _allowed_case(request, number, rating=True, proof=proof)
    db = Application.objects.db
    response = render(
        request,
        "hall/portal/case.html",
        {
            "application": application,
            "events": _kept.instances(
                ("events",),
                lambda key: CaseEvent.objects.filter(application_id=key).order_by("at", "id"),
                application.pk,
                using=db,
                placeholder=_ID,
                prepare=True,
            ),
            # One case's notices and one item's materials: their own order, with no join for the
            # case's or the item's. The materials are shown only to hand in corrections.
            "notices": _kept.instances(
                ("notices",),
                lambda key: Notice.objects.filter(application_id=key).order_by("sequence"),
                application.pk,
                using=db,
                placeholder=_ID,
                prepare=True,
            ),
            "materials": _kept.instances(
                ("materials",),
                lambda key: Material.objects.filter(item_id=key).order_by("position", "id"),
                application.item_id,
                using=db,
                placeholder=_ID,
                prepare=True,
            )
            if application.status == ApplicationStatus.AWAITING_CORRECTION
            else [],
            "rating": getattr(application, "rating", None),
            "rating_levels": RatingLevel.choices,
        },
    )
    portal_proof.touch(proof, response)
    return response


@limit_uploads(**PORTAL_UPLOADS)
@require_POST
def resubmit(request: HttpRequest, number: str) -> HttpResponse:
    application = _allowed_case(request, number)
    refusal = upload_refusal(request)
    if refusal:
        messages.error(request, nothing_submitted(refusal))
        return redirect("hall:portal_case", number=number)
    try:
        services.application_resubmit(
            application=application,
            uploads=_uploads(request, application.item),
            by=Resident(reference=number),
        )
        messages.success(request, _("Your corrections have been received."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("hall:portal_case", number=number)


@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    application = _allowed_case(request, number)
    try:
        services.rating_submit(
            application=application,
            level=int(request.POST.get("level", "0") or 0),
            comment=request.POST.get("comment", ""),
            by=Resident(reference=number),
        )
        messages.success(request, _("Thank you for your rating."))
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("hall:portal_case", number=number)


def receipt(request: HttpRequest, number: str) -> HttpResponse:
    return _pdf(receipt_pdf(_allowed_case(request, number)), f"{number}-receipt")


def notice(request: HttpRequest, number: str, sequence: int) -> HttpResponse:
    application = _allowed_case(request, number)
    return _pdf(
        notice_pdf(get_object_or_404(application.notices, sequence=sequence)), f"{number}-notice-{sequence}"
    )


def certificate(request: HttpRequest, number: str) -> HttpResponse:
    application = _allowed_case(request, number)
    if application.certificate is None:
        raise Http404
    if application.certificate.revoked_at is not None:
        raise PermissionDenied
    # The resident fetches their own certificate, but it carries a full ID number: logged as a
    # disclosure to the holder, so the trail shows every copy that left the system.
    disclosure_record(
        by=Resident(reference=number),
        kind="certificate_pdf_to_holder",
        count=1,
        fields=("name", "id_number"),
        object_type="certificates.certificate",
        object_id=str(application.certificate.pk),
        object_repr=application.certificate.number,
        area_code=application.certificate.audit_area_code(),
    )
    return _pdf(certificate_pdf(application.certificate), application.certificate.number)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
