"""Free health services: pre-pregnancy checks, cancer screening, referrals; and revealing one record's
health data to a user who gives a reason (audited, like the registry's reveal of an ID number)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.disclosure import clean_reason
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.core.actor import Actor, System, is_staff
from jisheng.hall import queries as hall_queries
from jisheng.hall import services as hall_services
from jisheng.registry.models import Marriage

from ..models import HealthReferral, PrePregnancyCheck, Screening
from ..models.health import SENSITIVE
from . import common


def _user(by: Actor) -> Any:
    return by if is_staff(by) else None


def _village_of(person: Any) -> str:
    return str(person.residence_area_id)


@transaction.atomic
def prepregnancy_book(
    *, by: Actor, wife: Any, husband: Any = None, booked_on: datetime.date, hall_reference: str = ""
) -> PrePregnancyCheck:
    """Book a couple's free pre-pregnancy check (``hall_reference``: the hall's application number when
    it was booked there). May be nested."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, _village_of(wife))
    if wife.sex != "2":
        raise common.refuse("wife", _("The wife must be a woman in the registry."))
    if husband is not None and husband.sex != "1":
        raise common.refuse("husband", _("The husband must be a man in the registry."))
    if booked_on is None:
        raise common.refuse("booked_on", _("This is required."))
    if PrePregnancyCheck.objects.filter(wife=wife, status=PrePregnancyCheck.Status.BOOKED).exists():
        raise common.refuse("wife", _("This couple already has a check booked."))
    check = PrePregnancyCheck.objects.create(
        wife=wife,
        husband=husband,
        area_id=_village_of(wife),
        booked_on=booked_on,
        hall_reference=common.text(hall_reference, field="hall_reference", max_length=32),
        recorded_by=_user(by),
    )
    record(
        by=by,
        action="outreach.prepregnancy_book",
        obj=check,
        after=model_snapshot(check, common.plain_fields(PrePregnancyCheck)),
    )
    return check


# The hall's catalogue item through which a couple books the check (a bookable technical service).
HALL_ITEM = "pre-pregnancy-check"
# Who closes the hall case when the check's recorder may not decide hall cases (a village officer).
RESULT_JOB = System(job="pre-pregnancy check result")


def _couple(person: Any) -> tuple[Any, Any] | None:
    """(wife, husband) of the applicant from the registry's marriage in force; None if no wife is known."""
    marriage = (
        Marriage.objects.filter(Q(husband=person) | Q(wife=person), divorce_date__isnull=True)
        .select_related("husband", "wife")
        .order_by("-date")
        .first()
    )
    if person.sex == "2":
        return person, (marriage.husband if marriage else None)
    if marriage is not None and marriage.wife.sex == "2":
        return marriage.wife, person
    return None


def prepregnancy_from_booking(*, by: Actor, application: Any) -> PrePregnancyCheck | None:
    """The hall's hook for its bookable pre-pregnancy item: a booking received at the counter, by proxy or
    on the portal becomes the couple's check, linked to the case, for the day asked (预约日期) or else the
    case's due day. Runs inside the hall's intake transaction with its actor (the hall checked who may
    book). Nothing is made when the applicant's wife is unknown to the registry or the couple already has
    a check booked: the hall case stays as it is. May be nested."""
    couple = _couple(application.person) if application.person_id else None
    if couple is None:
        return None
    wife, husband = couple
    if PrePregnancyCheck.objects.filter(wife=wife, status=PrePregnancyCheck.Status.BOOKED).exists():
        return None
    try:
        booked_on = datetime.date.fromisoformat(str(application.details.get("预约日期", "")))
    except ValueError:
        booked_on = application.due_on or application.accepted_on
    check = PrePregnancyCheck.objects.create(
        wife=wife,
        husband=husband,
        area_id=_village_of(wife),
        booked_on=booked_on,
        hall_reference=application.number,
        hall_application=application,
        recorded_by=_user(by),
    )
    record(
        by=by,
        action="outreach.prepregnancy_book",
        obj=check,
        after=model_snapshot(check, common.plain_fields(PrePregnancyCheck)),
    )
    return check


