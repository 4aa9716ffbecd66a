"""Matters and their clocks (信访工作条例): receive, accept or object, visit, reply, extend, review,
re-examine, refuse a repeat. The sweep that warns and records accountability is in ``clocks``, the checked
uploads in ``uploads`` (both re-exported here)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user, staff_user
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.certificates.services import next_in_sequence
from jisheng.core.actor import Actor, Resident, describe, is_staff
from jisheng.core.text import InputError, normalize_name, normalize_phone
from jisheng.registry.queries import person_by_id_number
from jisheng.registry.validation import mask_phone
from jisheng.workdays import services as workdays

from ..models import (
    MAX_REPRESENTATIVES,
    OPEN_STATUSES,
    Channel,
    Matter,
    MatterEvent,
    MatterField,
    MatterKind,
    MatterStatus,
    Meeting,
    Opinion,
    PetitionerFile,
    PetitionerKind,
    RiskGrade,
)
from .clocks import WARN_DAYS as WARN_DAYS
from .clocks import clock_sweep as clock_sweep
from .uploads import MAX_ATTACHMENT_BYTES as MAX_ATTACHMENT_BYTES
from .uploads import SIGNATURES as SIGNATURES
from .uploads import Upload as Upload
from .uploads import _store
from .uploads import attachment_add as attachment_add
from .uploads import check_uploads as check_uploads
from .uploads import content_type_of as content_type_of

ROUTE_DAYS = 15  # Art. 22, calendar days
ACCEPT_DAYS = 15  # Art. 23, calendar days
OBJECT_WORKING_DAYS = 5  # Art. 23: an office that is not competent objects within 5 working days
FINISH_DAYS = 60  # Art. 34, from acceptance
MAX_EXTENSION_DAYS = 30  # Art. 34
REVIEW_REQUEST_DAYS = 30  # Art. 35: asked within 30 days of the reply
REVIEW_ANSWER_DAYS = 30  # Art. 35: answered within 30 days
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _access_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(6))


def _event(matter: Matter, text: str, by: Actor) -> None:
    MatterEvent.objects.create(matter=matter, at=timezone.now(), text=text[:300], actor=describe(by)[:150])


def _field_error(field: str, reason: str) -> ValidationError:
    return ValidationError(_("“%(field)s”: %(reason)s") % {"field": field, "reason": reason})


def _clean_name(value: str, field: str) -> str:
    try:
        return normalize_name(value)
    except InputError as exc:
        raise _field_error(field, exc.reason) from exc


def _clean_phone(value: str, *, required: bool) -> str:
    try:
        phone = normalize_phone(value)
    except InputError as exc:
        raise _field_error(str(_("Phone")), exc.reason) from exc
    if required and not phone:
        raise _field_error(str(_("Phone")), str(_("enter a phone number we can reach you on")))
    return phone


@transaction.atomic
def file_open(
    *,
    area: Area,
    kind: str,
    name: str = "",
    phone: str = "",
    address: str = "",
    id_number: str = "",
    representatives: list[str] | None = None,
    group_size: int | None = None,
    by: Actor,
) -> PetitionerFile:
    """Open a petitioner's file (一人一档), or return the file the same person already has in the area
    (same registry person, or same name and phone). A group names at most 5 representatives (Art. 20).
    May be nested."""
    if not isinstance(by, Resident):
        permissions.ensure(by, Capability.HANDLE_PETITIONS, area.code)
    try:
        kind = PetitionerKind(kind)
    except ValueError as exc:
        raise _field_error(str(_("Petitioner")), str(_("choose named, anonymous or group"))) from exc
    reps: list[str] = []
    person = None
    if kind == PetitionerKind.ANONYMOUS:
        name = phone = address = ""
    else:
        name = _clean_name(name, str(_("Name")))
        phone = _clean_phone(phone, required=kind == PetitionerKind.PERSON)
        if id_number.strip():
            person = person_by_id_number(id_number)
    if kind == PetitionerKind.GROUP:
        reps = [_clean_name(r, str(_("Representatives"))) for r in (representatives or []) if r.strip()]
        if not reps:
            raise _field_error(str(_("Representatives")), str(_("name the group's representatives")))
        if len(reps) > MAX_REPRESENTATIVES:
            raise _field_error(
                str(_("Representatives")),
                str(
                    _("a group sends at most %(max)s representatives (Art. 20)")
                    % {"max": MAX_REPRESENTATIVES}
                ),
            )
    existing = None
    if kind == PetitionerKind.PERSON:
        same = PetitionerFile.objects.filter(kind=kind, area=area)
        existing = (
            same.filter(person=person).first()
            if person is not None
            else same.filter(name=name, phone=phone).first()
        )
    if existing is not None:
        return existing
    petitioner = PetitionerFile.objects.create(
        area=area,
        kind=kind,
        name=name,
        phone=phone,
        address=address.strip()[:200],
        person=person,
        representatives=reps,
        group_size=group_size,
        created_at=timezone.now(),
    )
    # The phone is sealed at rest: the trail keeps it masked, not in the clear.
    after = {**model_snapshot(petitioner), "phone": mask_phone(petitioner.phone)}
    record(by=by, action="petitions.file_open", obj=petitioner, after=after)
    return petitioner


def _refusal_for_repeat(earlier: Matter, today: datetime.date) -> str:
    """Why a petition on the same facts is not accepted again, or "" when it may be (Arts. 19, 35, 36)."""
    if earlier.final or earlier.status == MatterStatus.CLOSED and earlier.reexamined_on:
        return _(
            "The same facts and reasons were settled by re-examination (%(number)s); they are not accepted "
            "again (Art. 36)."
        ) % {"number": earlier.number}
    if earlier.status in (MatterStatus.REVIEW_REQUESTED, MatterStatus.REEXAM_REQUESTED):
        return _(
            "The same matter is under review (%(number)s, answer due %(due)s); it is not accepted again "
            "while the review runs (Arts. 19, 35)."
        ) % {"number": earlier.number, "due": earlier.current_due()}
    if earlier.status in (MatterStatus.RECEIVED, MatterStatus.ACCEPTED):
        due = earlier.current_due()
        if due is None or due >= today:
            return _(
                "The same matter was already received (%(number)s) and is within its time limit "
                "(%(due)s); it is not accepted again (Art. 19)."
            ) % {"number": earlier.number, "due": due}
    if (
        earlier.status == MatterStatus.REPLIED
        and earlier.review_request_by
        and earlier.review_request_by >= today
    ):
        return _(
            "The same matter was answered (%(number)s); if you disagree, ask for a review by %(by)s "
            "instead (Art. 35)."
        ) % {"number": earlier.number, "by": earlier.review_request_by}
    return ""


@transaction.atomic
def matter_receive(
    *,
    file: PetitionerFile,
    area: Area,
    kind: str,
    channel: str,
    field: str,
    title: str,
    facts: str,
    received_on: datetime.date | None = None,
    responsible: Any = None,
    risk: str = RiskGrade.LOW,
    repeat_of: Matter | None = None,
    uploads: list[Upload] | None = None,
    by: Actor,
) -> Matter:
    """Enter a matter in the system (Art. 21) and start its clocks: routing and written acceptance within
    15 days, an objection within 5 working days. A petition on the same facts as ``repeat_of`` is entered
    as not accepted, with the reason (Arts. 19, 35, 36). Anonymous files may bring suggestions only.
    May be nested."""
    if not isinstance(by, Resident):
        permissions.ensure(by, Capability.HANDLE_PETITIONS, area.code)
    choices: dict[str, tuple[str, Any]] = {
        str(_("Kind")): (kind, MatterKind),
        str(_("Channel")): (channel, Channel),
        str(_("Field")): (field, MatterField),
        str(_("Risk grade")): (risk, RiskGrade),
    }
    for label, (value, enum) in choices.items():
        if value not in enum.values:
            labels = " / ".join(str(choice) for choice in enum.labels)
            raise _field_error(label, str(_("choose one of %(values)s") % {"values": labels}))
    if file.kind == PetitionerKind.ANONYMOUS and kind != MatterKind.SUGGESTION:
        raise _field_error(
            str(_("Kind")),
            str(_("an anonymous sender may make suggestions; a petition needs a name and a phone")),
        )
    title = " ".join(title.split())[:120]
    facts = facts.strip()
    if not title:
        raise _field_error(str(_("Title")), str(_("say in a few words what it is about")))
    if not facts:
        raise _field_error(str(_("Facts and request")), str(_("describe the facts and what is asked")))
    check_uploads(uploads or [])
    if responsible is not None and not permissions.may(responsible, Capability.HANDLE_PETITIONS, area.code):
        raise _field_error(
            str(_("Responsible person")), str(_("must be staff of this office who handle petitions"))
        )
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise _field_error(str(_("Received on")), str(_("cannot be in the future")))
    refusal = _refusal_for_repeat(repeat_of, received_on) if repeat_of is not None else ""
    sequence = next_in_sequence(f"petition-{area.code[:6]}-{received_on:%Y}")
    matter = Matter.objects.create(
        number=f"XF{area.code[:6]}{received_on:%Y}{sequence:06d}",
        file=file,
        area=area,
        kind=kind,
        channel=channel,
        field=field,
        title=title,
        facts=facts,
        status=MatterStatus.REFUSED if refusal else MatterStatus.RECEIVED,
        risk=risk,
        responsible=responsible if responsible is not None else (staff_user(by) or _office_head(area)),
        received_on=received_on,
        route_due=received_on + datetime.timedelta(days=ROUTE_DAYS),
        accept_due=received_on + datetime.timedelta(days=ACCEPT_DAYS),
        object_due=workdays.add_working_days(received_on, OBJECT_WORKING_DAYS),
        refusal_reason=refusal[:300],
        repeat_of=repeat_of,
        access_code=_access_code() if isinstance(by, Resident) else "",
        created_at=timezone.now(),
    )
    _store(matter, uploads or [])
    _event(matter, f"登记：{matter.get_channel_display()}，{matter.get_kind_display()}", by)
    if refusal:
        _event(matter, f"不予受理：{refusal}", by)
    record(by=by, action="petitions.matter_receive", obj=matter, after=model_snapshot(matter, _SNAPSHOT))
    return matter


def _office_head(area: Area) -> Any:
    """Who answers for a matter that came in online until someone takes it: the office's head (the staff
    member of the area who may approve extensions)."""
    from jisheng.accounts.models import User

    for user in User.objects.filter(area=area, is_active=True).prefetch_related("roles").order_by("pk"):
        if permissions.holds(user, Capability.APPROVE_PETITION_EXTENSION):
            return user
    return None


_SNAPSHOT = [
    "number",
    "file",
    "area",
    "kind",
    "channel",
    "field",
    "title",
    "status",
    "risk",
    "responsible",
    "received_on",
    "accept_due",
    "due_on",
    "refusal_reason",
]


def _ensure(by: Actor, capability: Capability, matter: Matter) -> None:
    permissions.ensure(by, capability, matter.area_id)


def matter_accept(*, matter: Matter, by: Actor, on: datetime.date | None = None) -> Matter:
    """Accept the matter (Art. 23): the written notice of acceptance is issued (PDF), the 60 days of
    Art. 34 start. May be nested."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    on = on or timezone.localdate()
    with transition(matter, by=by, action="petitions.matter_accept", allowed=[MatterStatus.RECEIVED]) as m:
        if m.kind == MatterKind.SUGGESTION and m.file.kind == PetitionerKind.ANONYMOUS:
            pass  # an anonymous suggestion is accepted without a notice: there is no one to send it to
        m.status = MatterStatus.ACCEPTED
        m.accepted_on = on
        m.accepted_by = staff_user(by)
        m.due_on = on + datetime.timedelta(days=FINISH_DAYS)
        if m.responsible is None:
            m.responsible = staff_user(by)
        late = on > m.accept_due
        _event(
            m,
            f"受理，出具受理告知书；{FINISH_DAYS}日内（{m.due_on}前）办结"
            + ("（超过15日告知时限）" if late else ""),
            by,
        )
    return m


