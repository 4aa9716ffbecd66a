"""The hall's API: the same services as the pages (submit with materials, decisions, notices, PDFs)."""

from __future__ import annotations

import base64
import binascii
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.areas.scoping import get_visible_or_404
from jisheng.certificates.pdf import certificate_pdf

from . import queries, services
from .models import Application, ServiceItem
from .pdfs import notice_pdf, receipt_pdf

router = Router(tags=["hall"])


class ItemOut(Schema):
    code: str
    name: str
    category: str
    time_limit_counter: int
    time_limit_online: int
    may_refuse_at_intake: bool
    bookable: bool
    certificate: str


class MaterialIn(Schema):
    code: str
    filename: str
    content_base64: str


class SubmitIn(Schema):
    item: str
    id_number: str
    phone: str
    channel: str = "counter"
    received_materials: list[str] = []
    materials: list[MaterialIn] = []


class ApplicationOut(Schema):
    id: int
    number: str
    item_id: int
    applicant_name: str
    channel: str
    status: str
    accepted_on: datetime.date
    due_on: datetime.date | None
    owner_id: int | None
    certificate_id: int | None
    decision_reason: str
    refusal_rule: str


class NoticeOut(Schema):
    number: str
    sequence: int
    problems: list[dict[str, str]]
    issued_at: datetime.datetime
    answered_at: datetime.datetime | None


class ProblemIn(Schema):
    code: str
    problem: str = "缺少"


class NoticeIn(Schema):
    problems: list[ProblemIn]


class DecisionIn(Schema):
    reason: str = ""
    rule: str = ""


class HandoverIn(Schema):
    to_user: int
    reason: str


class ResubmitIn(Schema):
    received_materials: list[str] = []
    materials: list[MaterialIn] = []


def _uploads(materials: list[MaterialIn]) -> list[services.Upload]:
    try:
        return [
            services.Upload(m.code, m.filename, base64.b64decode(m.content_base64, validate=True))
            for m in materials
        ]
    except (binascii.Error, ValueError) as exc:
        raise HttpError(400, _("“Material”: content_base64 is not valid Base64")) from exc


def _case(request: HttpRequest, application_id: int) -> Application:
    return get_visible_or_404(
        Application.objects.select_related("item", "office", "certificate"), request.user, pk=application_id
    )


def _run(call):  # type: ignore[no-untyped-def]
    try:
        return call()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Not allowed.")) from exc
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from exc


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@router.get("/items", response=list[ItemOut], summary="The service item catalogue")
def items(request: HttpRequest) -> list[ServiceItem]:
    return list(queries.effective_items())


@router.get("/applications", response=list[ApplicationOut], summary="The caller's work queue (open cases)")
def application_list(request: HttpRequest, mine: bool = False) -> list[Application]:
    return queries.work_queue(request.user, mine=mine, limit=200)


@router.post(
    "/applications", response={201: ApplicationOut}, summary="Submit an application with its materials"
)
def application_submit(request: AuthenticatedHttpRequest, data: SubmitIn) -> Status[Application]:
    from jisheng.registry.models import Person
    from jisheng.registry.queries import person_by_id_number

    item = ServiceItem.objects.filter(code=data.item).first()
    if item is None:
        raise HttpError(400, _("“Service item”: there is no item “%(item)s”") % {"item": data.item})
    person = person_by_id_number(
        data.id_number.strip().upper(), within=Person.objects.visible_to(request.user)
    )
    if person is None:
        raise HttpError(400, _("“ID number”: no such person in your area"))
    application = _run(
        lambda: services.application_submit(
            item=item,
            person=person,
            channel=data.channel,
            phone=data.phone,
            by=request.user,
            uploads=_uploads(data.materials),
            received_materials=data.received_materials,
        )
    )
    return Status(201, application)


@router.get("/applications/{int:application_id}", response=ApplicationOut)
def application_get(request: HttpRequest, application_id: int) -> Application:
    return _case(request, application_id)


