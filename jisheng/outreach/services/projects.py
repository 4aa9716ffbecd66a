"""Projects allocated by need (项目配送): needs submitted, the county's scored allocation for a year,
then implementing unit, milestones, inspections with photos and fund entries for each project."""

from __future__ import annotations

import datetime
import decimal
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.core.actor import Actor, describe, is_staff
from jisheng.core.sealed_files import write_sealed

from ..models import AllocationRun, FundEntry, Inspection, Milestone, Need, Project
from . import common

PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
MAX_PHOTO_BYTES = 8 * 1024 * 1024
# How the county scores a need, out of 100: how urgent (0–10, ×6), how many people it serves (one point
# per 100, at most 10, ×3), and 10 more when the area got no project in the two years before.
URGENCY_WEIGHT, PEOPLE_WEIGHT, FAIRNESS_POINTS = 6, 3, 10


def _user(by: Actor) -> Any:
    return by if is_staff(by) else None


@transaction.atomic
def need_submit(
    *,
    by: Actor,
    area: Any,
    year: int,
    kind: str,
    title: str,
    cost: Any,
    description: str = "",
    urgency: int = 5,
    people_served: int = 0,
) -> Need:
    """A village or township asks for a project for the year. May be nested."""
    permissions.ensure(by, Capability.SUBMIT_NEEDS, area.code)
    if kind not in Need.Kind.values:
        raise common.refuse("kind", _("Choose the kind of project."))
    if not 0 <= int(urgency) <= 10:
        raise common.refuse("urgency", _("Urgency is from 0 to 10."))
    if int(people_served) < 0:
        raise common.refuse("people_served", _("Cannot be negative."))
    if not 2000 <= int(year) <= 2100:
        raise common.refuse("year", _("Give the year as four digits."))
    need = Need.objects.create(
        area=area,
        year=int(year),
        kind=kind,
        title=common.text(title, field="title", max_length=128, required=True),
        description=common.text(description, field="description", max_length=2000),
        cost=common.amount(cost, field="cost", allow_zero=False),
        urgency=int(urgency),
        people_served=int(people_served),
        submitted_by=_user(by),
    )
    record(by=by, action="outreach.need_submit", obj=need, after=model_snapshot(need))
    return need


def score_parts(need: Need, *, served_recently: bool) -> dict[str, decimal.Decimal]:
    """The score of a need in its parts, as the ranking page shows them."""
    urgency = decimal.Decimal(need.urgency * URGENCY_WEIGHT)
    people = decimal.Decimal(min(need.people_served / 100, 10) * PEOPLE_WEIGHT).quantize(
        decimal.Decimal("0.01")
    )
    fairness = decimal.Decimal(0 if served_recently else FAIRNESS_POINTS)
    return {"urgency": urgency, "people": people, "fairness": fairness, "total": urgency + people + fairness}


def allocation_preview(*, county: Any, year: int, budget: decimal.Decimal) -> list[dict[str, Any]]:
    """The ranking of the year's submitted needs and what the budget covers, nothing saved: highest
    score first (ties: cheaper first, then earlier submitted); each need is funded if it fits in what
    is left, otherwise skipped with the reason, so a reviewer can follow every line."""
    needs = list(
        Need.objects.within(county.prefix)
        .filter(year=year, status=Need.Status.SUBMITTED)
        .select_related("area")
    )
    recent = set(
        Project.objects.within(county.prefix)
        .filter(year__in=(year - 1, year - 2))
        .values_list("area_id", flat=True)
    )
    scored = [(score_parts(need, served_recently=need.area_id in recent), need) for need in needs]
    scored.sort(key=lambda pair: (-pair[0]["total"], pair[1].cost, pair[1].pk))
    left = budget
    ranking = []
    for rank, (parts, need) in enumerate(scored, start=1):
        funded = need.cost <= left
        if funded:
            left -= need.cost
        ranking.append(
            {
                "rank": rank,
                "need": need.pk,
                "area": need.area_id,
                "area_name": need.area.name,
                "title": need.title,
                "cost": str(need.cost),
                "score": {key: str(value) for key, value in parts.items()},
                "funded": funded,
                "left_after": str(left),
                "note": "" if funded else _("Does not fit in what is left of the budget."),
            }
        )
    return ranking


def allocation_run(*, by: Actor, county: Any, year: int, budget: Any) -> AllocationRun:
    """The county allocates the year's projects from the submitted needs, by the ranking of
    ``allocation_preview``; the ranking and who decided are kept. Once a year per county."""
    permissions.ensure(by, Capability.ALLOCATE_PROJECTS, county.code)
    money = common.amount(budget, field="budget", allow_zero=False)
    with transaction.atomic():
        if AllocationRun.objects.filter(area=county, year=year).exists():
            raise common.refuse("year", _("The projects of %(year)s are already allocated.") % {"year": year})
        # Lock the needs so that one submitted meanwhile waits for next year rather than slip in unranked.
        list(
            Need.objects.select_for_update()
            .within(county.prefix)
            .filter(year=year, status=Need.Status.SUBMITTED)
        )
        ranking = allocation_preview(county=county, year=year, budget=money)
        if not ranking:
            raise common.refuse("year", _("No needs were submitted for %(year)s.") % {"year": year})
        run = AllocationRun.objects.create(
            area=county,
            year=year,
            budget=money,
            ranking=ranking,
            decided_by=_user(by),
            decided_by_name=str(getattr(by, "full_name", "") or describe(by))[:150],
        )
        needs = Need.objects.in_bulk([line["need"] for line in ranking])
        for line in ranking:
            need = needs[line["need"]]
            need.score = decimal.Decimal(line["score"]["total"])
            need.rank = line["rank"]
            need.status = Need.Status.ALLOCATED if line["funded"] else Need.Status.NOT_ALLOCATED
            need.save(update_fields=["score", "rank", "status"])
            if line["funded"]:
                project = Project.objects.create(
                    need=need, run=run, area_id=need.area_id, year=year, title=need.title, allocated=need.cost
                )
                FundEntry.objects.create(
                    project=project,
                    area_id=need.area_id,
                    kind=FundEntry.Kind.ALLOCATED,
                    amount=need.cost,
                    entered_on=datetime.date.today(),
                    note=_("Allocation %(year)s") % {"year": year},
                    recorded_by=_user(by),
                )
        record(by=by, action="outreach.allocation_run", obj=run, after=model_snapshot(run))
    return run


