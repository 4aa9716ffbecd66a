"""Pages of the benefit process. Thin: every read starts from ``visible_to(user)``, every change is a
service call; a refused step comes back as a message on the batch page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability, may_take
from jisheng.areas.models import Area
from jisheng.areas.scoping import get_visible_or_404, visible_area
from jisheng.audit.disclosure import disclosure_record
from jisheng.core import jobs as core_jobs
from jisheng.core import polled

from . import engine, jobs, queries, services, whatif
from .models import Batch, BatchJob, Line, Objection, Payment
from .payee import clean_account
from .rules import get_programme, programmes


def _message_errors(request: HttpRequest, action: Callable[[], Any], done: str) -> bool:
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc) or _("Not allowed.")
        messages.error(request, text)
        return False
    messages.success(request, done)
    return True


def _year(request: HttpRequest, default: int | None = None) -> int:
    try:
        return int(request.GET.get("year") or default or timezone.localdate().year)
    except ValueError:
        return default or timezone.localdate().year


def _area(request: HttpRequest, raw: str | None) -> Area:
    """The area asked for, if the user may see it; otherwise the user's own area."""
    user_area: Area = request.user.area  # type: ignore[union-attr,assignment]
    return (visible_area(request.user, raw) if raw else None) or user_area


@permissions.capability_required(Capability.READ_BENEFITS)
def index(request: HttpRequest) -> HttpResponse:
    batches = queries.batches_for(request.user).select_related("area")
    status = request.GET.get("status", "")
    if status:
        batches = batches.filter(status=status)
    return render(
        request,
        "benefits/index.html",
        {
            "batches": batches[:200],
            "programmes": programmes().values(),
            "statuses": Batch.Status.choices,
            "status": status,
        },
    )


@permissions.capability_required(Capability.READ_BENEFITS)
def programme_detail(request: HttpRequest, programme_id: str) -> HttpResponse:
    try:
        programme = get_programme(programme_id)
    except KeyError as exc:
        raise Http404(_("No such programme.")) from exc
    return render(request, "benefits/programme.html", {"programme": programme})


@permissions.capability_required(Capability.READ_BENEFITS)
def run_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Propose beneficiaries with the engine (nothing saved); a POST queues the run that keeps them as a
    batch (a job of ``jisheng worker``: the page then follows the job)."""
    programme_id = request.POST.get("programme") or request.GET.get("programme") or "childcare_subsidy"
    try:
        year = int(request.POST.get("year") or _year(request))
    except ValueError:
        year = _year(request)
    area = _area(request, request.POST.get("area") or request.GET.get("area"))
    try:
        programme = get_programme(programme_id)
    except KeyError as exc:
        raise Http404(_("No such programme.")) from exc
    if request.method == "POST":
        holder: dict[str, BatchJob] = {}

        def start() -> None:
            holder["job"] = _start_job(
                request, kind=BatchJob.Kind.PROPOSE, programme_id=programme.id, year=year, area=area
            )

        if _message_errors(request, start, _("The benefit run is queued.")):
            return _after_start(request, holder["job"])
    result = None
    error = ""
    if "programme" in request.GET:
        try:
            result = engine.run(programme, year, area.code)
        except ValueError as exc:
            error = str(exc)
    return render(
        request,
        "benefits/run.html",
        {
            "programmes": programmes().values(),
            "programme": programme,
            "year": year,
            "area": area,
            "areas": queries.areas_for(request.user),
            "result": result,
            "error": error,
            "can_propose": permissions.holds(request.user, Capability.PROPOSE_BATCH),
        },
    )


@permissions.capability_required(Capability.READ_BENEFITS)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = queries.batch_for_or_404(request.user, pk)
    lines = (
        Line.objects.visible_to(request.user)
        .filter(batch=batch)
        .select_related("area")
        .prefetch_related("objections")
    )
    payments = Payment.objects.visible_to(request.user).filter(line__batch=batch).select_related("line")
    user = request.user
    return render(
        request,
        "benefits/batch.html",
        {
            "batch": batch,
            "lines": lines,
            "payments": payments,
            "programme": get_programme(batch.programme_id),
            "can_propose": permissions.holds(user, Capability.PROPOSE_BATCH),
            "can_review": permissions.holds(user, Capability.REVIEW_BATCH),
            # four eyes: a step the user may not take (having taken an earlier one) is not offered
            "can_approve": permissions.holds(user, Capability.APPROVE_BATCH)
            and may_take(user, earlier={"propose": batch.created_by, "review": batch.reviewed_by}),
            "can_pay": permissions.holds(user, Capability.PAY_BATCH)
            and may_take(user, earlier={"approve": batch.approved_by}),
            "lacking_accounts": len(services.lines_lacking_account(batch)),
            "notice_over": batch.notice_end is not None and timezone.localdate() >= batch.notice_end,
        },
    )


@permissions.capability_required(Capability.READ_BENEFITS)
def batch_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable 公示 list: masked ID numbers, amounts and the notice period, village by village."""
    batch = queries.batch_for_or_404(request.user, pk)
    lines = Line.objects.visible_to(request.user).filter(batch=batch).exclude(status=Line.Status.WITHDRAWN)
    rows = [{"line": line, "masked": engine.mask_id(line.id_number)} for line in lines.select_related("area")]
    return render(
        request,
        "benefits/notice.html",
        {"batch": batch, "rows": rows, "programme": get_programme(batch.programme_id)},
    )