def matter_object(*, matter: Matter, reason: str, by: Actor) -> Matter:
    """The office is not competent (Art. 23): it objects, naming who is, within 5 working days."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if not reason.strip():
        raise _field_error(str(_("Reason")), str(_("say which office is competent and why")))
    with transition(
        matter, by=by, action="petitions.matter_object", allowed=[MatterStatus.RECEIVED], reason=reason
    ) as m:
        m.status = MatterStatus.NOT_COMPETENT
        m.refusal_reason = reason.strip()[:300]
        late = timezone.localdate() > m.object_due
        _event(m, f"非本机关职权，提出异议：{m.refusal_reason}" + ("（超过5个工作日）" if late else ""), by)
    return m


@transaction.atomic
def matter_transfer(*, matter: Matter, to: Any, reason: str, by: Actor) -> Matter:
    """Hand the matter to another responsible person (一责一问: every transfer is on the record)."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if not permissions.may(to, Capability.HANDLE_PETITIONS, matter.area_id):
        raise _field_error(
            str(_("Responsible person")), str(_("must be staff of this office who handle petitions"))
        )
    with transition(
        matter, by=by, action="petitions.matter_transfer", allowed=OPEN_STATUSES, reason=reason
    ) as m:
        previous = m.responsible
        m.responsible = to
        _event(m, f"责任人由 {previous or '—'} 转交 {to}：{reason.strip()[:200]}", by)
    return m