def project_assign(*, by: Actor, project: Project, implementer: str) -> Project:
    """Name the unit that implements the project; the project is then under way. May be nested."""
    permissions.ensure(by, Capability.RECORD_PROJECT_PROGRESS, project.area_id)
    name = common.text(implementer, field="implementer", max_length=128, required=True)
    with transition(
        project,
        by=by,
        action="outreach.project_assign",
        allowed=[Project.Status.ALLOCATED, Project.Status.UNDER_WAY],
    ) as locked:
        locked.implementer = name
        locked.status = Project.Status.UNDER_WAY
    return locked


@transaction.atomic
def milestone_add(*, by: Actor, project: Project, title: str, due: datetime.date) -> Milestone:
    permissions.ensure(by, Capability.RECORD_PROJECT_PROGRESS, project.area_id)
    if due is None:
        raise common.refuse("due", _("This is required."))
    milestone = Milestone.objects.create(
        project=project,
        area_id=project.area_id,
        title=common.text(title, field="title", max_length=128, required=True),
        due=due,
    )
    record(by=by, action="outreach.milestone_add", obj=milestone, after=model_snapshot(milestone))
    return milestone


def milestone_done(*, by: Actor, milestone: Milestone, done_on: datetime.date) -> Milestone:
    permissions.ensure(by, Capability.RECORD_PROJECT_PROGRESS, milestone.area_id)
    day = common.past_date(done_on, field="done_on")
    with transition(
        milestone, by=by, action="outreach.milestone_done", allowed=None, field="title"
    ) as locked:
        if locked.done_on is not None:
            raise ValidationError(_("This milestone is already done."))
        locked.done_on = day
    return locked


def _photo_suffix(upload: Any) -> str:
    if upload.size > MAX_PHOTO_BYTES:
        raise common.refuse("photo", _("The photo is larger than 8 MB."))
    head = upload.read(8)
    upload.seek(0)
    for magic, suffix in PHOTO_TYPES.items():
        if head.startswith(magic):
            return suffix
    raise common.refuse("photo", _("The photo must be a JPEG or PNG picture."))


@transaction.atomic
def inspection_record(
    *,
    by: Actor,
    project: Project,
    inspected_on: datetime.date,
    verdict: str,
    findings: str,
    photo: Any = None,
) -> Inspection:
    """A quality inspection with its findings and, optionally, a photo (JPEG or PNG, at most 8 MB),
    stored under the data directory once the transaction commits. May be nested."""
    permissions.ensure(by, Capability.RECORD_PROJECT_PROGRESS, project.area_id)
    if verdict not in Inspection.Verdict.values:
        raise common.refuse("verdict", _("Choose the verdict."))
    relative = ""
    if photo is not None:
        relative = f"outreach/inspections/{project.pk}/{uuid.uuid4().hex}{_photo_suffix(photo)}"
    inspection = Inspection.objects.create(
        project=project,
        area_id=project.area_id,
        inspected_on=common.past_date(inspected_on, field="inspected_on"),
        verdict=verdict,
        findings=common.text(findings, field="findings", max_length=4000, required=True),
        photo=relative,
        inspected_by=_user(by),
    )
    record(by=by, action="outreach.inspection_record", obj=inspection, after=model_snapshot(inspection))
    if photo is not None:
        data = b"".join(photo.chunks())
        target = Path(settings.MEDIA_ROOT) / relative

        def store() -> None:
            write_sealed(target, [data])  # SM4-GCM at rest

        transaction.on_commit(store)  # a rolled-back inspection leaves no photo behind
    return inspection


@transaction.atomic
def fund_enter(
    *, by: Actor, project: Project, kind: str, amount: Any, entered_on: datetime.date, note: str = ""
) -> FundEntry:
    """A fund entry: more allocated, money spent, or a receipt filed for money spent. Entries are kept
    as given even when they do not add up: the audit view lists such projects. May be nested."""
    permissions.ensure(by, Capability.RECORD_PROJECT_PROGRESS, project.area_id)
    if kind not in FundEntry.Kind.values:
        raise common.refuse("kind", _("Choose the kind of entry."))
    entry = FundEntry.objects.create(
        project=project,
        area_id=project.area_id,
        kind=kind,
        amount=common.amount(amount, field="amount", allow_zero=False),
        entered_on=common.past_date(entered_on, field="entered_on"),
        note=common.text(note, field="note", max_length=128),
        recorded_by=_user(by),
    )
    record(by=by, action="outreach.fund_enter", obj=entry, after=model_snapshot(entry))
    return entry


def project_finish(*, by: Actor, project: Project) -> Project:
    permissions.ensure(by, Capability.RECORD_PROJECT_PROGRESS, project.area_id)
    if project.milestones.filter(done_on__isnull=True).exists():
        raise ValidationError(_("Some milestones are not done yet."))
    with transition(
        project, by=by, action="outreach.project_finish", allowed=[Project.Status.UNDER_WAY]
    ) as locked:
        locked.status = Project.Status.DONE
    return locked