def _batch_action(request: HttpRequest, pk: int, action: Callable[[Batch], Any], done: str) -> HttpResponse:
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=pk)
    _message_errors(request, lambda: action(batch), done)
    return redirect("benefits:batch", pk=batch.pk)


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def batch_notice_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        days = int(request.POST.get("days") or 0) or None
    except ValueError:
        days = None
    return _batch_action(
        request,
        pk,
        lambda b: services.batch_start_notice(batch=b, days=days, by=request.user),
        _("Public notice started."),
    )


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def batch_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("decision") != "reject"
    reason = request.POST.get("reason", "")
    return _batch_action(
        request,
        pk,
        lambda b: services.batch_review(batch=b, accept=accept, reason=reason, by=request.user),
        _("Review recorded."),
    )


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def batch_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("decision") != "reject"
    reason = request.POST.get("reason", "")
    return _batch_action(
        request,
        pk,
        lambda b: services.batch_approve(batch=b, accept=accept, reason=reason, by=request.user),
        _("Decision recorded."),
    )


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def payments_issue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Queue the payment export (the bank file's payments) of an approved batch as a job."""
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=pk)
    holder: dict[str, BatchJob] = {}

    def start() -> None:
        holder["job"] = _start_job(request, kind=BatchJob.Kind.EXPORT, batch=batch)

    if _message_errors(request, start, _("The payment export is queued.")):
        return _after_start(request, holder["job"])
    return redirect("benefits:batch", pk=batch.pk)


def _start_job(request: AuthenticatedHttpRequest, **what: Any) -> BatchJob:
    job = services.batch_job_start(by=request.user, language=translation.get_language() or "zh-hans", **what)
    if getattr(settings, "JISHENG_JOBS_SYNC", False) and job.is_open:  # tests: the work in the request
        job = jobs.run_job(job.pk)
    return job


def _after_start(request: HttpRequest, job: BatchJob) -> HttpResponse:
    """A job that ended already (run in the request, or an earlier one) goes to its batch."""
    job.refresh_from_db()
    if job.status == BatchJob.Status.DONE and job.batch_id:
        return redirect("benefits:batch", pk=job.batch_id)
    return redirect("benefits:job", pk=job.pk)


def _job_context(request: HttpRequest, job: BatchJob) -> dict[str, Any]:
    return {
        "job": job,
        "can_cancel": job.is_open and job.created_by_id == request.user.pk,
        **core_jobs.page_context(
            job.task_id, is_open=job.is_open, failed=job.status == BatchJob.Status.FAILED
        ),
    }


