"""Receiving applications from every channel, the one-time notice (一次性告知) and re-submission."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user, staff_user
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.certificates.services import next_in_sequence
from jisheng.core.actor import Actor, Resident, is_staff
from jisheng.core.kept_statements import KeptStatements
from jisheng.registry.validation import mask_id, mask_phone
from jisheng.workdays import services as workdays

from .. import hooks
from ..models import (
    Application,
    ApplicationStatus,
    Channel,
    Handover,
    Material,
    Notice,
    Post,
    ServiceItem,
    SubmittedFile,
)
from . import tell
from .common import Upload, check_uploads, event, store_uploads, township_of

# The intake's and the transitions' reads, each dearer to build and compile than to run: compiled once
# per database (and item, for the open-case check) and kept, the id bound as their one parameter
# (``core.kept_statements``). A locked read keeps its ``FOR UPDATE`` (PostgreSQL) in the kept SQL. Each
# finds its rows by a key's index whatever the key, so PostgreSQL prepares it once a connection
# (``prepare=True``): planning the case's locked read (the case's table has many indexes to weigh) cost
# the server 0.4 ms, four times running it.
_reads = KeptStatements(bound=128)
# Stand for an id and an area's code (the areas' key) in a kept statement; no row has them.
_KEY = -7_000_000_003
_AREA = "kept-office-code"
_OPEN = (ApplicationStatus.RECEIVED, ApplicationStatus.AWAITING_CORRECTION)

INTAKE = {
    Channel.COUNTER: Capability.APPLY_AT_COUNTER,
    Channel.PROXY: Capability.APPLY_BY_PROXY,
    Channel.HOME_VISIT: Capability.APPLY_ON_VISIT,
}


class UnconditionalAcceptance(PermissionDenied):
    """无条件受理: this item may not be refused at intake."""


def on_duty_post(office: Any) -> Post | None:
    found = _reads.objects(
        ("post",),
        lambda key: (
            Post.objects.filter(office_id=key).select_related("holder_a", "holder_b").order_by("id")[:1]
        ),
        office.pk,
        using=Post.objects.db,
        placeholder=_AREA,
        prepare=True,
    )
    return found[0] if found else None


def _locked_case(pk: int) -> Application:
    """The case ``pk`` with its item and area (the applicant is told through it), the case's row locked
    until the transaction ends (``FOR UPDATE OF`` the case: the item and area rows, only read, are not
    locked)."""
    found = _reads.objects(
        ("locked case",),
        lambda key: (
            Application.objects.select_for_update(of=("self",)).select_related("item", "area").filter(pk=key)
        ),
        pk,
        using=router.db_for_write(Application),
        placeholder=_KEY,
        prepare=True,
    )
    if not found:
        raise Application.DoesNotExist("Application matching query does not exist.")
    return found[0]  # type: ignore[no-any-return]


def _materials(item_id: int) -> dict[str, str]:
    """An item's materials, code to name."""
    rows = _reads.statement(
        ("materials",),
        lambda key: (
            Material.objects.filter(item_id=key).order_by("position", "id").values_list("code", "name")
        ),
        using=Material.objects.db,
        placeholder=_KEY,
    ).rows(item_id, prepare=True)
    return {code: name for code, name in rows}


def _files_since(application: Application, at: Any, *, strict: bool) -> set[str]:
    """The materials of the files submitted to the case after ``at`` (or at it, unless ``strict``)."""
    rows = _reads.statement(
        ("files",),
        lambda key: SubmittedFile.objects.filter(application_id=key).values_list(
            "material_code", "submitted_at"
        ),
        using=SubmittedFile.objects.db,
        placeholder=_KEY,
    ).rows(application.pk, convert=True, prepare=True)
    return {code for code, submitted_at in rows if submitted_at > at or (not strict and submitted_at == at)}


def _latest_notice(application: Application) -> Notice | None:
    found = _reads.instances(
        ("latest notice",),
        lambda key: Notice.objects.filter(application_id=key).order_by("-sequence")[:1],
        application.pk,
        using=Notice.objects.db,
        placeholder=_KEY,
        prepare=True,
    )
    return found[0] if found else None


