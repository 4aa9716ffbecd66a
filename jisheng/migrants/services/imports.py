"""Moves arriving by import (see ``jisheng.migrants.imports``): the upload's record and the writing of
its rows through the same services as the forms, all of them or none."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.audit.services import record
from jisheng.core.actor import Actor
from jisheng.core.text import clean_text, simplified
from jisheng.core.upload_retention import remove_files
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number

from ..models import MoveImport
from .moves import arrival_record, departure_record

if TYPE_CHECKING:
    from ..imports import ProgressFn, Sheet


def move_import_create(*, kind: str, file_name: str, by: Actor) -> MoveImport:
    """A file of departures or arrivals received for import, in the uploader's area; audited as an
    upload. May be nested."""
    user = acting_user(by)
    if user.area is None:
        raise PermissionDenied(_("This is outside your area."))
    permissions.ensure(by, Capability.RECORD_MIGRANTS, user.area.code)
    if kind not in MoveImport.Kind.values:
        raise ValidationError(_("Choose departures or arrivals."))
    with transaction.atomic():
        job = MoveImport.objects.create(
            kind=kind, file_name=clean_text(file_name)[:255], area=user.area, created_by=user
        )
        record(
            by=by, action="migrants.move_import_create", obj=job, after={"kind": kind, "file": job.file_name}
        )
    return job


def move_import_update(*, job: MoveImport, **fields: Any) -> MoveImport:
    """Bookkeeping of the import's own progress (path, counts, status): not floating-population data,
    so not audited; the rows it writes are audited by their services and the write by
    ``move_import_write``."""
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
    return job


class _Refused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} rows refused")
        self.errors = errors


def move_import_write(*, job: MoveImport, sheet: Sheet, progress: ProgressFn, by: Actor) -> MoveImport:
    """Write every row of the sheet through ``departure_record`` or ``arrival_record`` in one
    transaction: when any row is refused nothing is written, and the job lists each refusal with its
    row and column as the file names them. Outermost (it owns the transaction that may roll back)."""
    from ..imports import file_sha256

    errors: list[str] = []
    written = 0
    try:
        with transaction.atomic():
            written = _write_rows(job, sheet, progress, errors, by)
            if errors:
                raise _Refused(errors)
            sha = file_sha256_or_blank(job.stored_path, file_sha256)
            record(
                by=by,
                action="migrants.move_import_write",
                obj=job,
                after={"kind": job.kind, "file": job.file_name, "rows": written, "sha256": sha},
            )
            move_import_update(
                job=job,
                status=MoveImport.Status.DONE,
                written_rows=written,
                errors=[],
                sha256=sha,
                message=_("%(count)s rows written.") % {"count": written},
                finished_at=timezone.now(),
            )
    except _Refused as refused:
        job.refresh_from_db()
        move_import_update(
            job=job,
            status=MoveImport.Status.REFUSED,
            written_rows=0,
            errors=refused.errors[:2000],
            message=(
                _("%(count)s rows refused; nothing was written. Correct them and upload the file again.")
                % {"count": len(refused.errors)}
            )[:255],
            finished_at=timezone.now(),
        )
        record(
            by=by,
            action="migrants.move_import_refused",
            obj=job,
            after={"kind": job.kind, "file": job.file_name, "refused": len(refused.errors)},
        )
    return job


def file_sha256_or_blank(path: str, digest: Any) -> str:
    try:
        return str(digest(Path(path)))
    except OSError:
        return ""


def _write_rows(job: MoveImport, sheet: Sheet, progress: ProgressFn, errors: list[str], by: Actor) -> int:
    from ..imports import (
        RowRefused,
        a_date,
        a_measure,
        a_reason,
        an_id,
        refusal_text,
        row_error,
        text_of,
        yes_no,
    )

    labels = sheet.labels
    user = acting_user(by)
    visible = Person.objects.visible_to(user)
    villages = _villages_of(user.area) if job.kind == MoveImport.Kind.ARRIVALS else {}
    seen: dict[str, int] = {}
    written = 0
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        try:
            id_number = an_id(cells.get("id_number"), labels["id_number"])
            if id_number in seen:
                raise RowRefused(
                    labels["id_number"],
                    _("“%(value)s” is already on row %(row)s") % {"value": id_number, "row": seen[id_number]},
                )
            seen[id_number] = number
            name = text_of(cells.get("name")).replace(" ", "")
            if job.kind == MoveImport.Kind.DEPARTURES:
                person = person_by_id_number(id_number, within=visible)
                if person is None:
                    raise RowRefused(labels["id_number"], _("no one of your area has this number"))
                if name and simplified(name) != simplified(person.name):
                    raise RowRefused(
                        labels["name"],
                        _("the person with this ID number is called %(name)s") % {"name": person.name},
                    )
                values = {
                    "left_on": a_date(cells.get("left_on"), labels["left_on"]),
                    "destination": text_of(cells.get("destination")),
                    "reason": a_reason(cells.get("reason"), labels.get("reason", "")),
                    "address": text_of(cells.get("address")),
                    "employer": text_of(cells.get("employer")),
                    "phone": text_of(cells.get("phone")),
                    "contact_phone": text_of(cells.get("contact_phone")),
                    "contraception": a_measure(cells.get("contraception"), labels.get("contraception", "")),
                    "agreement_signed": yes_no(cells.get("agreement"), labels.get("agreement", "")),
                }
                _attempt_row(departure_record, person=person, by=by, **values)
            else:
                village_text = simplified(text_of(cells.get("village"))).replace(" ", "")
                village = villages.get(village_text) or villages.get(village_text.ljust(12, "0"))
                if village is None:
                    raise RowRefused(
                        labels.get("village", "村"),
                        _("“%(value)s” is not a village of your area")
                        % {"value": text_of(cells.get("village"))},
                    )
                arrival_values = {
                    "arrived_on": a_date(cells.get("arrived_on"), labels["arrived_on"]),
                    "name": name,
                    "origin": text_of(cells.get("origin")),
                    "phone": text_of(cells.get("phone")),
                    "address": text_of(cells.get("address")),
                    "employer": text_of(cells.get("employer")),
                    "contraception": a_measure(cells.get("contraception"), labels.get("contraception", "")),
                    "pregnant": yes_no(cells.get("pregnant"), labels.get("pregnant", "")),
                    "certificate_text": text_of(cells.get("certificate")),
                }
                _attempt_row(arrival_record, village=village, id_number=id_number, by=by, **arrival_values)
            written += 1
        except RowRefused as refused:
            errors.append(row_error(number, refused.column, refused.reason))
        except (ValidationError, PermissionDenied) as refusal:
            errors.append(row_error(number, "", _as_typed(refusal_text(refusal), labels, job.kind)))
        if done % 50 == 0 or done == len(sheet.rows):
            progress(done)
    return written


def _attempt_row(service: Any, **arguments: Any) -> None:
    """One row in a savepoint: its refusal undoes only what it began, so later rows are still checked."""
    with transaction.atomic():
        service(**arguments)


def _as_typed(message: str, labels: dict[str, str], kind: str) -> str:
    """A service names a field in its words (“destination”); the file's clerk wrote 去向."""
    from ..imports import COLUMNS

    for column in COLUMNS[kind]:
        if column.key in labels:
            message = message.replace(f"“{column.label}”", f"“{labels[column.key]}”")
    return message


