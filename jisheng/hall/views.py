"""Staff pages of the service hall: work queue, case page and its actions, posts, follow-up lists."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.models import User
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404, user_prefix
from jisheng.core.kept_statements import KeptStatements

from . import portal_kept, queries, services
from .models import (
    Accountability,
    Application,
    ApplicationStatus,
    CaseEvent,
    Consultation,
    Handover,
    Material,
    Notice,
    Post,
    QaEntry,
    ServiceItem,
    SubmittedFile,
)
from .models.cases import OPEN_STATUSES
from .pdfs import notice_pdf, receipt_pdf
from .services.common import office_of

QUEUE_ROWS = 50


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", [str(exc)]):
        messages.error(request, message)


def _queue_filter(params: Any) -> queries.QueueFilter:
    """The queue's filters from the query string; anything unrecognised is ignored, never an error."""
    status = params.get("status", "")
    due = params.get("due", "")
    try:
        due_by = datetime.date.fromisoformat(params.get("due_by", ""))
    except ValueError:
        due_by = None
    return queries.QueueFilter(
        q=params.get("q", "").strip()[:40],
        item=params.get("item", "").strip()[:48],
        status=status if status in OPEN_STATUSES else "",
        due=due if due in queries.DUE_CHOICES else "",
        due_by=due_by,
    )


@permissions.capability_required(Capability.READ_CASES)
def queue(request: HttpRequest) -> HttpResponse:
    how = _queue_filter(request.GET)
    mine = queries.queue_rows(request.user, mine=True, limit=QUEUE_ROWS, how=how)
    office = queries.queue_rows(request.user, limit=QUEUE_ROWS, how=how)
    can_apply = permissions.holds(request.user, Capability.SERVE_RESIDENTS)
    # The heading, the new-application links and the unfiltered filter form are the same for every
    # clerk who may apply (or not): drawn from no request and kept per language, day and catalogue
    # version (portal_kept), so the items are not read at each view. A filtered form is drawn each time.
    head, filters = portal_kept.kept(
        f"queue:{can_apply}",
        lambda: (
            mark_safe(render_to_string("hall/_queue_head.html")),  # noqa: S308 (a template's output)
            _queue_filters(can_apply=can_apply, how=queries.QueueFilter()),
        ),
    )
    return render(
        request,
        "hall/queue.html",
        {
            "mine": mine,
            "office": office,
            "head": head,
            "filters": _queue_filters(can_apply=can_apply, how=how) if how.active else filters,
            "counts": queries.queue_counts(request.user),
        },
    )


def _queue_filters(*, can_apply: bool, how: queries.QueueFilter) -> SafeString:
    """The new-application links (for a clerk who may apply) and the filter form showing ``how``."""
    items = list(queries.effective_items())
    context = {
        "items": items,
        "how": how,
        "statuses": [(s.value, s.label) for s in OPEN_STATUSES],
        "same_day_items": [item for item in items if item.time_limit_counter == 0],
        "can_apply": can_apply,
    }
    return mark_safe(render_to_string("hall/_queue_filters.html", context))  # noqa: S308 (a template's output)


@permissions.capability_required(Capability.READ_CASES)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _visible_case(request.user, pk)
    # The submitted files are read once, for the materials' presence and for the list on the page.
    files = _case_lists.instances(
        ("files",),
        lambda key: SubmittedFile.objects.filter(application_id=key).order_by("submitted_at", "id"),
        application.pk,
        using=SubmittedFile.objects.db,
        placeholder=_KEY,
        prepare=True,
    )
    present = application.materials_present(files)
    materials = [
        {"m": m, "present": m.code in present, "fetched": m.code in application.fetched_materials}
        # One item's materials: their own order, without joining the item for its catalogue order.
        for m in _case_lists.instances(
            ("materials",),
            lambda key: Material.objects.filter(item_id=key).order_by("position", "id"),
            application.item_id,
            using=Material.objects.db,
            placeholder=_KEY,
            prepare=True,
        )
    ]
    outstanding = (
        services.outstanding_materials(application)
        if application.status == ApplicationStatus.AWAITING_CORRECTION
        else []
    )
    can_act = permissions.holds(request.user, Capability.DECIDE_CASES)
    return render(
        request,
        "hall/case.html",
        {
            "application": application,
            # The reveal form needs only the person's key: the person's row (sealed ID and phone) is
            # not read to draw the page.
            "person": {"pk": application.person_id} if application.person_id else None,
            "materials": materials,
            "outstanding": outstanding,
            "files": files,
            "notices": _case_lists.instances(
                ("notices",),
                lambda key: Notice.objects.filter(application_id=key).order_by("sequence"),
                application.pk,
                using=Notice.objects.db,
                placeholder=_KEY,
                prepare=True,
            ),
            "events": _case_lists.instances(
                ("events",),
                lambda key: CaseEvent.objects.filter(application_id=key).order_by("at", "id"),
                application.pk,
                using=CaseEvent.objects.db,
                placeholder=_KEY,
                prepare=True,
            ),
            "handovers": _case_lists.instances(
                ("handovers",),
                _handovers,
                application.pk,
                using=Handover.objects.db,
                placeholder=_KEY,
                prepare=True,
            ),
            "colleagues": (
                _colleagues(request.user)
                if can_act and application.status == ApplicationStatus.RECEIVED
                else []
            ),
            "can_act": can_act,
            "can_review": permissions.holds(request.user, Capability.REVIEW_DECISIONS),
        },
    )