@transaction.atomic
def prepregnancy_book_at_hall(
    *, by: Actor, wife: Any, husband: Any = None, booked_on: datetime.date, phone: str = ""
) -> PrePregnancyCheck:
    """Book the couple's check as a hall case of the bookable item, for the wife, by the hall's channel
    the staff member holds (the counter, or a village officer's proxy); the hall's hook makes the check.
    May be nested."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, _village_of(wife))
    if wife is None or wife.sex != "2":
        raise common.refuse("wife_id", _("The wife must be a woman in the registry."))
    if husband is not None and husband.sex != "1":
        raise common.refuse("husband_id", _("The husband must be a man in the registry."))
    if booked_on is None:
        raise common.refuse("booked_on", _("This is required."))
    if booked_on < timezone.localdate():
        raise common.refuse("booked_on", _("%(day)s has passed.") % {"day": booked_on.isoformat()})
    if PrePregnancyCheck.objects.filter(wife=wife, status=PrePregnancyCheck.Status.BOOKED).exists():
        raise common.refuse("wife_id", _("This couple already has a check booked."))
    item = hall_queries.effective_items().filter(code=HALL_ITEM, bookable=True).first()
    if item is None:
        raise common.refuse(
            "booked_on", _("The service hall's catalogue does not offer the free pre-pregnancy check.")
        )
    if permissions.may(by, Capability.APPLY_AT_COUNTER, _village_of(wife)):
        channel = "counter"
    elif permissions.may(by, Capability.APPLY_BY_PROXY, _village_of(wife)):
        channel = "proxy"
    else:
        raise PermissionDenied(_("You may not book at the service hall."))
    application = hall_services.application_submit(
        item=item,
        person=wife,
        channel=channel,
        phone=phone or wife.phone,
        by=by,
        details={"预约日期": booked_on.isoformat()},
    )
    check = PrePregnancyCheck.objects.filter(hall_application=application).first()
    if check is None:  # the hook is registered when the app is ready; never expected
        raise common.refuse("wife_id", _("The booking was not taken in; try again."))
    if husband is not None and check.husband_id != husband.pk:
        check.husband = husband
        check.save(update_fields=["husband"])
    return check


@transaction.atomic
def prepregnancy_done(
    *, by: Actor, check: PrePregnancyCheck, done_on: datetime.date, result: str, follow_up: str = ""
) -> PrePregnancyCheck:
    """The check was done: its day, result category and follow-up. When it was booked at the hall, the
    hall case is concluded (予以办理) in the same transaction: by the recorder when they decide hall cases
    there, otherwise by the system job ``RESULT_JOB``. May be nested."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, check.area_id)
    day = common.past_date(done_on, field="done_on")
    if result not in PrePregnancyCheck.Result.values or not result:
        raise common.refuse("result", _("Choose a result."))
    with transition(
        check,
        by=by,
        action="outreach.prepregnancy_done",
        allowed=[PrePregnancyCheck.Status.BOOKED],
        fields=common.plain_fields(PrePregnancyCheck),
    ) as locked:
        locked.status = PrePregnancyCheck.Status.DONE
        locked.done_on = day
        locked.result = result
        locked.follow_up = common.text(follow_up, field="follow_up", max_length=255)
    application = locked.hall_application
    if application is not None and application.is_open:
        closer: Actor = (
            by if permissions.may(by, Capability.DECIDE_CASES, application.area_id) else RESULT_JOB
        )
        hall_services.application_approve(
            application=application,
            by=closer,
            reason=f"孕前优生健康检查已于 {day:%Y-%m-%d} 完成，结果已记录",
        )
    return locked


@transaction.atomic(durable=True)
def prepregnancy_cancel(*, by: Actor, check: PrePregnancyCheck, reason: str) -> PrePregnancyCheck:
    """A booked check is cancelled (the couple no longer comes) by their village's officer or the township,
    with the reason in writing; the hall case of the booking is withdrawn through the hall's service in the
    same transaction (its hook then finds the check already cancelled). Outermost: called by the page."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, check.area_id)
    why = common.text(reason, field="reason", max_length=255, required=True)
    with transition(
        check,
        by=by,
        action="outreach.prepregnancy_cancel",
        allowed=[PrePregnancyCheck.Status.BOOKED],
        reason=why,
        fields=["status"],
    ) as locked:
        locked.status = PrePregnancyCheck.Status.CANCELLED
    application = locked.hall_application
    if application is not None and application.is_open:
        hall_services.application_withdraw(
            application=application, reason=f"孕前优生健康检查预约已取消：{why}", by=by
        )
    return locked


def prepregnancy_from_hall_closed(*, by: Actor, application: Any) -> PrePregnancyCheck | None:
    """The hall's hook for a case of its bookable pre-pregnancy item concluded without a grant (refused,
    declined at intake or withdrawn): the check booked through it is cancelled, with the hall's reason, in
    the hall's transaction. A check already done or cancelled stays as it is. May be nested."""
    check = (
        PrePregnancyCheck.objects.filter(hall_application=application, status=PrePregnancyCheck.Status.BOOKED)
        .only("pk", "status")
        .first()
    )
    if check is None:
        return None
    with transition(
        check,
        by=by,
        action="outreach.prepregnancy_cancel",
        allowed=[PrePregnancyCheck.Status.BOOKED],
        reason=str(application.decision_reason)[:255],
        fields=["status"],
    ) as locked:
        locked.status = PrePregnancyCheck.Status.CANCELLED
    return locked