def missing_materials(application: Application) -> list[dict[str, str]]:
    present = application.present_materials
    return [
        {"code": m.code, "name": m.name}
        for m in application.item.materials.all()
        if m.required and m.code not in present
    ]


@transaction.atomic
def application_submit(
    *,
    item: ServiceItem,
    person: Any,
    channel: str,
    phone: str,
    by: Actor,
    uploads: list[Upload] | None = None,
    received_materials: list[str] | None = None,
    fetch_from_registry: bool = True,
    details: dict[str, str] | None = None,
    received_at: datetime.datetime | None = None,
) -> Application:
    """Record an application; its number, deadline and owner (首接负责) are fixed here.

    Online applications come with ``by=Resident(...)`` (or the system, for the demo); every other channel
    needs the staff member who received it, who becomes its first receiver.
    May be nested.
    """
    uploads = uploads or []
    received_at = received_at or timezone.now()
    received_on = timezone.localdate(received_at)
    if channel == Channel.ONLINE:
        if is_staff(by):
            raise ValidationError(
                _("“Channel”: staff applying for a resident choose the counter, a proxy or a home visit")
            )
    else:
        permissions.ensure_holds(by, INTAKE[Channel(channel)])
        if not permissions.may(by, INTAKE[Channel(channel)], person.residence_area_id):
            raise PermissionDenied(_("The applicant is outside your area."))
    if not item.is_effective(received_on):
        raise ValidationError(
            _("“Service item”: “%(item)s” is not in force on %(day)s")
            % {"item": item.name, "day": received_on}
        )
    _refuse_a_second_open_application(person, item)
    phone = "".join(ch for ch in phone if ch.isdigit())
    if len(phone) != 11:
        raise ValidationError(_("“Mobile number”: enter an 11-digit mobile number"))
    materials = {m.code: m for m in item.materials.all()}
    check_uploads(uploads, set(materials))
    received = sorted({code for code in (received_materials or []) if code in materials})
    fetched = (
        sorted(code for code, m in materials.items() if m.registry_fetchable) if fetch_from_registry else []
    )

    # The area is the case's by its key (its code): the township's code is its first nine digits.
    area_code = person.residence_area_id
    office = township_of(area_code)
    accepted_on = workdays.acceptance_day(received_on)
    post = on_duty_post(office)
    staff_at_counter = channel in (Channel.COUNTER, Channel.HOME_VISIT) and permissions.holds(
        by, Capability.WORK_AT_COUNTER
    )
    # The counter's limit (often the same day) holds only when the person who receives it can finish it
    # there. A village officer's proxy application travels to the township like an online one, so it
    # gets the online limit; the same-day limit would make it overdue before it arrived.
    limit = item.time_limit(online=not staff_at_counter)
    owner = staff_user(by) if staff_at_counter else (post.on_duty if post else None)
    sequence = next_in_sequence(f"application-{office.code[:9]}-{received_on:%Y%m%d}")
    application = Application.objects.create(
        number=f"SQ-{office.code[:9]}-{received_on:%Y%m%d}-{sequence:04d}",
        item=item,
        area_id=area_code,
        office=office,
        person=person,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=phone,
        channel=channel,
        details=details or {},
        received_materials=received,
        fetched_materials=fetched,
        received_at=received_at,
        accepted_on=accepted_on,
        time_limit=limit,
        due_on=workdays.add_working_days(accepted_on, limit),
        post=post,
        first_receiver=staff_user(by) or owner,
        owner=owner,
        standing_in_for=post.holder_a if post and post.a_absent and owner == post.holder_b else None,
        created_by=staff_user(by),
    )
    store_uploads(application, uploads)
    if channel == Channel.PROXY and owner is not None:
        Handover.objects.create(
            application=application,
            from_user=staff_user(by),
            to_user=owner,
            reason="村级代办，转乡镇窗口办理",
            at=received_at,
        )
    event(application, f"已收到{Channel(channel).label}申请，承诺 {application.due_on:%Y-%m-%d} 前办结")
    # The trail names the applicant by masked number and phone: the columns are sealed, the trail must not
    # keep a copy in the clear.
    after = model_snapshot(application)
    after.update(
        applicant_id_number=mask_id(application.applicant_id_number),
        applicant_phone=mask_phone(application.applicant_phone),
    )
    after.pop("applicant_id_tail", None)
    record(by=by, action="hall.submit", obj=application, after=after)
    if item.bookable:
        hooks.booked(application, by=by)
    return application


