"""The floating population's pages: thin, each write one service call; the village officer's departure
form is made for a phone. A refusal comes back on the form in the service's words, values kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import get_visible_or_404, visible_area
from jisheng.core.sealed_files import write_sealed
from jisheng.core.uploads import MB, limit_uploads, upload_refusal
from jisheng.hall import queries as hall_queries
from jisheng.registry.models import Person
from jisheng.registry.queries import SearchCriteria, person_search

from . import imports, queries, services
from .forms import (
    AnswerForm,
    ArrivalForm,
    BirthNoticeForm,
    CertificateCheckForm,
    ChecklistForm,
    ContraceptionForm,
    DayForm,
    DepartureForm,
    EducationForm,
    OutcomeForm,
    VerificationForm,
)
from .models import Arrival, Departure, Direction, MaritalCertificate, MoveImport, VerificationRequest

PAGE = queries.LIST_LIMIT


def _attempt(form: forms.Form, action: Callable[[], Any]) -> Any:
    """Run a service; a refusal goes onto the form (None is returned) instead of a server error."""
    try:
        return action()
    except (ValidationError, PermissionDenied) as refusal:
        text = "；".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        form.add_error(None, text or _("You may not take this step."))
        return None


@permissions.capability_required(Capability.READ_MIGRANTS)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "migrants/index.html",
        {
            "by_province": queries.away_by_province(user),
            "counts": queries.home_counts(user),
            "may_record": permissions.holds(user, Capability.RECORD_MIGRANTS),
            "may_verify": permissions.holds(user, Capability.HANDLE_VERIFICATIONS),
        },
    )


@permissions.capability_required(Capability.READ_MIGRANTS)
def away(request: AuthenticatedHttpRequest) -> HttpResponse:
    how = queries.AwayFilter(
        destination=(request.GET.get("destination") or "").strip()[:6],
        duration=request.GET.get("duration") or "",
        incomplete=request.GET.get("incomplete") == "1",
        returned=request.GET.get("returned") == "1",
    )
    rows = list(queries.persons_away(request.user, how)[:PAGE])
    today = timezone.localdate()
    return render(
        request,
        "migrants/away.html",
        {
            "rows": [(row, row.months_away(today)) for row in rows],
            "how": how,
            "durations": [
                ("lt6", _("under 6 months")),
                ("6to12", _("6–12 months")),
                ("1to3y", _("1–3 years")),
                ("gt3y", _("over 3 years")),
            ],
            "limit": PAGE,
        },
    )


@permissions.capability_required(Capability.RECORD_MIGRANTS)
def pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find the person leaving (name, pinyin or ID), then record the departure."""
    q = (request.GET.get("q") or "").strip()[:64]
    results = (
        [p for p in person_search(request.user, SearchCriteria(q=q)) if p.status == "alive"] if q else []
    )
    return render(request, "migrants/pick.html", {"q": q, "results": results})


