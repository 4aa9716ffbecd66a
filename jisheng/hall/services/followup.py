"""Ratings (好差评) and their follow-up, counter consultations, and loading the catalogue policy files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user, staff_user
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor
from jisheng.workdays import services as workdays

from .. import policy
from ..models import (
    Application,
    Consultation,
    Material,
    QaEntry,
    Rating,
    RatingLevel,
    ServiceItem,
    ServiceOffice,
)
from . import tell

BAD_RATING_FOLLOW_UP_DAYS = 15
ITEM_FIELDS = [
    "name",
    "category",
    "summary",
    "legal_basis",
    "time_limit_counter",
    "time_limit_online",
    "fee",
    "accepting_level",
    "approving_level",
    "certificate",
    "may_refuse_at_intake",
    "bookable",
    "effective_from",
    "effective_to",
    "conditions",
    "legal_time_limit",
    "visits",
    "fee_basis",
]
EDITABLE_FIELDS = {
    "time_limit_counter",
    "time_limit_online",
    "fee",
    "summary",
    "effective_to",
    "may_refuse_at_intake",
}


@transaction.atomic(durable=True)
def rating_submit(
    *, application: Application, level: int | str | None, comment: str = "", by: Actor
) -> Rating:
    """The resident rates a concluded case once (好差评: a counter visit or an online case).

    Nothing is chosen for them: a missing or unknown level is refused. 不满意 and 非常不满意 are bad
    ratings and go on the follow-up list with 15 working days to reply.
    Outermost.
    """
    try:
        chosen = RatingLevel(int(level or 0))
    except ValueError as exc:
        levels = " / ".join(str(choice.label) for choice in RatingLevel)
        raise ValidationError(_("“Rating”: choose one of %(levels)s") % {"levels": levels}) from exc
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.is_open:
        raise ValidationError(_("An application can be rated once it is concluded"))
    if Rating.objects.filter(application=application).exists():
        raise ValidationError(_("This application has already been rated"))
    today = timezone.localdate()
    rating = Rating.objects.create(
        application=application,
        channel=application.channel,
        level=chosen,
        comment=comment.strip()[:300],
        created_at=timezone.now(),
        follow_up_due=(
            workdays.due_date(today, BAD_RATING_FOLLOW_UP_DAYS)
            if chosen <= RatingLevel.DISSATISFIED
            else None
        ),
    )
    record(by=by, action="hall.rate", obj=rating, after=model_snapshot(rating))
    return rating


@transaction.atomic(durable=True)
def rating_reply(*, rating: Rating, reply: str, by: Actor) -> Rating:
    """The office's follow-up of a bad rating (回访整改), recorded with who answered and when. Outermost."""
    permissions.ensure(by, Capability.WORK_AT_COUNTER, rating.application.area_id)
    rating = Rating.objects.select_for_update().select_related("application").get(pk=rating.pk)
    if not reply.strip():
        raise ValidationError(_("“Reply”: describe the correction or the reply"))
    if rating.reply:
        raise ValidationError(_("This rating has already been answered"))
    rating.reply, rating.replied_by, rating.replied_at = reply.strip(), staff_user(by), timezone.now()
    rating.save(update_fields=["reply", "replied_by", "replied_at"])
    record(by=by, action="hall.rating_reply", obj=rating, after={"reply": rating.reply})
    tell.rating_answered(rating.application, by=by)
    return rating


@transaction.atomic(durable=True)
def rating_appeal(*, rating: Rating, text: str, by: Actor) -> Rating:
    """The resident, unhappy with the reply, appeals once (申诉); the township head answers within
    15 working days. Outermost."""
    rating = Rating.objects.select_for_update().select_related("application").get(pk=rating.pk)
    if not rating.reply:
        raise ValidationError(_("There is no reply to appeal against yet"))
    if rating.appealed_at is not None:
        raise ValidationError(_("This reply has already been appealed"))
    if not text.strip():
        raise ValidationError(_("“Appeal”: say what is wrong with the reply"))
    rating.appeal = text.strip()[:300]
    rating.appealed_at = timezone.now()
    rating.appeal_due = workdays.due_date(timezone.localdate(), BAD_RATING_FOLLOW_UP_DAYS)
    rating.save(update_fields=["appeal", "appealed_at", "appeal_due"])
    record(by=by, action="hall.rating_appeal", obj=rating, after={"appeal": rating.appeal})
    return rating


@transaction.atomic(durable=True)
def rating_appeal_answer(*, rating: Rating, answer: str, by: Actor) -> Rating:
    """The township head (not the clerk whose reply is appealed) answers the appeal. Outermost."""
    permissions.ensure(by, Capability.REVIEW_DECISIONS, rating.application.area_id)
    rating = Rating.objects.select_for_update().select_related("application").get(pk=rating.pk)
    if rating.appealed_at is None:
        raise ValidationError(_("This rating has not been appealed"))
    if rating.appeal_reply:
        raise ValidationError(_("This appeal has already been answered"))
    if not answer.strip():
        raise ValidationError(_("“Answer”: describe the review of the appeal"))
    rating.appeal_reply, rating.appeal_replied_by, rating.appeal_replied_at = (
        answer.strip(),
        staff_user(by),
        timezone.now(),
    )
    rating.save(update_fields=["appeal_reply", "appeal_replied_by", "appeal_replied_at"])
    record(by=by, action="hall.rating_appeal_answer", obj=rating, after={"answer": rating.appeal_reply})
    return rating