@transaction.atomic
def notice_issue(*, application: Application, problems: list[dict[str, str]], by: Actor) -> Notice:
    """一次性告知: name every missing or defective material at once and stop the clock.

    A later notice may only concern materials submitted after the previous notice.
    May be nested.
    """
    application = _locked_case(application.pk)
    permissions.ensure(by, Capability.WORK_AT_COUNTER, application.area_id)
    if application.status != ApplicationStatus.RECEIVED:
        raise ValidationError(_("A one-time notice can only be given for an application in progress"))
    materials = _materials(application.item_id)
    cleaned = []
    for index, problem in enumerate(problems, start=1):
        code = problem.get("code", "")
        if code not in materials:
            raise ValidationError(
                _("Line %(index)s, “material”: this service item has no material “%(code)s”")
                % {"index": index, "code": code}
            )
        cleaned.append(
            {"code": code, "name": materials[code], "problem": (problem.get("problem") or "缺少")[:100]}
        )
    if not cleaned:
        raise ValidationError(_("A one-time notice must list at least one missing or faulty material"))
    previous = _latest_notice(application)
    if previous is not None:
        resubmitted = _files_since(application, previous.issued_at, strict=True) | set(
            previous_received_after(application, previous)
        )
        late = [p["name"] for p in cleaned if p["code"] not in resubmitted]
        if late:
            raise ValidationError(
                _(
                    "A one-time notice was already given; a further notice may only concern materials "
                    "submitted since, so these cannot be noticed again: %(materials)s"
                )
                % {"materials": "、".join(late)}
            )
    today = timezone.localdate()
    remaining = workdays.working_days_between(today, application.due_on) if application.due_on else 0
    before = model_snapshot(application, ["status", "due_on", "working_days_used"])
    application.working_days_used = max(0, application.time_limit - remaining)
    application.paused_on = today
    application.due_on = None
    application.status = ApplicationStatus.AWAITING_CORRECTION
    # Only what changed: the case's row is locked, and its sealed columns are not sealed again.
    application.save(update_fields=["working_days_used", "paused_on", "due_on", "status"])
    sequence = (previous.sequence + 1) if previous else 1
    notice = Notice.objects.create(
        application=application,
        number=f"GZ-{application.number[3:]}-{sequence}",
        sequence=sequence,
        problems=cleaned,
        issued_at=timezone.now(),
        issued_by=acting_user(by),
    )
    event(
        application,
        "一次性告知：" + "；".join(f"{p['name']}（{p['problem']}）" for p in cleaned) + "。办理时限暂停计算",
    )
    tell.notice_issued(application, [p["name"] for p in cleaned], by=by)
    record(
        by=by,
        action="hall.notice",
        obj=application,
        before=before,
        after={**model_snapshot(application, ["status", "due_on", "working_days_used"]), "problems": cleaned},
    )
    return notice


# What a re-submission changes on the case besides its clock (the materials ticked at the counter).
_RECEIVED_FIELDS = ["received_materials", "details"]


def previous_received_after(application: Application, notice: Notice) -> list[str]:
    """Materials handed in on paper after a notice (the counter ticks them on re-submission)."""
    return list(application.details.get("received_after_notice", {}).get(str(notice.sequence), []))


def outstanding_materials(application: Application, notice: Notice | None = None) -> list[dict[str, str]]:
    """The materials the latest notice named that have not been handed in (or uploaded) since it.

    A material named as defective counts as corrected only when a new one arrives after the notice:
    the copy on file before it is the one found wanting.
    """
    notice = notice or application.notices.order_by("-sequence").first()
    if notice is None:
        return []
    corrected = _files_since(application, notice.issued_at, strict=False) | set(
        previous_received_after(application, notice)
    )
    return [p for p in notice.problems if p["code"] not in corrected]