def _villages_of(area: Area | None) -> dict[str, Area]:
    """The current villages of the uploader's area, by code and by name (simplified, no spaces)."""
    if area is None:
        return {}
    found: dict[str, Area] = {}
    for village in Area.objects.filter(
        level=Level.VILLAGE, code__startswith=area.prefix, valid_to__isnull=True
    ):
        found[village.code] = village
        found[simplified(village.name).replace(" ", "")] = village
    return found


def move_import_files_remove(
    *, job: MoveImport, files: list[Path], retention_days: int, by: Actor
) -> list[str]:
    """Remove an ended import's upload and its progress file once the retention has passed; audited,
    the removal failing with the event. The job's row, its counts and refusals stay. Outermost."""
    with transaction.atomic(durable=True):
        record(
            by=by,
            action="migrants.move_import_files_remove",
            obj=job,
            after={"retention_days": retention_days, "files": sorted(path.name for path in files)},
        )
        return remove_files(files)


def move_import_orphans_remove(*, files: list[Path], retention_days: int, by: Actor) -> list[str]:
    """Remove files of the moves' import folder that no import references once older than the
    retention; one audited event. Outermost."""
    with transaction.atomic(durable=True):
        record(
            by=by,
            action="migrants.move_import_orphans_remove",
            object_type="migrants.moveimport",
            object_id="",
            object_repr=f"{len(files)}",
            after={"retention_days": retention_days, "files": sorted(path.name for path in files)},
            area_code="",
        )
        return remove_files(files)
