"""Staff pages: the responsible person's list, matters, a matter's discussion (一事一议) with its steps,
the person's file (一人一档), the ledger, outings, surveys, risk, screening and the figures."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.models import User
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.areas.scoping import get_visible_or_404, visible_area
from jisheng.core.text import normalize_text
from jisheng.core.uploads import MB, limit_uploads, nothing_submitted, upload_refusal
from jisheng.hall import queries as hall_queries
from jisheng.outreach import queries as outreach_queries

from . import pdfs, queries, services
from .models import (
    Attachment,
    Channel,
    LedgerItem,
    LedgerSource,
    Matter,
    MatterField,
    MatterKind,
    MatterStatus,
    Opinion,
    Outing,
    PetitionerFile,
    PetitionerKind,
    RiskAssessment,
    RiskGrade,
    Survey,
)


def _area(user: Any, code: str | None) -> Area:
    """An area the user may see (their own when none is named), or a refusal naming the field."""
    found = visible_area(user, code or "") if code else getattr(user, "area", None)
    if found is None:
        raise ValidationError(_("“Area”: no such area in yours"))
    return found  # type: ignore[no-any-return]


UPLOADS = {
    "max_files": 6,
    "max_file_bytes": services.matters.MAX_ATTACHMENT_BYTES,
    "max_total_bytes": 30 * MB,
}
Request = AuthenticatedHttpRequest


def _errors(request: Request, exc: ValidationError | PermissionDenied) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _date(value: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(_("“%(field)s”: enter a date like 2026-04-10") % {"field": field}) from exc


def _uploads(request: Request, name: str) -> list[services.Upload]:
    return [services.Upload(f.name or "file", f.read()) for f in request.FILES.getlist(name)]


def _staff_of(request: Request, username: str, field: str) -> User:
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise ValidationError(
            _("“%(field)s”: no staff member “%(name)s”") % {"field": field, "name": username}
        )
    return user


@permissions.capability_required(Capability.READ_PETITIONS)
def home(request: Request) -> HttpResponse:
    status = request.GET.get("status", "open")
    q = normalize_text(request.GET.get("q", ""))[:50]
    return render(
        request,
        "petitions/home.html",
        {
            "mine": queries.my_open_matters(request.user),
            "matters": queries.matter_list(request.user, status=status, q=q),
            "status": status,
            "q": q,
            "statuses": MatterStatus.choices,
            "may_handle": permissions.holds(request.user, Capability.HANDLE_PETITIONS),
        },
    )


@limit_uploads(**UPLOADS)
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def new(request: Request) -> HttpResponse:
    values: dict[str, Any] = {
        "kind": "petition",
        "channel": "visit",
        "field": "other",
        "petitioner": "person",
    }
    if request.method == "POST":
        keys = ["petitioner", "name", "phone", "address", "id_number", "representatives", "area"]
        keys += ["kind", "channel", "field", "title", "risk", "repeat_of"]
        values = {k: normalize_text(request.POST.get(k, "")) for k in keys}
        values["facts"] = request.POST.get("facts", "")
        refusal = upload_refusal(request)
        if refusal:
            messages.error(request, nothing_submitted(refusal))
        else:
            try:
                area = _area(request.user, values.get("area"))
                petitioner = services.file_open(
                    area=area,
                    kind=values.get("petitioner", ""),
                    name=values.get("name", ""),
                    phone=values.get("phone", ""),
                    address=values.get("address", ""),
                    id_number=values.get("id_number", ""),
                    representatives=values.get("representatives", "").replace("，", ",").split(","),
                    by=request.user,
                )
                repeat = values.get("repeat_of", "").strip()
                repeat_of = (
                    get_visible_or_404(Matter.objects.all(), request.user, number=repeat) if repeat else None
                )
                matter = services.matter_receive(
                    file=petitioner,
                    area=area,
                    kind=values.get("kind", ""),
                    channel=values.get("channel", ""),
                    field=values.get("field", ""),
                    title=values.get("title", ""),
                    facts=request.POST.get("facts", ""),
                    risk=values.get("risk", "low"),
                    repeat_of=repeat_of,
                    uploads=_uploads(request, "files"),
                    by=request.user,
                )
            except (ValidationError, PermissionDenied) as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Matter %(number)s recorded.") % {"number": matter.number})
                return redirect("petitions:matter", pk=matter.pk)
    return render(
        request,
        "petitions/new.html",
        {
            "values": values,
            "kinds": MatterKind.choices,
            "channels": Channel.choices,
            "fields": MatterField.choices,
            "petitioners": PetitionerKind.choices,
            "risks": RiskGrade.choices,
        },
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def matter(request: Request, pk: int) -> HttpResponse:
    item = queries.matter_for_page(request.user, pk)
    user = request.user
    return render(
        request,
        "petitions/matter.html",
        {
            "matter": item,
            **queries.matter_details(item),
            "may_handle": permissions.may(user, Capability.HANDLE_PETITIONS, item.area_id),
            "may_approve": permissions.may(user, Capability.APPROVE_PETITION_EXTENSION, item.area_id)
            and permissions.may_take(user, earlier={"propose": item.extension_requested_by}),
            "may_review": permissions.may(user, Capability.ANSWER_PETITION_REVIEW, item.area_id)
            and user.area_id != item.area_id,
            "opinions": Opinion.choices,
            "today": timezone.localdate(),
        },
    )


STEPS = {
    "accept",
    "object",
    "transfer",
    "extend",
    "approve",
    "reply",
    "review",
    "close",
    "rate",
    "ask_review",
}


@limit_uploads(**UPLOADS)  # outermost: nothing may read the form before the limits are set
@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def visit(request: Request, pk: int) -> HttpResponse:
    """A meeting or visit with its photos (a multipart form, its uploads bounded)."""
    item = queries.matter_for_page(request.user, pk)
    post = request.POST
    refusal = upload_refusal(request)
    if refusal:
        messages.error(request, nothing_submitted(refusal))
        return redirect("petitions:matter", pk=pk)
    try:
        services.meeting_record(
            matter=item,
            held_on=_date(post.get("held_on", ""), _("Held on")),
            attendees=post.get("attendees", ""),
            place=post.get("place", ""),
            said=post.get("said", ""),
            photos=_uploads(request, "photos"),
            by=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:matter", pk=pk)


@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def step(request: Request, pk: int, name: str) -> HttpResponse:
    """One step of the matter (a form on its page): each calls its service, which checks the area."""
    item = queries.matter_for_page(request.user, pk)
    post = request.POST
    by = request.user
    try:
        if name == "accept":
            services.matter_accept(matter=item, by=by)
        elif name == "object":
            services.matter_object(matter=item, reason=post.get("reason", ""), by=by)
        elif name == "transfer":
            services.matter_transfer(
                matter=item,
                to=_staff_of(request, post.get("to", ""), _("Responsible person")),
                reason=post.get("reason", ""),
                by=by,
            )
        elif name == "extend":
            services.extension_request(
                matter=item, days=int(post.get("days") or 0), reason=post.get("reason", ""), by=by
            )
        elif name == "approve":
            services.extension_approve(matter=item, by=by)
        elif name == "reply":
            services.matter_reply(
                matter=item,
                opinion=post.get("opinion", ""),
                legal_basis=post.get("legal_basis", ""),
                reply=post.get("reply", ""),
                by=by,
            )
        elif name == "review":
            services.review_answer(matter=item, answer=post.get("answer", ""), by=by)
        elif name == "close":
            services.matter_close(matter=item, by=by)
        else:
            raise PermissionDenied
    except ValueError:
        messages.error(request, _("“Extension”: enter a number of days"))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:matter", pk=pk)


@permissions.capability_required(Capability.READ_PETITIONS)
def acceptance_notice(request: Request, pk: int) -> HttpResponse:
    item = queries.matter_for_page(request.user, pk)
    if item.accepted_on is None:
        raise PermissionDenied(_("The matter has not been accepted."))
    return HttpResponse(pdfs.acceptance_pdf(item), content_type="application/pdf")


@permissions.capability_required(Capability.READ_PETITIONS)
def reply_document(request: Request, pk: int) -> HttpResponse:
    item = queries.matter_for_page(request.user, pk)
    if not item.reply:
        raise PermissionDenied(_("The matter has not been replied to."))
    return HttpResponse(pdfs.reply_pdf(item), content_type="application/pdf")


@permissions.capability_required(Capability.READ_PETITIONS)
def attachment(request: Request, pk: int, attachment_pk: int) -> HttpResponse:
    item = queries.matter_for_page(request.user, pk)
    found = get_object_or_404(Attachment, matter=item, pk=attachment_pk)
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permissions.capability_required(Capability.READ_PETITIONS)
def petitioner_file(request: Request, pk: int) -> HttpResponse:
    file = get_visible_or_404(PetitionerFile.objects.select_related("person", "area"), request.user, pk=pk)
    return render(
        request, "petitions/file.html", {"file": file, "history": queries.file_history(file, request.user)}
    )


def _items_from_text(request: Request, text: str) -> list[services.NewItem]:
    """One suggestion a line: item | responsible (username) | office | deadline (a date such as 2026-12-01)."""
    items = []
    for number, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 4:
            raise ValidationError(
                _("Line %(n)s: write “item | responsible | office | deadline”") % {"n": number}
            )
        title, who, office, deadline = parts
        label = _("Line %(n)s, deadline") % {"n": number}
        items.append(
            services.NewItem(
                title=title,
                responsible=_staff_of(request, who, _("Line %(n)s, responsible") % {"n": number}),
                office=office,
                deadline=_date(deadline, str(label)),
            )
        )
    return items


@permissions.capability_required(Capability.READ_PETITIONS)
def ledger(request: Request) -> HttpResponse:
    status = request.GET.get("status", "")
    items = queries.ledger_list(request.user, status=status)
    page = list(items[:200])
    return render(
        request,
        "petitions/ledger.html",
        {
            "items": page,
            "status": status,
            "today": timezone.localdate(),
            "sources": LedgerSource.choices,
            "may_handle": permissions.holds(request.user, Capability.HANDLE_PETITIONS),
            "may_export": permissions.holds(request.user, Capability.EXPORT_PETITION_LEDGER),
            "handoffs": list(outreach_queries.handoffs(request.user)[:20]),
        },
    )


@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def ledger_take(request: Request) -> HttpResponse:
    """Take an outreach visit's hand-off, or the hall's bad rating of a case, into the ledger."""
    post = request.POST
    try:
        item = services.NewItem(
            title=post.get("title", ""),
            responsible=_staff_of(request, post.get("responsible", ""), _("Responsible person")),
            office=post.get("office", ""),
            deadline=_date(post.get("deadline", ""), _("Deadline")),
        )
        if post.get("handoff"):
            handoff = get_object_or_404(outreach_queries.handoffs(request.user), pk=post.get("handoff"))
            services.ledger_from_handoff(handoff=handoff, item=item, by=request.user)
        else:
            number = normalize_text(post.get("application", "")).upper()
            rating = hall_queries.bad_rating_of_case(request.user, number)
            if rating is None:
                raise ValidationError(_("“Case number”: no bad rating of this case in your area"))
            services.ledger_from_bad_rating(rating=rating, item=item, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:ledger")


@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def ledger_new(request: Request) -> HttpResponse:
    post = request.POST
    try:
        area = _area(request.user, post.get("area"))
        services.ledger_item_create(
            area=area,
            item=services.NewItem(
                title=post.get("title", ""),
                responsible=_staff_of(request, post.get("responsible", ""), _("Responsible person")),
                office=post.get("office", ""),
                deadline=_date(post.get("deadline", ""), _("Deadline")),
            ),
            source=post.get("source", ""),
            source_ref=post.get("source_ref", ""),
            by=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:ledger")


@permissions.capability_required(Capability.READ_PETITIONS)
def ledger_item(request: Request, pk: int) -> HttpResponse:
    item = get_visible_or_404(
        LedgerItem.objects.select_related("responsible", "outing", "matter"), request.user, pk=pk
    )
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("step") == "close":
                services.ledger_close(
                    item=item,
                    satisfaction=post.get("satisfaction", ""),
                    summary=post.get("summary", ""),
                    by=request.user,
                )
            else:
                services.ledger_progress(
                    item=item, text=post.get("text", ""), evidence=post.get("evidence", ""), by=request.user
                )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("petitions:ledger_item", pk=pk)
    return render(
        request,
        "petitions/ledger_item.html",
        {
            "item": item,
            "notes": item.notes.all(),
            "may_handle": permissions.may(request.user, Capability.HANDLE_PETITIONS, item.area_id),
        },
    )


@require_POST
@permissions.capability_required(Capability.EXPORT_PETITION_LEDGER)
def ledger_export(request: Request) -> HttpResponse:
    items = list(
        queries.ledger_list(request.user, status=request.POST.get("status", "")).prefetch_related("notes")
    )
    try:
        data = services.ledger_export(
            items=items,
            reason=request.POST.get("reason", ""),
            area_code=request.user.area_id or "",
            by=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("petitions:ledger")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ledger-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@permissions.capability_required(Capability.READ_PETITIONS)
def outings(request: Request) -> HttpResponse:
    values: dict[str, str] = {}
    if request.method == "POST":
        if not permissions.holds(request.user, Capability.HANDLE_PETITIONS):
            raise PermissionDenied
        values = {
            k: request.POST.get(k, "")
            for k in ("held_on", "title", "walkers", "route", "heard", "groups", "items")
        }
        try:
            area = _area(request.user, None)
            items = _items_from_text(request, values["items"])
            from django.db import transaction

            with transaction.atomic():
                outing = services.outing_record(
                    area=area,
                    held_on=_date(values["held_on"], _("Held on")),
                    title=values["title"],
                    walkers=values["walkers"],
                    route=values["route"],
                    heard=values["heard"],
                    groups=int(values["groups"] or 1),
                    by=request.user,
                )
                if items:
                    services.outing_suggestions_to_ledger(outing=outing, items=items, by=request.user)
        except ValueError:
            messages.error(request, _("“Groups”: enter a number"))
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("Outing recorded; %(count)s suggestions put on the ledger.") % {"count": len(items)},
            )
            return redirect("petitions:ledger")
    return render(
        request,
        "petitions/outings.html",
        {
            "outings": list(Outing.objects.visible_to(request.user).select_related("created_by")[:50]),
            "values": values,
        },
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def surveys(request: Request) -> HttpResponse:
    return render(
        request,
        "petitions/surveys.html",
        {"surveys": list(Survey.objects.visible_to(request.user)[:50])},
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def survey(request: Request, pk: int) -> HttpResponse:
    found = get_visible_or_404(Survey.objects.all(), request.user, pk=pk)
    if request.method == "POST":
        answers = {}
        for question in found.questions.all():
            raw = request.POST.get(f"q{question.position}", "")
            if raw.isdigit():
                answers[question.position] = int(raw)
        try:
            services.survey_answer(
                survey=found, answers=answers, comment=request.POST.get("comment", ""), by=request.user
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Form entered."))
        return redirect("petitions:survey", pk=pk)
    return render(
        request,
        "petitions/survey.html",
        {
            "survey": found,
            "questions": found.questions.all(),
            "figures": queries.survey_figures(found),
            "returned": found.responses.count(),
        },
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def risk(request: Request) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        try:
            area = _area(user, None)
            if request.POST.get("step") == "screening":
                services.screening_review(
                    area=area, month=timezone.localdate(), note=request.POST.get("note", ""), by=user
                )
            else:
                services.risk_assess(
                    area=area,
                    project=request.POST.get("project", ""),
                    grade=request.POST.get("grade", ""),
                    findings=request.POST.get("findings", ""),
                    by=user,
                )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("petitions:risk")
    own_area = user.area
    return render(
        request,
        "petitions/risk.html",
        {
            "assessments": list(RiskAssessment.objects.visible_to(user).select_related("assessed_by")[:50]),
            "screening": queries.screening_list(own_area, timezone.localdate()) if own_area else [],
            "grades": RiskGrade.choices,
            "may_assess": permissions.holds(user, Capability.ASSESS_STABILITY_RISK),
        },
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def figures(request: Request) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or today.month)
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    return render(
        request,
        "petitions/figures.html",
        {
            "year": year,
            "month": month,
            "monthly": queries.monthly_figures(request.user, year, month),
            "yearly": queries.yearly_report(request.user, year),
        },
    )
