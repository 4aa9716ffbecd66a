"""Ratings (好差评) and their follow-up, counter consultations, and loading the catalogue policy files."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.audit.services import model_snapshot, record
from jisheng.workdays import services as workdays

from ..models import Application, Consultation, Material, QaEntry, Rating, ServiceItem
from .common import require_staff

POLICY_DIR = Path(__file__).resolve().parent.parent.parent / "policy" / "hall"
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
]
EDITABLE_FIELDS = {
    "time_limit_counter",
    "time_limit_online",
    "fee",
    "summary",
    "effective_to",
    "may_refuse_at_intake",
}


@transaction.atomic
def rating_submit(*, application: Application, level: int, comment: str = "") -> Rating:
    """The resident rates a finished case once; 1–2 go on the follow-up list with a 15-working-day limit."""
    if application.is_open:
        raise ValidationError(_("An application can be rated once it is concluded"))
    if not 1 <= level <= 5:
        raise ValidationError(_("“Rating”: choose 1 to 5 stars"))
    if Rating.objects.filter(application=application).exists():
        raise ValidationError(_("This application has already been rated"))
    today = timezone.localdate()
    rating = Rating.objects.create(
        application=application,
        level=level,
        comment=comment.strip()[:300],
        created_at=timezone.now(),
        follow_up_due=workdays.due_date(today, BAD_RATING_FOLLOW_UP_DAYS) if level <= 2 else None,
    )
    record(by=None, action="hall.rate", obj=rating, after=model_snapshot(rating))
    return rating


@transaction.atomic
def rating_reply(*, rating: Rating, reply: str, by: Any) -> Rating:
    require_staff(by, rating.application, ("counter_clerk", "township_head"))
    if not reply.strip():
        raise ValidationError(_("“Reply”: describe the correction or the reply"))
    rating.reply, rating.replied_by, rating.replied_at = reply.strip(), by, timezone.now()
    rating.save(update_fields=["reply", "replied_by", "replied_at"])
    record(by=by, action="hall.rating_reply", obj=rating, after={"reply": rating.reply})
    return rating


@transaction.atomic
def consultation_log(
    *, office: Any, asker: str, question: str, answer: str, entry: QaEntry | None, by: Any
) -> Consultation:
    require_staff(by, None, ("counter_clerk", "township_head", "village_officer"))
    if not question.strip() or not answer.strip():
        raise ValidationError(_("“Question” and “answer”: both are required"))
    consultation = Consultation.objects.create(
        office=office,
        asker=asker.strip()[:64] or "群众",
        question=question.strip()[:300],
        answer=answer.strip(),
        entry=entry,
        staff=by,
        at=timezone.now(),
    )
    record(by=by, action="hall.consult", obj=consultation, after=model_snapshot(consultation))
    return consultation


@transaction.atomic
def catalogue_load(*, by: Any, directory: Path | None = None) -> dict[str, int]:
    """Load items.toml and qa.toml; items are matched by code, their materials replaced. Idempotent."""
    directory = directory or POLICY_DIR
    items_data = tomllib.loads((directory / "items.toml").read_text(encoding="utf-8"))
    qa_data = tomllib.loads((directory / "qa.toml").read_text(encoding="utf-8"))
    version = str(items_data["version"])
    changed = 0
    for raw in items_data["item"]:
        values = {name: raw.get(name) for name in ITEM_FIELDS}
        values["effective_to"] = raw.get("effective_to")
        values["certificate"] = raw.get("certificate", "")
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
    qa_version = str(qa_data["version"])
    for raw in qa_data["entry"]:
        QaEntry.objects.update_or_create(
            code=raw["code"],
            defaults={
                "question": raw["question"],
                "answer": raw["answer"],
                "source": raw["source"],
                "keywords": raw.get("keywords", ""),
                "catalogue_version": qa_version,
            },
        )
    return {"items": changed, "questions": len(qa_data["entry"])}


@transaction.atomic
def catalogue_item_update(*, item: ServiceItem, changes: dict[str, Any], by: Any) -> ServiceItem:
    """An administrator's edit of an item's limits, fee, summary or end date."""
    require_staff(by, None, ("system_admin", "city_staff"))
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