@router.get(
    "/applications/{int:application_id}/notices", response=list[NoticeOut], summary="One-time notices"
)
def application_notices(request: HttpRequest, application_id: int) -> list[object]:
    return list(_case(request, application_id).notices.all())


@router.get("/applications/{int:application_id}/receipt", summary="The receipt as a PDF")
def application_receipt(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _case(request, application_id)
    return _pdf(receipt_pdf(application), f"{application.number}-receipt")


@router.get("/applications/{int:application_id}/certificate", summary="The certificate issued, as a PDF")
def application_certificate(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _case(request, application_id)
    if application.certificate is None:
        raise HttpError(404, _("No certificate has been issued yet"))
    return _pdf(certificate_pdf(application.certificate), application.certificate.number)


@router.get(
    "/applications/{int:application_id}/notices/{int:sequence}/pdf", summary="A one-time notice as a PDF"
)
def application_notice_pdf(request: HttpRequest, application_id: int, sequence: int) -> HttpResponse:
    notice = _case(request, application_id).notices.filter(sequence=sequence).first()
    if notice is None:
        raise HttpError(404, _("There is no such notice"))
    return _pdf(notice_pdf(notice), notice.number)


@router.post(
    "/applications/{int:application_id}/notice", response=NoticeOut, summary="Issue the one-time notice"
)
def application_notice(request: AuthenticatedHttpRequest, application_id: int, data: NoticeIn) -> object:
    application = _case(request, application_id)
    return _run(
        lambda: services.notice_issue(
            application=application, problems=[p.dict() for p in data.problems], by=request.user
        )
    )


@router.post(
    "/applications/{int:application_id}/resubmit", response=ApplicationOut, summary="Corrections handed in"
)
def application_resubmit(
    request: AuthenticatedHttpRequest, application_id: int, data: ResubmitIn
) -> Application:
    application = _case(request, application_id)
    return _run(
        lambda: services.application_resubmit(
            application=application,
            uploads=_uploads(data.materials),
            received_materials=data.received_materials,
            by=request.user,
        )
    )


@router.post("/applications/{int:application_id}/approve", response=ApplicationOut)
def application_approve(
    request: AuthenticatedHttpRequest, application_id: int, data: DecisionIn
) -> Application:
    application = _case(request, application_id)
    return _run(
        lambda: services.application_approve(application=application, reason=data.reason, by=request.user)
    )


@router.post(
    "/applications/{int:application_id}/refuse",
    response=ApplicationOut,
    summary="Refuse after review, naming the rule",
)
def application_refuse(
    request: AuthenticatedHttpRequest, application_id: int, data: DecisionIn
) -> Application:
    application = _case(request, application_id)
    return _run(
        lambda: services.application_refuse(
            application=application, reason=data.reason, rule=data.rule, by=request.user
        )
    )


@router.post(
    "/applications/{int:application_id}/decline",
    response=ApplicationOut,
    summary="Decline at intake (never for unconditional items)",
)
def application_decline(
    request: AuthenticatedHttpRequest, application_id: int, data: DecisionIn
) -> Application:
    application = _case(request, application_id)
    return _run(
        lambda: services.application_decline(
            application=application, reason=data.reason, rule=data.rule, by=request.user
        )
    )


@router.post(
    "/applications/{int:application_id}/overturn",
    response=ApplicationOut,
    summary="Review: overturn a refusal",
)
def application_overturn(
    request: AuthenticatedHttpRequest, application_id: int, data: DecisionIn
) -> Application:
    application = _case(request, application_id)
    return _run(
        lambda: services.refusal_overturn(application=application, reason=data.reason, by=request.user)
    )


@router.post("/applications/{int:application_id}/handover", response=ApplicationOut)
def application_handover(
    request: AuthenticatedHttpRequest, application_id: int, data: HandoverIn
) -> Application:
    from jisheng.accounts.models import User

    application = _case(request, application_id)
    to_user = User.objects.visible_to(request.user).filter(pk=data.to_user).first()
    return _run(
        lambda: services.application_handover(
            application=application, to_user=to_user, reason=data.reason, by=request.user
        )
    )