def _visible_case(user: User, pk: int) -> Application:
    """The case ``pk`` if the user may see it, with its item, of its two clerks only their names and
    of its certificate only its number (a 404 otherwise, as ``get_visible_or_404``). The read is the
    user's scope (``visible_to``) and the case's id; it is compiled once per database and scope (the
    area prefix) and kept, the id bound as its parameter: compiling it cost more than running it."""
    prefix = user_prefix(user)
    if prefix is None:
        raise Http404(_("Not found, or outside your area."))

    def build(key: int) -> QuerySet[Application]:
        return (
            Application.objects.visible_to(user)
            .select_related("item", "owner", "first_receiver", "certificate")
            .defer(*_CASE_PAGE_UNSHOWN)
            .filter(pk=key)
        )

    # Its plan is the same for every case (the id's unique index): prepared once a connection.
    found = _case_reads.objects(
        ("case", prefix), build, pk, using=Application.objects.db, placeholder=_KEY, prepare=True
    )
    if not found:
        raise Http404(_("Not found, or outside your area."))
    return found[0]


# Stands for the case's (or its item's) id in a kept statement; no row has it.
_KEY = -7_000_000_001
# The case page's short lists (materials, notices, progress, hand-overs) each cost more to compile than
# to run: each is compiled once per database and kept, and run as model instances with the key bound.
_case_lists = KeptStatements(bound=64)
# The case itself, one statement per scope (area prefix): a county's townships and villages each read
# cases with their own.
_case_reads = KeptStatements(bound=512)


def _handovers(key: int) -> QuerySet[Handover]:
    """A case's hand-overs with each clerk's name as ``User.__str__`` gives it (``from_name``, ``to_name``)."""

    def name(user: str) -> Any:
        return Coalesce(NullIf(F(f"{user}__full_name"), Value("")), F(f"{user}__username"))

    return (
        Handover.objects.filter(application_id=key)
        .order_by("at", "id")
        .annotate(from_name=name("from_user"), to_name=name("to_user"))
    )


def _unshown(relation: str, keep: set[str]) -> list[str]:
    """The columns of ``relation``'s model other than its key and ``keep``, as ``defer()`` names them."""
    model = Application._meta.get_field(relation).related_model
    fields = model._meta.concrete_fields  # type: ignore[union-attr]
    return [
        f"{relation}__{field.name}" for field in fields if not field.primary_key and field.name not in keep
    ]


# A clerk is shown by name (User.__str__), the certificate by its number.
_CASE_PAGE_UNSHOWN = (
    *_unshown("owner", {"username", "full_name"}),
    *_unshown("first_receiver", {"username", "full_name"}),
    *_unshown("certificate", {"number"}),
)


def _colleagues(user: User) -> list[tuple[int, str]]:
    """Whom a case can be handed over to: staff the user may see who work at the counter, as
    (id, name) pairs. A semi-join on the user-role table, so no DISTINCT over users and roles. The read
    depends only on the user's scope (its area prefix): compiled once per database and scope and kept."""
    prefix = user_prefix(user)
    if prefix is None:
        return []

    def build(_key: None) -> QuerySet[Any]:
        counter_staff = User.roles.through.objects.filter(
            role_id__in=sorted(permissions.roles_for(Capability.WORK_AT_COUNTER))
        ).values("user_id")
        return (
            User.objects.visible_to(user)
            .filter(pk__in=counter_staff)
            .order_by("pk")
            .values_list("pk", "full_name", "username")
        )

    # Its values never change for the scope: planned once a connection, for them.
    rows = _case_reads.statement(("colleagues", prefix), build, using=User.objects.db).rows(prepare=True)
    return [(pk, full_name or username) for pk, full_name, username in rows]


