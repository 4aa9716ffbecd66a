"""Staff pages of the service hall: work queue, case page and its actions, posts, follow-up lists."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts.decorators import role_required
from jisheng.accounts.models import User
from jisheng.areas.scoping import get_visible_or_404

from . import queries, services
from .models import Accountability, Application, Consultation, Post, QaEntry, Rating, ServiceItem
from .pdfs import notice_pdf, receipt_pdf
from .services.common import office_of

CASE_ROLES = ("counter_clerk", "township_head", "county_staff", "village_officer", "auditor")
QUEUE_ROWS = 50
SUPERVISE_ROLES = ("township_head", "county_staff", "auditor", "city_staff")


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", [str(exc)]):
        messages.error(request, message)


@role_required(*CASE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    mine = queries.work_queue(request.user, mine=True, limit=QUEUE_ROWS)
    office = queries.work_queue(request.user, limit=QUEUE_ROWS)
    return render(
        request, "hall/queue.html", {"mine": mine, "office": office, "items": queries.effective_items()}
    )


@role_required(*CASE_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(
        Application.objects.select_related("item", "owner", "first_receiver", "certificate", "office"),
        request.user,
        pk=pk,
    )
    present = application.present_materials
    materials = [
        {"m": m, "present": m.code in present, "fetched": m.code in application.fetched_materials}
        for m in application.item.materials.all()
    ]
    colleagues = (
        User.objects.visible_to(request.user)
        .filter(roles__code__in=["counter_clerk", "township_head"])
        .distinct()
    )
    return render(
        request,
        "hall/case.html",
        {
            "application": application,
            "materials": materials,
            "notices": application.notices.all(),
            "events": application.events.all(),
            "handovers": application.handovers.select_related("from_user", "to_user"),
            "colleagues": colleagues,
            "can_act": not request.user.is_read_only
            and request.user.has_role("counter_clerk", "township_head", "county_staff"),  # type: ignore[union-attr]
            "can_review": request.user.has_role("township_head", "county_staff")
            and not request.user.is_read_only,  # type: ignore[union-attr]
        },
    )


@require_POST
@role_required("counter_clerk", "township_head", "county_staff", "village_officer")
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = get_visible_or_404(Application.objects.select_related("item"), request.user, pk=pk)
    post = request.POST
    try:
        if action == "notice":
            codes = post.getlist("problem")
            problems = [
                {"code": code, "problem": post.get(f"problem-{code}", "") or "缺少"} for code in codes
            ]
            services.notice_issue(application=application, problems=problems, by=request.user)
        elif action == "approve":
            services.application_approve(
                application=application, reason=post.get("reason", ""), by=request.user
            )
        elif action == "refuse":
            services.application_refuse(
                application=application,
                reason=post.get("reason", ""),
                rule=post.get("rule", ""),
                by=request.user,
            )
        elif action == "decline":
            services.application_decline(
                application=application,
                reason=post.get("reason", ""),
                rule=post.get("rule", ""),
                by=request.user,
            )
        elif action == "overturn":
            services.refusal_overturn(application=application, reason=post.get("reason", ""), by=request.user)
        elif action == "handover":
            to_user = User.objects.visible_to(request.user).filter(pk=post.get("to_user") or 0).first()
            services.application_handover(
                application=application, to_user=to_user, reason=post.get("reason", ""), by=request.user
            )
        elif action == "resubmit":
            services.application_resubmit(
                application=application, received_materials=post.getlist("received"), by=request.user
            )
        else:
            raise PermissionDenied
        messages.success(request, _("Done."))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return redirect("hall:case", pk=application.pk)


@role_required(*CASE_ROLES)
def case_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(
        Application.objects.select_related("item", "office"), request.user, pk=pk
    )
    return HttpResponse(receipt_pdf(application), content_type="application/pdf")


@role_required(*CASE_ROLES)
def case_notice(request: HttpRequest, pk: int, sequence: int) -> HttpResponse:
    application = get_visible_or_404(Application.objects.all(), request.user, pk=pk)
    return HttpResponse(
        notice_pdf(get_object_or_404(application.notices, sequence=sequence)), content_type="application/pdf"
    )


@role_required("counter_clerk", "township_head", "village_officer")
def case_new(request: HttpRequest, code: str) -> HttpResponse:
    """A counter application, a proxy application by a village officer (代办) or a home visit (上门办理)."""
    item = get_object_or_404(ServiceItem.objects.prefetch_related("materials"), code=code)
    channels = (
        ["proxy", "home_visit"] if request.user.has_role("village_officer") else ["counter", "home_visit"]
    )  # type: ignore[union-attr]
    if request.method == "POST":
        from jisheng.registry.models import Person

        person = (
            Person.objects.visible_to(request.user)
            .filter(id_number=request.POST.get("id_number", "").strip().upper())
            .first()
        )
        if person is None:
            messages.error(request, _("“ID number”: no such person in your area"))
        else:
            try:
                application = services.application_submit(
                    item=item,
                    person=person,
                    channel=request.POST.get("channel", channels[0]),
                    phone=request.POST.get("phone", "") or person.phone,
                    by=request.user,
                    received_materials=request.POST.getlist("received"),
                )
                messages.success(
                    request, _("Application %(number)s recorded.") % {"number": application.number}
                )
                return redirect("hall:case", pk=application.pk)
            except (ValidationError, PermissionDenied) as exc:
                _errors(request, exc)
    return render(request, "hall/new.html", {"item": item, "channels": channels})


@role_required("counter_clerk", "township_head", "auditor", "county_staff")
def posts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        post = get_visible_or_404(Post.objects.all(), request.user, pk=request.POST.get("post") or 0)
        try:
            moved = services.post_set_absent(
                post=post, absent=request.POST.get("absent") == "1", by=request.user
            )
            messages.success(request, _("%(count)s cases moved.") % {"count": moved})
        except PermissionDenied as exc:
            _errors(request, exc)
        return redirect("hall:posts")
    return render(
        request,
        "hall/posts.html",
        {"posts": Post.objects.visible_to(request.user).select_related("holder_a", "holder_b", "office")},
    )


@role_required(*SUPERVISE_ROLES)
def accountability(request: HttpRequest) -> HttpResponse:
    records = Accountability.objects.visible_to(request.user).select_related("application", "responsible")[
        :300
    ]
    return render(request, "hall/accountability.html", {"records": records})


@role_required("counter_clerk", "township_head", "auditor", "county_staff")
def ratings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        rating = get_visible_or_404(
            Rating.objects.select_related("application"), request.user, pk=request.POST.get("rating") or 0
        )
        try:
            services.rating_reply(rating=rating, reply=request.POST.get("reply", ""), by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("hall:ratings")
    bad = (
        Rating.objects.visible_to(request.user)
        .filter(level__lte=2)
        .select_related("application")
        .order_by("replied_at", "follow_up_due")
    )
    return render(request, "hall/ratings.html", {"ratings": bad[:300]})


@role_required("counter_clerk", "township_head", "village_officer", "auditor", "county_staff")
def consultations(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        entry = QaEntry.objects.filter(pk=request.POST.get("entry") or 0).first()
        try:
            services.consultation_log(
                office=office_of(request.user.area),
                asker=request.POST.get("asker", ""),  # type: ignore[union-attr]
                question=request.POST.get("question", "") or (entry.question if entry else ""),
                answer=request.POST.get("answer", "") or (entry.answer if entry else ""),
                entry=entry,
                by=request.user,
            )
            messages.success(request, _("Consultation logged."))
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("hall:consultations")
    return render(
        request,
        "hall/consultations.html",
        {
            "consultations": Consultation.objects.visible_to(request.user).select_related("entry", "staff")[
                :100
            ],
            "common": queries.common_questions(request.user),
            "entries": QaEntry.objects.all(),
        },
    )