@transaction.atomic(durable=True)
def application_resubmit(
    *,
    application: Application,
    by: Actor,
    uploads: list[Upload] | None = None,
    received_materials: list[str] | None = None,
) -> Application:
    """The applicant hands in the corrections; the clock resumes with the working days that were left
    once everything the latest notice named has come in, and stays stopped until then. Outermost."""
    application = _locked_case(application.pk)
    if not isinstance(by, Resident):
        permissions.ensure(by, Capability.SERVE_RESIDENTS, application.area_id)
    if application.status != ApplicationStatus.AWAITING_CORRECTION:
        raise ValidationError(_("This application is not waiting for materials"))
    uploads = uploads or []
    names = _materials(application.item_id)
    materials = set(names)
    check_uploads(uploads, materials)
    received = [code for code in (received_materials or []) if code in materials]
    if not uploads and not received:
        raise ValidationError(_("“Materials”: submit at least one"))
    notice = _latest_notice(application)
    assert notice is not None
    before = model_snapshot(application, ["status", "due_on"])
    store_uploads(application, uploads)
    if received:
        application.received_materials = sorted(set(application.received_materials) | set(received))
        after_notice = application.details.setdefault("received_after_notice", {})
        after_notice[str(notice.sequence)] = sorted(
            set(after_notice.get(str(notice.sequence), [])) | set(received)
        )
    still_missing = outstanding_materials(application, notice)
    if still_missing:
        # A partial correction: what came in is on file, the clock stays stopped and the notice stays
        # open for the rest; restarting it now would count days the applicant still owes materials.
        application.save(update_fields=_RECEIVED_FIELDS)
        handed_in = sorted(set(received) | {u.material_code for u in uploads})
        event(
            application,
            "已补正部分材料："
            + "、".join(names.get(code, code) for code in handed_in)
            + "；仍缺："
            + "、".join(p["name"] for p in still_missing)
            + "。办理时限继续暂停",
        )
        record(
            by=by,
            action="hall.resubmit_partial",
            obj=application,
            before=before,
            after={
                "received": handed_in,
                "still_missing": [p["code"] for p in still_missing],
            },
        )
        return application
    today = timezone.localdate()
    remaining = max(0, application.time_limit - application.working_days_used)
    application.due_on = workdays.add_working_days(workdays.acceptance_day(today), remaining)
    application.paused_on = None
    application.warned_on = None
    application.status = ApplicationStatus.RECEIVED
    application.save(update_fields=[*_RECEIVED_FIELDS, "due_on", "paused_on", "warned_on", "status"])
    notice.answered_at = timezone.now()
    notice.save(update_fields=["answered_at"])
    event(application, f"已补正材料，办理时限恢复计算，{application.due_on:%Y-%m-%d} 前办结")
    record(
        by=by,
        action="hall.resubmit",
        obj=application,
        before=before,
        after=model_snapshot(application, ["status", "due_on"]),
    )
    return application


def _refuse_a_second_open_application(person: Any, item: ServiceItem) -> None:
    """One open case per person and item (a database constraint too): the person's row is locked first,
    so two submissions at once are taken one after the other and the second hears of the first."""
    if person is None or person.pk is None:
        return
    model = type(person)
    _reads.statement(
        ("lock person", model._meta.label),
        lambda key: model.objects.select_for_update().filter(pk=key).order_by("pk").values_list("pk")[:1],
        using=router.db_for_write(model),
        placeholder=_KEY,
    ).rows(person.pk, prepare=True)
    # Kept per item (its id is the statement's other parameter), the person bound.
    found = _reads.statement(
        ("open case", item.pk),
        lambda key: (
            Application.objects.filter(person_id=key, item_id=item.pk, status__in=_OPEN)
            .order_by("pk")
            .values_list("number", "received_at")[:1]
        ),
        using=Application.objects.db,
        placeholder=_KEY,
    ).rows(person.pk, convert=True, prepare=True)
    if found:
        open_case = Application(number=found[0][0], received_at=found[0][1])
        raise ValidationError(
            _(
                "%(name)s already has an open application for “%(item)s”: %(number)s, received on %(day)s. "
                "It must be finished before another one is made; add to that case instead."
            )
            % {
                "name": person.name,
                "item": item.name,
                "number": open_case.number,
                "day": timezone.localdate(open_case.received_at),
            }
        )