@require_POST
@permissions.capability_required(Capability.HANDLE_CASES)
def case_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    # A notice and a re-submission read the case again, locked, in their service: the view asks only
    # whether the clerk may see it, through the case page's kept read.
    application = (
        _visible_case(request.user, pk)
        if action in ("notice", "resubmit")
        else get_visible_or_404(Application.objects.select_related("item"), request.user, pk=pk)
    )
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


@permissions.capability_required(Capability.READ_CASES)
def case_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(
        Application.objects.select_related("item", "office"), request.user, pk=pk
    )
    return HttpResponse(receipt_pdf(application), content_type="application/pdf")


@permissions.capability_required(Capability.READ_CASES)
def case_file(request: AuthenticatedHttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A submitted photo or PDF, shown in the browser: scoped to the case, never cached, and recorded
    as a disclosure of personal data like any other reading of a resident's papers."""
    submitted = get_visible_or_404(
        SubmittedFile.objects.select_related("application"), request.user, pk=file_pk, application_id=pk
    )
    try:
        with default_storage.open(submitted.file.name or "", "rb") as handle:
            content = handle.read()
    except FileNotFoundError as exc:
        raise Http404(_("The file is no longer on the server.")) from exc
    services.material_view_record(submitted=submitted, by=request.user)
    response = HttpResponse(content, content_type=submitted.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=submitted.original_name) or "inline"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permissions.capability_required(Capability.READ_CASES)
def case_notice(request: HttpRequest, pk: int, sequence: int) -> HttpResponse:
    application = get_visible_or_404(Application.objects.all(), request.user, pk=pk)
    return HttpResponse(
        notice_pdf(get_object_or_404(application.notices, sequence=sequence)), content_type="application/pdf"
    )


@permissions.capability_required(Capability.SERVE_RESIDENTS)
def case_new(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """A counter application, a proxy application by a village officer (代办) or a home visit (上门办理)."""
    item = get_object_or_404(ServiceItem.objects.prefetch_related("materials"), code=code)
    channels = (
        ["proxy", "home_visit"]
        if permissions.holds(request.user, Capability.APPLY_BY_PROXY)
        else ["counter", "home_visit"]
    )
    if request.method == "POST":
        from jisheng.registry.models import Person
        from jisheng.registry.queries import person_by_id_number

        person = person_by_id_number(
            request.POST.get("id_number", "").strip().upper(), within=Person.objects.visible_to(request.user)
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
                    uploads=_uploads(request, item),
                )
                messages.success(
                    request, _("Application %(number)s recorded.") % {"number": application.number}
                )
                return redirect("hall:case", pk=application.pk)
            except (ValidationError, PermissionDenied) as exc:
                _errors(request, exc)
    return render(
        request,
        "hall/new.html",
        {
            "item": item,
            "channels": channels,
            "values": request.POST if request.method == "POST" else {},
            "received": request.POST.getlist("received") if request.method == "POST" else [],
            "is_village_officer": permissions.holds(request.user, Capability.APPLY_BY_PROXY),
        },
    )


def _uploads(request: HttpRequest, item: ServiceItem) -> list[services.Upload]:
    """Photos or PDFs attached per material (``m-<code>``); the service checks their kind and size."""
    uploads = []
    for material in item.materials.all():
        for upload in request.FILES.getlist(f"m-{material.code}"):
            if upload.size and upload.size > services.MAX_UPLOAD_BYTES:
                raise ValidationError(_("File “%(name)s”: larger than 10 MB") % {"name": upload.name})
            uploads.append(
                services.Upload(material_code=material.code, name=upload.name or "", content=upload.read())
            )
    return uploads


@permissions.capability_required(Capability.READ_HALL_RECORDS)
def posts(request: AuthenticatedHttpRequest) -> HttpResponse:
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


@permissions.capability_required(Capability.SUPERVISE_HALL)
def accountability(request: HttpRequest) -> HttpResponse:
    records = Accountability.objects.visible_to(request.user).select_related("application", "responsible")[
        :300
    ]
    return render(request, "hall/accountability.html", {"records": records})


@permissions.capability_required(Capability.READ_CASES)
def consultations(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.area is None:  # a staff account without an area has no office to log for
        raise PermissionDenied
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