def prepregnancy_from_hall_reopened(*, by: Actor, application: Any) -> PrePregnancyCheck | None:
    """The hall's hook for a case of its bookable pre-pregnancy item reopened on review (复核): the check
    it cancelled is booked again, in the review's transaction, unless the couple has booked another since.
    May be nested."""
    check = (
        PrePregnancyCheck.objects.filter(
            hall_application=application, status=PrePregnancyCheck.Status.CANCELLED
        )
        .order_by("-pk")
        .first()
    )
    if (
        check is None
        or PrePregnancyCheck.objects.filter(
            wife_id=check.wife_id, status=PrePregnancyCheck.Status.BOOKED
        ).exists()
    ):
        return None
    with transition(
        check,
        by=by,
        action="outreach.prepregnancy_rebook",
        allowed=[PrePregnancyCheck.Status.CANCELLED],
        reason="复核撤销原不予办理决定，恢复预约",
        fields=["status"],
    ) as locked:
        locked.status = PrePregnancyCheck.Status.BOOKED
    return locked


@transaction.atomic
def screening_invite(*, by: Actor, woman: Any, kind: str, invited_on: datetime.date) -> Screening:
    """Invite a woman to cervical or breast cancer screening. May be nested."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, _village_of(woman))
    if woman.sex != "2":
        raise common.refuse("woman", _("Only a woman can be invited to this screening."))
    if kind not in Screening.Kind.values:
        raise common.refuse("kind", _("Choose cervical or breast cancer screening."))
    if Screening.objects.filter(woman=woman, kind=kind, screened_on__isnull=True).exists():
        raise common.refuse("woman", _("She is already invited and not yet screened."))
    screening = Screening.objects.create(
        woman=woman,
        area_id=_village_of(woman),
        kind=kind,
        invited_on=common.past_date(invited_on, field="invited_on"),
        recorded_by=_user(by),
    )
    record(
        by=by,
        action="outreach.screening_invite",
        obj=screening,
        after=model_snapshot(screening, common.plain_fields(Screening)),
    )
    return screening


def screening_record(
    *, by: Actor, screening: Screening, screened_on: datetime.date, result: str, referral: str = ""
) -> Screening:
    """The woman was screened: the day, the result and, for an abnormal result, where she was referred."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, screening.area_id)
    day = common.past_date(screened_on, field="screened_on")
    if day < screening.invited_on:
        raise common.refuse("screened_on", _("She cannot be screened before she was invited."))
    if not result or result not in Screening.Result.values:
        raise common.refuse("result", _("Choose a result."))
    referral = common.text(referral, field="referral", max_length=128)
    if result == Screening.Result.SUSPECTED and not referral:
        raise common.refuse("referral", _("A suspected cancer must be referred: say where."))
    with transition(
        screening,
        by=by,
        action="outreach.screening_record",
        allowed=None,
        fields=common.plain_fields(Screening),
    ) as locked:
        if locked.screened_on is not None:
            from django.core.exceptions import ValidationError

            raise ValidationError(_("This screening is already recorded."))
        locked.screened_on = day
        locked.result = result
        locked.referral = referral
    return locked


@transaction.atomic
def referral_record(
    *, by: Actor, person: Any, kind: str, referred_on: datetime.date, referred_to: str, reason: str = ""
) -> HealthReferral:
    """Refer a person for birth-defect intervention or infertility treatment. May be nested."""
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, _village_of(person))
    if kind not in HealthReferral.Kind.values:
        raise common.refuse("kind", _("Choose the kind of referral."))
    referral = HealthReferral.objects.create(
        person=person,
        area_id=_village_of(person),
        kind=kind,
        referred_on=common.past_date(referred_on, field="referred_on"),
        referred_to=common.text(referred_to, field="referred_to", max_length=128, required=True),
        reason=common.text(reason, field="reason", max_length=255),
        recorded_by=_user(by),
    )
    record(
        by=by,
        action="outreach.referral_record",
        obj=referral,
        after=model_snapshot(referral, common.plain_fields(HealthReferral)),
    )
    return referral


def referral_outcome(*, by: Actor, referral: HealthReferral, outcome: str) -> HealthReferral:
    permissions.ensure(by, Capability.RECORD_HEALTH_SERVICES, referral.area_id)
    text = common.text(outcome, field="outcome", max_length=255, required=True)
    with transition(
        referral,
        by=by,
        action="outreach.referral_outcome",
        allowed=None,
        fields=common.plain_fields(HealthReferral),
    ) as locked:
        locked.outcome = text
    return locked


HealthRecord = PrePregnancyCheck | Screening | HealthReferral


@transaction.atomic
def health_reveal(*, by: Actor, obj: HealthRecord, reason: str) -> dict[str, str]:
    """Show one record's health data to a user who says why; the reading is in the audit trail with the
    reason. Returns {field: value as displayed}. May be nested."""
    permissions.ensure(by, Capability.REVEAL_HEALTH_DATA, obj.area_id)
    why = clean_reason(reason)
    obj = type(obj)._default_manager.get(pk=obj.pk)  # what is stored now, not a stale copy
    values: dict[str, str] = {}
    for field in SENSITIVE:
        if not hasattr(obj, field):
            continue
        display = getattr(obj, f"get_{field}_display", None)
        values[field] = str(display() if callable(display) else getattr(obj, field))
    record(
        by=by,
        action="outreach.health_reveal",
        obj=obj,
        reason=why,
        after={"fields": sorted(values)},
    )
    return values