@transaction.atomic
def meeting_record(
    *,
    matter: Matter,
    held_on: datetime.date,
    attendees: str,
    said: str,
    place: str = "",
    photos: list[Upload] | None = None,
    by: Actor,
) -> Meeting:
    """A meeting or visit held on the matter (干部下访): who went, when, what was said, photos."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if not is_staff(by):
        raise PermissionDenied(_("You may not take this step."))
    if not attendees.strip():
        raise _field_error(str(_("Who went")), str(_("name who went")))
    if not said.strip():
        raise _field_error(str(_("What was said")), str(_("record what was said")))
    if held_on > timezone.localdate():
        raise _field_error(str(_("Held on")), str(_("cannot be in the future")))
    check_uploads(photos or [])
    meeting = Meeting.objects.create(
        matter=matter,
        held_on=held_on,
        place=place.strip()[:120],
        attendees=attendees.strip()[:200],
        said=said.strip(),
        recorded_by=acting_user(by),
    )
    _store(matter, photos or [], meeting)
    _event(matter, f"走访/约谈 {held_on}：{meeting.attendees}", by)
    record(by=by, action="petitions.meeting_record", obj=meeting, after=model_snapshot(meeting))
    return meeting


def extension_request(*, matter: Matter, days: int, reason: str, by: Actor) -> Matter:
    """Ask for up to 30 more days (Art. 34); the head approves, and the petitioner is told why."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise _field_error(
            str(_("Extension")), str(_("at most %(max)s days (Art. 34)") % {"max": MAX_EXTENSION_DAYS})
        )
    if not reason.strip():
        raise _field_error(str(_("Reason")), str(_("say why more time is needed; the petitioner is told")))
    with transition(
        matter, by=by, action="petitions.extension_request", allowed=[MatterStatus.ACCEPTED]
    ) as m:
        if m.extension_approved_by_id is not None:
            raise ValidationError(_("The matter has already been extended once."))
        m.extension_days = days
        m.extension_reason = reason.strip()[:300]
        m.extension_requested_by = staff_user(by)
        _event(m, f"申请延期 {days} 日：{m.extension_reason}", by)
    return m


