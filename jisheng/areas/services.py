"""Loading and changing the area tree. Codes never change meaning: a renamed area keeps its code and
records the old name; a merge or split retires the old codes and points them at their successors."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from jisheng.audit import services as audit
from jisheng.core.actor import Actor

from .codes import level_of, normalize_code, parent_code_of
from .models import Area, AreaEvent


@dataclass
class ImportResult:
    created: int = 0
    renamed: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _parse_optional_date(value: str, row_number: int, column: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise ValidationError(
            _("Row %(row)d, column %(column)s, value “%(value)s”: not a date (use YYYY-MM-DD).")
            % {"row": row_number, "column": column, "value": value}
        )
    return parsed


@transaction.atomic
def areas_import(*, rows: Iterable[list[str]], by: Actor) -> ImportResult:
    """Create or rename areas from rows of code,name[,valid_from,valid_to].

    Rows are sorted by code so that parents come before children. Any bad row aborts the whole
    import: a half-loaded area tree would misattribute every record below it.
    May be nested.
    """
    result = ImportResult()
    parsed: list[tuple[int, str, str, datetime.date | None, datetime.date | None]] = []
    for row_number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip():
            continue
        if row_number == 1 and not row[0].strip().isdigit():
            continue  # header
        try:
            try:
                code = normalize_code(row[0])
            except ValidationError as exc:
                raise ValidationError(
                    _("Row %(row)d, column code: %(message)s")
                    % {"row": row_number, "message": exc.messages[0]}
                ) from exc
            name = (row[1] if len(row) > 1 else "").strip()
            if not name:
                raise ValidationError(_("Row %(row)d, column name: the name is empty.") % {"row": row_number})
            valid_from = _parse_optional_date(row[2] if len(row) > 2 else "", row_number, "valid_from")
            valid_to = _parse_optional_date(row[3] if len(row) > 3 else "", row_number, "valid_to")
        except ValidationError as exc:
            result.errors.append(exc.messages[0])
            continue
        parsed.append((row_number, code, name, valid_from, valid_to))
    if result.errors:
        transaction.set_rollback(True)
        return result
    existing = {area.code: area for area in Area.objects.all()}
    for row_number, code, name, valid_from, valid_to in sorted(parsed, key=lambda item: item[1]):
        parent_code = parent_code_of(code)
        if parent_code is not None and parent_code not in existing:
            result.errors.append(
                _("Row %(row)d, column code, value “%(code)s”: its parent area %(parent)s is unknown.")
                % {"row": row_number, "code": code, "parent": parent_code}
            )
            continue
        area = existing.get(code)
        if area is None:
            area = Area.objects.create(
                code=code,
                name=name,
                level=level_of(code),
                parent=existing.get(parent_code) if parent_code else None,
                valid_from=valid_from,
                valid_to=valid_to,
            )
            AreaEvent.objects.create(area=area, kind=AreaEvent.Kind.CREATED, date=valid_from, new_name=name)
            existing[code] = area
            result.created += 1
        elif area.name != name:
            _rename(area=area, new_name=name, date=valid_from, by=by)
            result.renamed += 1
        else:
            result.unchanged += 1
    if result.errors:
        transaction.set_rollback(True)
        return result
    if result.created or result.renamed:
        audit.record(
            by=by,
            action="area.import",
            object_type="areas.area",
            after={"created": result.created, "renamed": result.renamed},
        )
    return result


def areas_import_file(*, path: Path, by: Actor) -> ImportResult:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return areas_import(rows=list(csv.reader(handle)), by=by)


def _rename(*, area: Area, new_name: str, date: datetime.date | None, by: Actor) -> None:
    AreaEvent.objects.create(
        area=area, kind=AreaEvent.Kind.RENAMED, date=date, old_name=area.name, new_name=new_name
    )
    audit.record(by=by, action="area.rename", obj=area, before={"name": area.name}, after={"name": new_name})
    area.name = new_name
    area.save(update_fields=["name"])


@transaction.atomic
def area_rename(*, area: Area, new_name: str, date: datetime.date, by: Actor) -> Area:
    """May be nested."""
    _rename(area=area, new_name=new_name, date=date, by=by)
    return area


@transaction.atomic
def area_merge(*, retired: list[Area], into: Area, date: datetime.date, by: Actor) -> None:
    """Retire areas merged into another. Their records keep pointing at the old code, which still
    resolves, with its successor, for anyone reading history. May be nested."""
    for area in retired:
        area.valid_to = date
        area.successor = into
        area.save(update_fields=["valid_to", "successor"])
        AreaEvent.objects.create(area=area, kind=AreaEvent.Kind.MERGED, date=date, related_codes=into.code)
        audit.record(by=by, action="area.merge", obj=area, after={"into": into.code, "date": date})


def name_on(area: Area, date: datetime.date) -> str:
    """The area's name as it was on a date, for old reports and certificates."""
    later_rename = (
        area.events.filter(kind=AreaEvent.Kind.RENAMED, date__gt=date).order_by("date", "id").first()
    )
    return later_rename.old_name if later_rename else area.name
