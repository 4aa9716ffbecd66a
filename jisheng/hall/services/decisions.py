"""Decisions on a case: approve (issuing the certificate), refuse naming the rule, decline at intake
(never for an item of unconditional acceptance), review that overturns a refusal, and handovers."""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import User, staff_user
from jisheng.accounts.permissions import Capability
from jisheng.audit.transitions import transition
from jisheng.certificates.services import certificate_issue
from jisheng.core.actor import Actor

from .. import hooks
from ..models import Accountability, AccountabilityKind, Application, ApplicationStatus, Handover
from ..models.cases import OPEN_STATUSES
from . import tell
from .certificate_details import certificate_details
from .common import event
from .intake import UnconditionalAcceptance

DECISION_FIELDS = [
    "status",
    "decided_at",
    "decided_by",
    "decision_reason",
    "refusal_rule",
    "completed_on",
    "on_time",
]


APPROVING = {
    "village": Capability.DECIDE_CASES,
    "township": Capability.DECIDE_CASES,
    "county": Capability.DECIDE_COUNTY_ITEMS,
    "city": Capability.DECIDE_CITY_ITEMS,
}


def _require_approver(application: Application, by: Actor) -> None:
    """The township may receive every item, but only the approving level named in the catalogue decides."""
    permissions.ensure(
        by, APPROVING.get(application.item.approving_level, Capability.DECIDE_CASES), application.area_id
    )


def _close(application: Application, status: str, reason: str, rule: str, by: Actor) -> None:
    today = timezone.localdate()
    application.status = status
    application.decided_at = timezone.now()
    application.decided_by = staff_user(by)
    application.decision_reason = reason
    application.refusal_rule = rule
    application.completed_on = today
    application.on_time = application.due_on is not None and today <= application.due_on


def _deciding(
    application: Application,
    *,
    by: Actor,
    action: str,
    reason: str = "",
    fields: list[str] = DECISION_FIELDS,
) -> AbstractContextManager[Application]:
    """The guarded transition of a step on an open case: the row locked with its item, office and
    area, refused once the case is concluded, the step's fields (the decision's by default) audited
    before and after."""
    return transition(
        application,
        by=by,
        action=action,
        allowed=OPEN_STATUSES,
        reason=reason,
        refusal=lambda _case: _("This application is already concluded"),
        fields=fields,
        related=("item", "office", "area"),
    )


@transaction.atomic
def application_approve(*, application: Application, by: Actor, reason: str = "") -> Application:
    """予以办理: decide a complete case, issuing its certificate when the item has one.
    May be nested (the demo)."""
    with _deciding(application, by=by, action="hall.approve") as application:
        _require_approver(application, by)
        if application.status != ApplicationStatus.RECEIVED:
            raise ValidationError(
                _("The application is waiting for materials; it can be decided once they are in")
            )
        missing = [
            m.name
            for m in application.item.materials.all()
            if m.required and m.code not in application.present_materials
        ]
        if missing:
            raise ValidationError(
                _("These required materials are missing; give a one-time notice first: %(materials)s")
                % {"materials": "、".join(missing)}
            )
        _close(
            application, ApplicationStatus.APPROVED, reason.strip() or "材料齐全，符合规定，予以办理", "", by
        )
        if application.item.certificate:
            application.certificate = certificate_issue(
                kind=application.item.certificate,
                area=application.area,
                issuer=application.office,
                holder_name=application.applicant_name,
                holder_id_number=application.applicant_id_number,
                details=certificate_details(application),
                source_ref=application.number,
                by=by,
            )
        text = "已办结：予以办理"
        if application.certificate:
            text += f"，发放{application.certificate.kind}（编号 {application.certificate.number}）"
        event(application, text)
        tell.approved(application, by=by)
    return application


@transaction.atomic(durable=True)
def application_refuse(*, application: Application, reason: str, rule: str, by: Actor) -> Application:
    """不予批准 after review: the written reasons must name the rule applied. Outermost."""
    with _deciding(application, by=by, action="hall.refuse", reason=reason) as application:
        _require_approver(application, by)
        if not reason.strip():
            raise ValidationError(_("“Reason”: a refusal must give its reason in writing"))
        if not rule.strip():
            raise ValidationError(_("“Rule”: a refusal must cite the rule it rests on"))
        _close(application, ApplicationStatus.REFUSED, reason.strip(), rule.strip()[:200], by)
        event(application, f"不予办理。理由：{application.decision_reason}；依据：{application.refusal_rule}")
        hooks.closed(application, by=by)
    return application