@permissions.capability_required(Capability.RECORD_MIGRANTS)
def departure_new(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("residence_area"), request.user, pk=person_pk)
    form = DepartureForm(
        request.POST or None, initial={"left_on": timezone.localdate(), "contact_phone": person.phone}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        departure = _attempt(
            form,
            lambda: services.departure_record(
                person=person,
                destination=data["destination"],
                left_on=data["left_on"],
                reason=data["reason"],
                address=data["address"],
                employer=data["employer"],
                phone=data["phone"],
                contact_phone=data["contact_phone"],
                contraception=data["contraception"],
                agreement_signed=data["agreement_signed"],
                by=request.user,
            ),
        )
        if departure is not None:
            return redirect("migrants:departure", pk=departure.pk)
    return render(request, "migrants/departure_new.html", {"form": form, "person": person})


@permissions.capability_required(Capability.READ_MIGRANTS)
def departure(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(
        Departure.objects.select_related("person", "area", "certificate"), request.user, pk=pk
    )
    may_record = (
        permissions.may(request.user, Capability.RECORD_MIGRANTS, item.area_id) and item.returned_on is None
    )
    checklist = ChecklistForm(
        request.POST if request.POST.get("step") == "checklist" else None,
        initial={"contact_phone": item.contact_phone, "contraception": item.contraception},
        prefix="c",
    )
    back = DayForm(
        request.POST if request.POST.get("step") == "return" else None,
        initial={"day": timezone.localdate()},
        prefix="r",
    )
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if request.POST.get("step") == "checklist" and checklist.is_valid():
            data = checklist.cleaned_data
            if _attempt(
                checklist,
                lambda: services.departure_checklist_update(
                    departure=item,
                    contact_phone=data["contact_phone"],
                    contraception=data["contraception"],
                    agreement_signed_on=data["agreement_signed_on"],
                    by=request.user,
                ),
            ):
                return redirect("migrants:departure", pk=item.pk)
        if (
            request.POST.get("step") == "return"
            and back.is_valid()
            and _attempt(
                back,
                lambda: services.departure_return(
                    departure=item, returned_on=back.cleaned_data["day"], by=request.user
                ),
            )
        ):
            messages.success(request, _("The return was recorded."))
            return redirect("migrants:departure", pk=item.pk)
    certificate = item.certificate
    return render(
        request,
        "migrants/departure.html",
        {
            "item": item,
            "checklist": checklist,
            "back": back,
            "may_record": may_record,
            "may_issue": permissions.may(request.user, Capability.ISSUE_MARITAL_CERTIFICATE, item.area_id),
            "stale": certificate is not None and services.certificate_needs_reissue(certificate),
            "months": item.months_away(timezone.localdate()),
        },
    )


@require_POST
@permissions.capability_required(Capability.ISSUE_MARITAL_CERTIFICATE)
def certificate_issue(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.all(), request.user, pk=person_pk)
    try:
        certificate = services.marital_certificate_issue(person=person, by=request.user)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, "；".join(getattr(refusal, "messages", [str(refusal)])))
    else:
        messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
    target = Departure.objects.visible_to(request.user).filter(person=person).order_by("-left_on").first()
    if target is not None:
        return redirect("migrants:departure", pk=target.pk)
    return redirect("registry:person", pk=person.pk)


@permissions.capability_required(Capability.READ_MIGRANTS)
def checklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The township's 四个一 completeness, village by village."""
    user = request.user
    code = request.GET.get("township") or user.area_id
    township = visible_area(user, code) if code else None
    if township is None:
        raise Http404
    if township.level == Level.VILLAGE and township.parent is not None:
        township = township.parent
    townships: list[Area] = []
    if township.level < Level.TOWNSHIP:
        townships = list(Area.objects.filter(parent=township, valid_to__isnull=True).order_by("code"))
        rows: list[dict[str, Any]] = []
    else:
        rows = queries.checklist_by_village(user, township)
    return render(
        request, "migrants/checklist.html", {"township": township, "townships": townships, "rows": rows}
    )


@permissions.capability_required(Capability.READ_MIGRANTS)
def arrived(request: AuthenticatedHttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    rows = list(queries.persons_arrived(request.user, overdue=overdue)[:PAGE])
    return render(request, "migrants/arrived.html", {"rows": rows, "overdue": overdue, "limit": PAGE})


@permissions.capability_required(Capability.RECORD_MIGRANTS)
def arrival_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ArrivalForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        village = visible_area(user, data["village"])
        if village is None:
            raise Http404
        arrival = _attempt(
            form,
            lambda: services.arrival_record(
                village=village,
                id_number=data["id_number"],
                name=data["name"],
                origin=data["origin"],
                arrived_on=data["arrived_on"],
                phone=data["phone"],
                address=data["address"],
                employer=data["employer"],
                contraception=data["contraception"],
                pregnant=data["pregnant"],
                certificate_text=data["certificate"],
                by=user,
            ),
        )
        if arrival is not None:
            return redirect("migrants:arrival", pk=arrival.pk)
    return render(request, "migrants/arrival_new.html", {"form": form})


@permissions.capability_required(Capability.READ_MIGRANTS)
def arrival(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_visible_or_404(Arrival.objects.select_related("person", "area"), user, pk=pk)
    step = request.POST.get("step", "")
    may_record = permissions.may(user, Capability.RECORD_MIGRANTS, item.area_id) and item.left_on is None
    may_verify = permissions.may(user, Capability.HANDLE_VERIFICATIONS, item.area_id) and bool(
        item.origin_code
    )
    check = CertificateCheckForm(request.POST if step == "check" else None, prefix="k")
    contraception = ContraceptionForm(
        request.POST if step == "contraception" else None,
        initial={"start_date": timezone.localdate()},
        prefix="m",
    )
    ask = VerificationForm(request.POST if step == "verify" else None, prefix="v")
    leave = DayForm(
        request.POST if step == "leave" else None, initial={"day": timezone.localdate()}, prefix="l"
    )
    birth = BirthNoticeForm(
        request.POST if step == "birth" else None, initial={"born_on": timezone.localdate()}, prefix="b"
    )
    if request.method == "POST":
        if not (may_record or (step == "verify" and may_verify)):
            raise PermissionDenied
        done: Any = None
        if step == "check" and check.is_valid():
            done = _attempt(
                check,
                lambda: services.arrival_certificate_check(
                    arrival=item, text=check.cleaned_data["text"], by=user
                ),
            )
        elif step == "contraception" and contraception.is_valid():
            data = contraception.cleaned_data
            done = _attempt(
                contraception,
                lambda: services.arrival_contraception_record(
                    arrival=item,
                    method=data["method"],
                    start_date=data["start_date"],
                    provider=data["provider"],
                    by=user,
                ),
            )
        elif step == "notice":
            done = _attempt(
                check, lambda: services.arrival_notice_give(arrival=item, on=timezone.localdate(), by=user)
            )
        elif step == "verify" and ask.is_valid():
            done = _attempt(
                ask,
                lambda: services.verification_send(
                    area=item.area,
                    peer_area_code=item.origin_code,
                    id_number=item.person.id_number,
                    name=item.person.name,
                    question=ask.cleaned_data["question"],
                    pregnant=item.pregnant,
                    person=item.person,
                    need_arose_on=ask.cleaned_data.get("need_arose_on") or item.arrived_on,
                    by=user,
                ),
            )
        elif step == "leave" and leave.is_valid():
            done = _attempt(
                leave,
                lambda: services.arrival_leave(arrival=item, left_on=leave.cleaned_data["day"], by=user),
            )
        elif step == "birth" and birth.is_valid():
            born = birth.cleaned_data
            done = _attempt(
                birth,
                lambda: services.arrival_birth_notify(
                    arrival=item,
                    born_on=born["born_on"],
                    sex=born["sex"],
                    child_name=born["child_name"],
                    child_id_number=born["child_id_number"],
                    place=born["place"],
                    by=user,
                ),
            )
            if done is not None:
                messages.success(request, _("The birth was notified to the home county."))
        if done is not None:
            return redirect("migrants:arrival", pk=item.pk)
    return render(
        request,
        "migrants/arrival.html",
        {
            "item": item,
            "check": check,
            "contraception": contraception,
            "ask": ask,
            "leave": leave,
            "birth": birth,
            "births": queries.birth_notices_of(item, user),
            "may_record": may_record,
            "may_verify": may_verify,
            "send_by": services.send_by(item.arrived_on) if item.origin_code else None,
            "overdue": not item.certificate_valid and timezone.localdate() > item.certificate_due_on,
        },
    )


@permissions.capability_required(Capability.READ_MIGRANTS)
def verifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    direction = Direction.OUT if request.GET.get("direction") == "out" else Direction.IN
    open_only = request.GET.get("all") != "1"
    rows = list(queries.verification_queue(request.user, direction=direction, open_only=open_only)[:PAGE])
    return render(
        request,
        "migrants/verifications.html",
        {
            "rows": rows,
            "direction": direction,
            "open_only": open_only,
            "today": timezone.localdate(),
            "limit": PAGE,
        },
    )


@permissions.capability_required(Capability.READ_MIGRANTS)
def verification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_visible_or_404(
        VerificationRequest.objects.select_related("area", "owner", "person"), user, pk=pk
    )
    may_answer = (
        item.direction == Direction.IN
        and item.status == "open"
        and permissions.may(user, Capability.HANDLE_VERIFICATIONS, item.area_id)
    )
    may_notify_outcome = (
        item.direction == Direction.OUT
        and item.status == "answered"
        and item.outcome_notified_on is None
        and permissions.may(user, Capability.HANDLE_VERIFICATIONS, item.area_id)
    )
    form = AnswerForm(request.POST if request.POST.get("step") != "outcome" else None)
    outcome = OutcomeForm(request.POST if request.POST.get("step") == "outcome" else None)
    if request.method == "POST" and request.POST.get("step") == "outcome":
        if not may_notify_outcome:
            raise PermissionDenied
        if outcome.is_valid() and _attempt(
            outcome,
            lambda: services.verification_outcome_notify(
                verification=item, outcome=outcome.cleaned_data["outcome"], by=user
            ),
        ):
            messages.success(request, _("The outcome was recorded as notified."))
            return redirect("migrants:verification", pk=item.pk)
    elif request.method == "POST":
        if not may_answer:
            raise PermissionDenied
        if request.POST.get("step") == "take":
            services.verification_take(verification=item, by=user)
            return redirect("migrants:verification", pk=item.pk)
        if form.is_valid() and _attempt(
            form,
            lambda: services.verification_answer(
                verification=item, answer=form.cleaned_data["answer"], by=user
            ),
        ):
            messages.success(request, _("The answer was sent."))
            return redirect("migrants:verification", pk=item.pk)
    return render(
        request,
        "migrants/verification.html",
        {
            "item": item,
            "form": form,
            "may_answer": may_answer,
            "outcome": outcome,
            "may_notify_outcome": may_notify_outcome,
            "today": timezone.localdate(),
            "records": hall_queries.accountability_of_subjects(
                [services.accountability_subject(item, clock) for clock in ("", "send", "outcome")]
            ),
        },
    )


@permissions.capability_required(Capability.RECORD_MIGRANTS)
def education_new(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.all(), request.user, pk=person_pk)
    form = EducationForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            form,
            lambda: services.education_session_record(
                person=person,
                held_on=data["held_on"],
                topic=data["topic"],
                place=data["place"],
                educator=data["educator"],
                by=request.user,
            ),
        ):
            messages.success(request, _("The session was recorded."))
            return redirect("registry:person", pk=person.pk)
    certificates = MaritalCertificate.objects.visible_to(request.user).filter(person=person)[:5]
    return render(
        request, "migrants/education_new.html", {"form": form, "person": person, "certificates": certificates}
    )


@permissions.capability_required(Capability.READ_MIGRANTS)
def reissue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """婚育证明 due for re-issue: expiring within N days, or the holder's marital or birth status changed
    since issue; per township, each with its re-issue action."""
    try:
        days = max(0, min(int(request.GET.get("days") or queries.REISSUE_DAYS), 3650))
    except ValueError:
        days = queries.REISSUE_DAYS
    township = request.GET.get("township", "")
    township = township if township.isdigit() and len(township) == 12 else ""
    rows = list(queries.certificates_due_for_reissue(request.user, days=days, township=township)[:PAGE])
    return render(
        request,
        "migrants/reissue.html",
        {
            "rows": rows,
            "days": days,
            "township": township,
            "today": timezone.localdate(),
            "limit": PAGE,
            "may_issue": permissions.holds(request.user, Capability.ISSUE_MARITAL_CERTIFICATE),
        },
    )


# --- moves arriving by import ----------------------------------------------------------------------------

IMPORT_SUFFIXES = (".xlsx", ".csv")
IMPORT_MAX_BYTES = 10 * MB


@limit_uploads(max_files=1, max_file_bytes=IMPORT_MAX_BYTES, max_total_bytes=IMPORT_MAX_BYTES)
@permissions.capability_required(Capability.RECORD_MIGRANTS)
def move_imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a file of departures or arrivals; the job reads and writes it (all rows or none)."""
    error = ""
    if request.method == "POST":
        refusal = upload_refusal(request)
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        if refusal:
            error = _("The file was not received: %(reason)s Only .xlsx and .csv files up to 10 MB.") % {
                "reason": refusal
            }
        elif upload is None or kind not in MoveImport.Kind.values:
            error = _("Choose departures or arrivals, and a file.")
        elif (
            Path(upload.name or "").suffix.lower() not in IMPORT_SUFFIXES
            or (upload.size or 0) > IMPORT_MAX_BYTES
        ):
            error = _("Only .xlsx and .csv files up to 10 MB can be imported.")
        else:
            try:
                job = services.move_import_create(kind=kind, file_name=upload.name or "", by=request.user)
            except (ValidationError, PermissionDenied) as refusal_of_service:
                error = imports.refusal_text(refusal_of_service)
            else:
                folder = Path(settings.MEDIA_ROOT) / "migrant-imports"
                folder.mkdir(parents=True, exist_ok=True)
                stored = folder / f"{job.pk}{Path(upload.name or '').suffix.lower()}"
                write_sealed(stored, upload.chunks())  # SM4-GCM at rest, streamed
                services.move_import_update(job=job, stored_path=str(stored))
                imports.launch(job, user_pk=request.user.pk)
                return redirect("migrants:move_import", pk=job.pk)
    jobs = MoveImport.objects.visible_to(request.user).select_related("created_by")[:20]
    return render(
        request,
        "migrants/imports.html",
        {"jobs": jobs, "error": error, "kinds": MoveImport.Kind.choices, "columns": imports.COLUMNS},
    )


@permissions.capability_required(Capability.RECORD_MIGRANTS)
def move_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The job's progress (polled by htmx while it runs) and, when it ends, what was written or why
    nothing was."""
    job = get_visible_or_404(MoveImport.objects.select_related("created_by"), request.user, pk=pk)
    done, total = imports.progress_of(job)
    running = job.status in (MoveImport.Status.QUEUED, MoveImport.Status.RUNNING)
    context = {"job": job, "done": done, "total": total, "running": running, "errors": job.errors[:500]}
    if not request.headers.get("HX-Request"):
        return render(request, "migrants/import.html", context)
    if running:  # the poll: only the figures, the rest of the card stays as the reader left it
        return render(request, "migrants/_import_progress_live.html", context)
    response = render(request, "migrants/_import_progress.html", context)
    response["HX-Retarget"] = "#progress"  # ended: the whole card once, with the refused rows
    response["HX-Reswap"] = "outerHTML"
    return response


@permissions.capability_required(Capability.RECORD_MIGRANTS)
def move_import_template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in MoveImport.Kind.values:
        raise Http404
    response = HttpResponse(
        imports.template_workbook(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = "流出人员导入模板.xlsx" if kind == MoveImport.Kind.DEPARTURES else "流入人员导入模板.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