@transaction.atomic(durable=True)
def consultation_log(
    *, office: Any, asker: str, question: str, answer: str, entry: QaEntry | None, by: Actor
) -> Consultation:
    """Outermost."""
    permissions.ensure_holds(by, Capability.SERVE_RESIDENTS)
    if not question.strip() or not answer.strip():
        raise ValidationError(_("“Question” and “answer”: both are required"))
    consultation = Consultation.objects.create(
        office=office,
        asker=asker.strip()[:64] or "群众",
        question=question.strip()[:300],
        answer=answer.strip(),
        entry=entry,
        staff=acting_user(by),
        at=timezone.now(),
    )
    record(by=by, action="hall.consult", obj=consultation, after=model_snapshot(consultation))
    return consultation


@transaction.atomic
def catalogue_load(*, by: Actor, directory: Path | None = None) -> dict[str, int]:
    """Load items.toml, offices.toml and qa.toml after checking them all (policy.load refuses a file
    with mistakes, naming each line); items are matched by code, their materials replaced. Idempotent.
    May be nested (the demo loads it inside its own transaction)."""
    catalogue = policy.load(directory)
    version = catalogue.version
    changed = 0
    for raw in catalogue.items:
        values: dict[str, Any] = {name: raw.get(name) for name in ITEM_FIELDS}
        values["certificate"] = raw.get("certificate", "")
        values["legal_time_limit_basis"] = raw.get("legal_time_limit_basis", "")
        values["special_steps"] = [dict(step) for step in raw.get("step", [])]
        item = ServiceItem.objects.filter(code=raw["code"]).first()
        if item is not None and item.catalogue_version == version:
            continue
        before = model_snapshot(item) if item else None
        item, _created = ServiceItem.objects.update_or_create(
            code=raw["code"], defaults={**values, "catalogue_version": version}
        )
        item.materials.all().delete()
        Material.objects.bulk_create(
            Material(
                item=item,
                code=m["code"],
                name=m["name"],
                required=m.get("required", True),
                registry_fetchable=m.get("registry", False),
                originals=m.get("originals", 1),
                copies=m.get("copies", 0),
                note=m.get("note", ""),
                form_fields=list(m.get("form_fields", [])),
                position=index,
            )
            for index, m in enumerate(raw.get("material", []))
        )
        record(
            by=by,
            action="hall.catalogue_load",
            obj=item,
            before=before,
            after=model_snapshot(item),
            area_code="",
        )
        changed += 1
    offices = [{**catalogue.default_office, "code": "default"}, *catalogue.offices]
    for raw in offices:
        values = {
            "name": raw.get("name", ""),
            "address": raw.get("address", ""),
            "hours": raw.get("hours", ""),
            "phone": raw.get("phone", ""),
            "complaint_phone": raw.get("complaint_phone", ""),
            "complaint_channels": list(raw.get("complaint_channels", [])),
            "catalogue_version": catalogue.offices_version,
        }
        office = ServiceOffice.objects.filter(code=raw["code"]).first()
        if office is not None and all(getattr(office, name) == value for name, value in values.items()):
            continue
        before = model_snapshot(office) if office else None
        office, _created = ServiceOffice.objects.update_or_create(code=raw["code"], defaults=values)
        # Audited like an item: the hours and phones every guide prints are the office's promise, and
        # the kept portal pages are drawn again when the catalogue's last event changes.
        record(
            by=by,
            action="hall.office_load",
            obj=office,
            before=before,
            after=model_snapshot(office),
            area_code="",
        )
    for office in ServiceOffice.objects.exclude(code__in=[raw["code"] for raw in offices]):
        record(
            by=by,
            action="hall.office_remove",
            obj=office,
            before=model_snapshot(office),
            after=None,
            area_code="",
        )
        office.delete()
    for raw in catalogue.questions:
        QaEntry.objects.update_or_create(
            code=raw["code"],
            defaults={
                "question": raw["question"],
                "answer": raw["answer"],
                "source": raw["source"],
                "keywords": raw.get("keywords", ""),
                "catalogue_version": catalogue.qa_version,
            },
        )
    return {"items": changed, "questions": len(catalogue.questions)}


@transaction.atomic(durable=True)
def catalogue_item_update(*, item: ServiceItem, changes: dict[str, Any], by: Actor) -> ServiceItem:
    """An administrator's edit of an item's limits, fee, summary or end date. Outermost."""
    permissions.ensure_holds(by, Capability.CONFIGURE_CATALOGUE)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    before = model_snapshot(item)
    for name, value in changes.items():
        setattr(item, name, value)
    item.catalogue_version = f"{item.catalogue_version.split('+')[0]}+local"
    item.full_clean()
    item.save()
    record(
        by=by, action="hall.catalogue_edit", obj=item, before=before, after=model_snapshot(item), area_code=""
    )
    return item