@permissions.capability_required(Capability.READ_BENEFITS)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A queued run or export: its state, polled while it is open (htmx), cancel for whoever started it."""
    job = get_visible_or_404(BatchJob.objects.select_related("area", "batch"), request.user, pk=pk)
    return polled.job_answer(
        request,
        page="benefits/job.html",
        card="benefits/_job.html",  # drawn whole once the job ended, with its link to the batch
        context=_job_context(request, job),
        is_open=job.is_open,
        cancel_url=reverse("benefits:job_cancel", args=[job.pk]),
    )


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def job_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(BatchJob.objects.all(), request.user, pk=pk)
    _message_errors(request, lambda: services.batch_job_cancel(job=job, by=request.user), _("Cancel asked."))
    return redirect("benefits:job", pk=job.pk)


@permissions.capability_required(Capability.READ_BENEFITS)
def bank_file(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download the bank file of the payments already issued (reading only: issuing is a POST)."""
    from .exports import bank_file_csv, bank_file_xlsx

    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=pk)
    payments = list(
        Payment.objects.visible_to(request.user)
        .filter(line__batch=batch, status=Payment.Status.ISSUED)
        .select_related("line")
        .order_by("line__area_id", "line_id")
    )
    name = f"bank-{batch.programme_id}-{batch.period}-{batch.pk}"
    # Names, ID numbers and accounts of every payee leave the system here: an audited disclosure.
    disclosure_record(
        by=request.user,
        kind="bank_file",
        count=len(payments),
        fields=("name", "id_number", "bank_account", "account_holder", "bank_name", "amount"),
        filters={"batch": batch.pk, "format": fmt},
        reason=_("payment of batch %(batch)s") % {"batch": batch.pk},
        object_type=Batch._meta.label_lower,
        object_id=str(batch.pk),
        object_repr=str(batch),
    )
    if fmt == "csv":
        response = HttpResponse(bank_file_csv(batch, payments), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["Cache-Control"] = "no-store"
        return response
    response = HttpResponse(
        bank_file_xlsx(batch, payments),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def objection_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    line = get_visible_or_404(Line.objects.select_related("batch"), request.user, pk=pk)
    _message_errors(
        request,
        lambda: services.objection_record(
            line=line,
            raised_by=request.POST.get("raised_by", ""),
            content=request.POST.get("content", ""),
            by=request.user,
        ),
        _("Objection recorded."),
    )
    return redirect("benefits:batch", pk=line.batch_id)


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def objection_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    objection = get_visible_or_404(Objection.objects.select_related("line"), request.user, pk=pk)
    _message_errors(
        request,
        lambda: services.objection_resolve(
            objection=objection,
            upheld=request.POST.get("upheld") == "yes",
            resolution=request.POST.get("resolution", ""),
            by=request.user,
        ),
        _("Objection decided."),
    )
    return redirect("benefits:batch", pk=objection.line.batch_id)


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def payment_settle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    payment = get_visible_or_404(Payment.objects.select_related("line"), request.user, pk=pk)
    _message_errors(
        request,
        lambda: services.payment_settle(
            payment=payment,
            paid=request.POST.get("result") == "paid",
            reason=request.POST.get("reason", ""),
            by=request.user,
        ),
        _("Payment updated."),
    )
    return redirect("benefits:batch", pk=payment.line.batch_id)


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def payment_reissue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    payment = get_visible_or_404(Payment.objects.select_related("line"), request.user, pk=pk)

    def reissue() -> None:
        account = None
        if request.POST.get("bank_account", "").strip():  # a corrected account; blank: the line's own
            account = clean_account(
                kind=request.POST.get("account_kind", ""),
                number=request.POST.get("bank_account", ""),
                bank_name=request.POST.get("bank_name", ""),
                holder=request.POST.get("account_holder", ""),
            )
        services.payment_reissue(payment=payment, account=account, by=request.user)

    _message_errors(request, reissue, _("Payment issued again."))
    return redirect("benefits:batch", pk=payment.line.batch_id)


@permissions.capability_required(Capability.READ_BENEFITS)
def whatif_view(request: HttpRequest) -> HttpResponse:
    programme_id = request.GET.get("programme") or "childcare_subsidy"
    year = _year(request, 2025)
    area = _area(request, request.GET.get("area"))
    comparison = None
    error = ""
    raw = request.GET.get("yuan", "")
    if raw:
        try:
            yuan = Decimal(raw)
            if yuan < 0 or yuan != yuan.quantize(Decimal("0.01")):
                raise InvalidOperation
            comparison = whatif.compare(get_programme(programme_id), year, area.code, yuan)
        except (InvalidOperation, ValueError, KeyError) as exc:
            error = (
                _("Enter an amount in yuan with at most two decimals.")
                if not isinstance(exc, ValueError)
                else str(exc)
            )
    return render(
        request,
        "benefits/whatif.html",
        {
            "programmes": programmes().values(),
            "programme_id": programme_id,
            "year": year,
            "area": area,
            "areas": queries.areas_for(request.user),
            "yuan": raw,
            "comparison": comparison,
            "error": error,
        },
    )