def extension_approve(*, matter: Matter, by: Actor) -> Matter:
    """The head approves the extension (four eyes: not the one who asked); the petitioner is told why."""
    _ensure(by, Capability.APPROVE_PETITION_EXTENSION, matter)
    with transition(
        matter, by=by, action="petitions.extension_approve", allowed=[MatterStatus.ACCEPTED]
    ) as m:
        if m.extension_requested_by_id is None and not m.extension_reason:
            raise ValidationError(_("No extension has been asked for."))
        if m.extension_approved_by_id is not None:
            raise ValidationError(_("The matter has already been extended once."))
        permissions.ensure_different_person(by, step="approve", earlier={"propose": m.extension_requested_by})
        m.extension_approved_by = staff_user(by)
        assert m.due_on is not None
        m.due_on = m.due_on + datetime.timedelta(days=m.extension_days)
        m.overdue_recorded = False
        _event(
            m,
            f"延期 {m.extension_days} 日经负责人批准，办结期限 {m.due_on}；已告知信访人理由：{m.extension_reason}",
            by,
        )
    return m


def matter_reply(*, matter: Matter, opinion: str, legal_basis: str, reply: str, by: Actor) -> Matter:
    """The written reply (书面答复意见): support, explain or not support, with the legal basis. The
    petitioner may ask for a review within 30 days (Art. 35)."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if opinion not in Opinion.values:
        raise _field_error(str(_("Opinion")), str(_("choose support, explain or not support")))
    if not reply.strip():
        raise _field_error(str(_("Written reply")), str(_("write the reply the petitioner receives")))
    if opinion != Opinion.SUPPORT and not legal_basis.strip():
        raise _field_error(str(_("Legal basis")), str(_("name the law or policy the opinion rests on")))
    today = timezone.localdate()
    with transition(matter, by=by, action="petitions.matter_reply", allowed=[MatterStatus.ACCEPTED]) as m:
        m.status = MatterStatus.REPLIED
        m.opinion, m.legal_basis, m.reply = opinion, legal_basis.strip()[:300], reply.strip()
        m.replied_on = today
        m.review_request_by = today + datetime.timedelta(days=REVIEW_REQUEST_DAYS)
        _event(m, f"出具书面答复意见（{m.get_opinion_display()}）", by)
    return m


def matter_rate(*, matter: Matter, satisfaction: str, by: Actor) -> Matter:
    """The petitioner rates the reply (Art. 21)."""
    if not isinstance(by, Resident):
        _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if satisfaction not in SATISFACTION:
        raise _field_error(
            str(_("Satisfaction")), str(_("choose satisfied, basically satisfied or dissatisfied"))
        )
    allowed = [MatterStatus.REPLIED, MatterStatus.REVIEWED, MatterStatus.CLOSED]
    with transition(matter, by=by, action="petitions.matter_rate", allowed=allowed) as m:
        m.satisfaction = satisfaction
        _event(m, f"信访人评价：{SATISFACTION_LABELS[satisfaction]}", by)
    return m


SATISFACTION_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def review_request(*, matter: Matter, reason: str, by: Actor) -> Matter:
    """复查 (Art. 35) within 30 days of the reply, or 复核 (Art. 36) within 30 days of the review's answer,
    to the office above; answered within 30 days. After re-examination the matter is final."""
    if not isinstance(by, Resident):
        _ensure(by, Capability.HANDLE_PETITIONS, matter)
    if not reason.strip():
        raise _field_error(str(_("Reason")), str(_("say what is wrong with the answer")))
    today = timezone.localdate()
    locked = Matter.objects.get(pk=matter.pk)
    if locked.status == MatterStatus.REPLIED:
        if locked.review_request_by is None or today > locked.review_request_by:
            raise ValidationError(_("A review must be asked for within 30 days of the reply (Art. 35)."))
    elif locked.status == MatterStatus.REVIEWED:
        if locked.reexam_request_by is None or today > locked.reexam_request_by:
            raise ValidationError(
                _("A re-examination must be asked for within 30 days of the review (Art. 36).")
            )
    elif locked.final or locked.status == MatterStatus.CLOSED:
        raise ValidationError(
            _("The matter was settled by re-examination; it is not reviewed again (Art. 36).")
        )
    allowed = [MatterStatus.REPLIED, MatterStatus.REVIEWED]
    with transition(matter, by=by, action="petitions.review_request", allowed=allowed, reason=reason) as m:
        if m.status == MatterStatus.REPLIED:
            m.status = MatterStatus.REVIEW_REQUESTED
            m.review_requested_on = today
            m.review_reason = reason.strip()[:300]
            m.review_due = today + datetime.timedelta(days=REVIEW_ANSWER_DAYS)
            m.overdue_recorded = False
            m.warned_on = None
            _event(m, f"请求复查：{m.review_reason}（{m.review_due}前答复）", by)
        else:
            m.status = MatterStatus.REEXAM_REQUESTED
            m.reexam_requested_on = today
            m.reexam_due = today + datetime.timedelta(days=REVIEW_ANSWER_DAYS)
            m.overdue_recorded = False
            m.warned_on = None
            _event(m, f"请求复核：{reason.strip()[:200]}（{m.reexam_due}前答复）", by)
    return m


def review_answer(*, matter: Matter, answer: str, by: Actor) -> Matter:
    """The office above answers the review (复查意见) or the re-examination (复核意见, final)."""
    _ensure(by, Capability.ANSWER_PETITION_REVIEW, matter)
    if is_staff(by) and getattr(by, "area_id", None) == matter.area_id:
        raise PermissionDenied(_("A review is answered by the office above the one that replied."))
    if not answer.strip():
        raise _field_error(str(_("Answer")), str(_("write the answer")))
    today = timezone.localdate()
    allowed = [MatterStatus.REVIEW_REQUESTED, MatterStatus.REEXAM_REQUESTED]
    with transition(matter, by=by, action="petitions.review_answer", allowed=allowed) as m:
        if m.status == MatterStatus.REVIEW_REQUESTED:
            m.status = MatterStatus.REVIEWED
            m.review_answer = answer.strip()
            m.reviewed_on = today
            m.reviewed_by = staff_user(by)
            m.reexam_request_by = today + datetime.timedelta(days=REVIEW_REQUEST_DAYS)
            _event(m, "上一级机关出具复查意见", by)
        else:
            m.status = MatterStatus.CLOSED
            m.reexam_answer = answer.strip()
            m.reexamined_on = today
            m.final = True
            _event(m, "出具复核意见；同一事实和理由不再受理（第三十六条）", by)
    return m


def matter_close(*, matter: Matter, by: Actor) -> Matter:
    """Close a replied or reviewed matter once its review period has passed (or the petitioner is content)."""
    _ensure(by, Capability.HANDLE_PETITIONS, matter)
    allowed = [MatterStatus.REPLIED, MatterStatus.REVIEWED]
    with transition(matter, by=by, action="petitions.matter_close", allowed=allowed) as m:
        m.status = MatterStatus.CLOSED
        _event(m, "办结归档", by)
    return m
