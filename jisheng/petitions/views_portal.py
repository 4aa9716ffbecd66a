"""The public side: a resident files a petition or a suggestion, gets a number and a code, follows it,
reads the reply (PDF), rates it and asks for a review. Rate-limited; uploads bounded and checked by their
first bytes as the hall's materials are. The resident acts as ``Resident(reference=<number>)``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.areas.models import Area, Level
from jisheng.core.actor import Resident
from jisheng.core.ratelimit import allow
from jisheng.core.text import normalize_text
from jisheng.core.uploads import MB, limit_uploads, nothing_submitted, upload_refusal

from . import pdfs, services
from .models import Channel, Matter, MatterField, MatterKind, MatterStatus, Survey
from .views_surveys import answers_from

SESSION_KEY = "petitions_portal_matters"
PORTAL_UPLOADS = {
    "max_files": 3,
    "max_file_bytes": services.matters.MAX_ATTACHMENT_BYTES,
    "max_total_bytes": 20 * MB,
}
TOO_MANY = "Too many attempts from your address. Please wait a minute and try again."


def _remember(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != number][-19:]
    request.session[SESSION_KEY] = [*numbers, number]


def _allowed(request: HttpRequest, number: str) -> Matter:
    """Only the numbers this browser proved (number + phone, or number + code) are shown."""
    if number not in request.session.get(SESSION_KEY, []):
        raise Http404
    try:
        return Matter.objects.select_related("file", "area").get(number=number)
    except Matter.DoesNotExist as exc:
        raise Http404 from exc


def _townships() -> list[Area]:
    return list(Area.objects.filter(level=Level.TOWNSHIP, valid_to__isnull=True).order_by("code"))


@limit_uploads(**PORTAL_UPLOADS)
def file_new(request: HttpRequest) -> HttpResponse:
    values = {
        "kind": "petition",
        "field": "other",
        "name": "",
        "phone": "",
        "title": "",
        "facts": "",
        "area": "",
    }
    if request.method == "POST":
        values = {key: normalize_text(request.POST.get(key, "")) for key in values}
        values["facts"] = request.POST.get("facts", "").strip()
        refusal = upload_refusal(request)
        if refusal:
            messages.error(request, nothing_submitted(refusal))
        elif not allow(request, "portal-petition", limit=5):
            messages.error(request, _(TOO_MANY))
        else:
            try:
                area = Area.objects.filter(code=values["area"], level=Level.TOWNSHIP).first()
                if area is None:
                    raise ValidationError(_("“Township”: choose the township the matter concerns"))
                anonymous = values["kind"] == MatterKind.SUGGESTION and not values["name"]
                by = Resident(reference="portal")
                petitioner = services.file_open(
                    area=area,
                    kind="anonymous" if anonymous else "person",
                    name=values["name"],
                    phone=values["phone"],
                    by=by,
                )
                if values["kind"] not in (MatterKind.PETITION, MatterKind.SUGGESTION, MatterKind.COMPLAINT):
                    raise ValidationError(_("“Kind”: choose petition, complaint or suggestion"))
                matter = services.matter_receive(
                    file=petitioner,
                    area=area,
                    kind=values["kind"],
                    channel=Channel.ONLINE,
                    field=values["field"],
                    title=values["title"],
                    facts=values["facts"],
                    uploads=[
                        services.Upload(f.name or "file", f.read()) for f in request.FILES.getlist("files")
                    ],
                    by=by,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                _remember(request, matter.number)
                messages.success(
                    request,
                    _("Received. Your number is %(number)s and your query code %(code)s: keep both.")
                    % {"number": matter.number, "code": matter.access_code},
                )
                return redirect("petitions:portal_matter", number=matter.number)
    return render(
        request,
        "petitions/portal/new.html",
        {
            "values": values,
            "fields": MatterField.choices,
            "townships": _townships(),
            "kinds": [(k.value, k.label) for k in MatterKind],
        },
    )


def track(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not allow(request, "portal-petition-track", limit=20):
            messages.error(request, _(TOO_MANY))
        else:
            number = normalize_text(request.POST.get("number", "")).upper()
            secret = normalize_text(request.POST.get("secret", "")).upper()
            digits = "".join(ch for ch in secret if ch.isdigit())
            found = Matter.objects.filter(number=number).select_related("file").first()
            if (
                found is not None
                and secret
                and (secret == found.access_code or (len(digits) >= 7 and digits == found.file.phone))
            ):
                _remember(request, number)
                return redirect("petitions:portal_matter", number=number)
            messages.error(request, _("No matter matches this number and phone or code."))
    return render(request, "petitions/portal/track.html", {})


def matter(request: HttpRequest, number: str) -> HttpResponse:
    found = _allowed(request, number)
    return render(
        request,
        "petitions/portal/matter.html",
        {
            "matter": found,
            "events": found.events.all(),
            "may_rate": found.status in (MatterStatus.REPLIED, MatterStatus.REVIEWED, MatterStatus.CLOSED)
            and not found.satisfaction,
            "may_review": found.status in (MatterStatus.REPLIED, MatterStatus.REVIEWED) and not found.final,
        },
    )


@require_POST
def act(request: HttpRequest, number: str, name: str) -> HttpResponse:
    found = _allowed(request, number)
    if not allow(request, "portal-petition-act", limit=10):
        messages.error(request, _(TOO_MANY))
        return redirect("petitions:portal_matter", number=number)
    by = Resident(reference=number)
    try:
        if name == "rate":
            services.matter_rate(matter=found, satisfaction=request.POST.get("satisfaction", ""), by=by)
        elif name == "review":
            services.review_request(matter=found, reason=request.POST.get("reason", ""), by=by)
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Received."))
    return redirect("petitions:portal_matter", number=number)


def document(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    found = _allowed(request, number)
    if kind == "acceptance" and found.accepted_on is not None:
        data = pdfs.acceptance_pdf(found)
    elif kind == "reply" and found.reply:
        data = pdfs.reply_pdf(found)
    else:
        raise Http404
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}-{kind}.pdf"'
    return response


def survey(request: HttpRequest, key: str) -> HttpResponse:
    """A survey filled online (征求意见表): every question with choices answered, rate-limited, no name
    asked; outside its period (or once closed) the page says so."""
    try:
        found = Survey.objects.get(public_key=key, open=True)
    except Survey.DoesNotExist as exc:
        raise Http404 from exc
    questions = list(found.questions.all())
    if request.method == "POST":
        if not allow(request, "portal-survey", limit=5):
            messages.error(request, _(TOO_MANY))
        else:
            try:
                services.survey_answer(
                    survey=found,
                    answers=answers_from(request.POST, questions),
                    comment=request.POST.get("comment", ""),
                    by=Resident(reference=f"survey {found.pk}"),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Thank you: your answers were received."))
                return redirect("petitions:portal_new")
    return render(
        request,
        "petitions/portal/survey.html",
        {"survey": found, "questions": questions, "accepts": services.accepts_online(found)},
    )
