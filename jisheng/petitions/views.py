"""Staff pages: the responsible person's list, matters, a matter's discussion (一事一议) with its steps,
the person's file (一人一档), the ledger, outings, surveys, risk, screening and the figures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.core.text import normalize_text
from jisheng.core.uploads import limit_uploads, nothing_submitted, upload_refusal

from . import pdfs, queries, services
from .models import (
    Attachment,
    Channel,
    Matter,
    MatterField,
    MatterKind,
    MatterStatus,
    Opinion,
    PetitionerFile,
    PetitionerKind,
    RiskGrade,
)
from .views_common import UPLOADS as UPLOADS
from .views_common import Request as Request
from .views_common import _area as _area
from .views_common import _date as _date
from .views_common import _errors as _errors
from .views_common import _staff_of as _staff_of
from .views_common import _uploads as _uploads


@permissions.capability_required(Capability.READ_PETITIONS)
def home(request: Request) -> HttpResponse:
    """The responsible person's open matters (nearest limit first) and the area's matters, a page each:
    a fixed number of queries whatever the number of matters."""
    status = request.GET.get("status", "open")
    q = normalize_text(request.GET.get("q", ""))[:50]
    return render(
        request,
        "petitions/home.html",
        {
            "mine": queries.my_open_matters(request.user, page=queries.page_number(request.GET.get("mine"))),
            "counts": queries.my_counts(request.user),
            "matters": queries.matter_list(
                request.user, status=status, q=q, page=queries.page_number(request.GET.get("page"))
            ),
            "status": status,
            "q": q,
            "keep": urlencode({"status": status, "q": q}) + "&",
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


# The ledger and outings, surveys, risk and figures have modules of their own; the URLconf and callers
# keep naming their pages here.
from .views_ledger import _items_from_text as _items_from_text  # noqa: E402
from .views_ledger import ledger as ledger  # noqa: E402
from .views_ledger import ledger_export as ledger_export  # noqa: E402
from .views_ledger import ledger_item as ledger_item  # noqa: E402
from .views_ledger import ledger_new as ledger_new  # noqa: E402
from .views_ledger import ledger_take as ledger_take  # noqa: E402
from .views_ledger import outings as outings  # noqa: E402
from .views_surveys import figures as figures  # noqa: E402
from .views_surveys import risk as risk  # noqa: E402
from .views_surveys import survey as survey  # noqa: E402
from .views_surveys import survey_edit as survey_edit  # noqa: E402
from .views_surveys import survey_state as survey_state  # noqa: E402
from .views_surveys import surveys as surveys  # noqa: E402