@transaction.atomic(durable=True)
def application_decline(*, application: Application, reason: str, rule: str, by: Actor) -> Application:
    """不予受理: turn an application away at intake. Forbidden for items of unconditional acceptance.
    Outermost."""
    with _deciding(application, by=by, action="hall.decline", reason=reason) as application:
        if application.item.unconditional:
            raise UnconditionalAcceptance(
                _(
                    "“%(item)s” is accepted unconditionally and may not be refused; "
                    "if materials are missing, give a one-time notice"
                )
                % {"item": application.item.name}
            )
        permissions.ensure(by, Capability.DECIDE_CASES, application.area_id)
        if not reason.strip() or not rule.strip():
            raise ValidationError(
                _("“Reason” and “rule”: refusing to accept must give the reason and the rule")
            )
        _close(application, ApplicationStatus.REFUSED, "不予受理：" + reason.strip(), rule.strip()[:200], by)
        event(application, f"不予受理。理由：{reason.strip()}；依据：{rule.strip()}")
        hooks.closed(application, by=by)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, reason: str, by: Actor) -> Application:
    """撤回: an open case is withdrawn at the applicant's wish, told to whoever may take an application for
    them (the counter, or the village officer by proxy); it is concluded, not granted, with the reason in
    writing. May be nested (outreach's cancel of a booked pre-pregnancy check)."""
    with _deciding(application, by=by, action="hall.withdraw", reason=reason) as application:
        area = application.area_id
        if not (
            permissions.may(by, Capability.APPLY_AT_COUNTER, area)
            or permissions.may(by, Capability.APPLY_BY_PROXY, area)
        ):
            raise PermissionDenied(_("You may not take this step."))
        if not reason.strip():
            raise ValidationError(_("“Reason”: a withdrawal must give its reason in writing"))
        _close(application, ApplicationStatus.REFUSED, "申请人撤回：" + reason.strip(), "", by)
        event(application, f"申请人撤回申请。理由：{reason.strip()}")
        hooks.closed(application, by=by)
    return application


@transaction.atomic(durable=True)
def refusal_overturn(*, application: Application, reason: str, by: Actor) -> Application:
    """On review (复核) a refusal is set aside: the case reopens and whoever refused answers for it.
    Outermost."""
    from jisheng.workdays import services as workdays

    only_refused = _("Only a refused application can be reviewed and reopened")
    with transition(
        application,
        by=by,
        action="hall.overturn",
        allowed=[ApplicationStatus.REFUSED],
        reason=reason,
        refusal=lambda _case: only_refused,
        fields=DECISION_FIELDS,
        related=("item",),
    ) as application:
        permissions.ensure(by, Capability.REVIEW_DECISIONS, application.area_id)
        if application.decided_by is None:
            raise ValidationError(only_refused)
        if not reason.strip():
            raise ValidationError(_("“Reason”: reopening after a review must give a reason"))
        responsible = application.decided_by
        today = timezone.localdate()
        application.status = ApplicationStatus.RECEIVED
        application.decided_at = None
        application.decided_by = None
        application.completed_on = None
        application.on_time = None
        application.accepted_on = workdays.acceptance_day(today)
        application.working_days_used = 0
        application.due_on = workdays.add_working_days(application.accepted_on, application.time_limit)
        Accountability.objects.create(
            application=application,
            responsible=responsible,
            kind=AccountabilityKind.REFUSAL_OVERTURNED,
            detail=f"拒绝决定被复核撤销：{reason.strip()}"[:300],
            created_at=timezone.now(),
        )
        event(application, f"复核撤销原不予办理决定，重新办理，{application.due_on:%Y-%m-%d} 前办结")
        hooks.reopened(application, by=by)
    return application


@transaction.atomic(durable=True)
def application_handover(
    *, application: Application, to_user: User | None, reason: str, by: Actor
) -> Application:
    """Hand a case to a colleague; the first receiver stays on record, the handover is kept. The owner
    changes, not the state: the same guarded transition as a decision (the open case locked, its owner
    audited before and after). Outermost: a page or the API calls it."""
    with _deciding(
        application, by=by, action="hall.handover", reason=reason, fields=["owner"]
    ) as application:
        permissions.ensure(by, Capability.DECIDE_CASES, application.area_id)
        if (
            to_user is None
            or to_user.area is None
            or not permissions.holds(to_user, Capability.DECIDE_CASES)
            or not application.area_id.startswith(to_user.area.prefix)
        ):
            raise ValidationError(
                _("“Receiver”: hand over only to staff of this township who may handle the item")
            )
        if not reason.strip():
            raise ValidationError(_("“Reason”: a handover must give its reason"))
        Handover.objects.create(
            application=application,
            from_user=application.owner,
            to_user=to_user,
            reason=reason.strip()[:200],
            at=timezone.now(),
        )
        application.owner = to_user
        application.standing_in_for = None
        event(application, f"移交 {to_user} 办理")
    return application
