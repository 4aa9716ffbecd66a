"""Resolving checked rows against the database, a batch at a time: references (villages, persons,
households), duplicates within the file, and what is new, changed or unchanged.

Each resolver turns a batch of clean rows into an ``import_writer.Plan`` and adds the rows it refuses
to the result's errors, naming row, column, value and reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from jisheng.areas.models import Area
from jisheng.areas.scoping import user_prefix
from jisheng.core.actor import Actor, is_staff
from jisheng.core.planner import index_lookups_preferred

from .. import import_writer, live_ids
from ..models import Birth, Contraception, Household, Marriage, Person
from ..validation import Refusal, check_birth, identity_from_id
from .kinds import column_letter, columns_of
from .reader import typed


@dataclass
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s, value %(value)s: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "value": self.value or _("(empty)"),
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # accepted rows the clerk should look at
    labels: list[str] = field(default_factory=list)  # the file's headers as typed
    refused_cells: list[tuple[int, list[Any]]] = field(default_factory=list)  # refused rows as read
    written: bool = False
    dry_run: bool = False
    sha256: str = ""
    accepted: int = 0

    def summary(self) -> str:
        if self.dry_run:
            head = _("Dry run, nothing written.")
        elif self.written:
            head = _("Imported.")
        else:
            head = _("Nothing written: some rows were refused and all-or-nothing was chosen.")
        return _(
            "%(head)s Rows: %(total)s; new: %(created)s; changed: %(updated)s; unchanged: %(unchanged)s; refused: %(refused)s."
        ) % {
            "head": head,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": len({error.row for error in self.errors}),
        } + (
            _(" Rows with warnings (imported, please check): %(count)s.")
            % {"count": len({warning.row for warning in self.warnings})}
            if self.warnings
            else ""
        )


@dataclass
class Context:
    kind: str
    by: Actor
    villages: dict[str, Area]
    default_village: Area | None
    headers: list[str]
    mapping: dict[str, int]
    seen_keys: dict[Any, int] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)  # headers as typed in the file
    cells: dict[int, list[Any]] = field(default_factory=dict)  # row number → cells, of the batch

    def column_name(self, key: str) -> str:
        index = self.mapping.get(key)
        if index is None:
            return key
        names = self.labels if index < len(self.labels) else self.headers
        return f"{column_letter(index)}({names[index]})"

    def typed(self, number: int, key: str, value: Any) -> str:
        """The cell of that row and field as typed in the file; value (what it was read as) when the
        field has no column (a default village) or the row is not at hand."""
        index = self.mapping.get(key)
        cells = self.cells.get(number)
        if index is None or cells is None:
            return shown(value)
        return typed(cells[index]) if index < len(cells) else ""

    def persons(self) -> Any:
        return Person.objects.visible_to(self.by) if is_staff(self.by) else Person.objects.all()


def shown(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return typed(value)


def _fail(ctx: Context, result: ImportResult, number: int, key: str, value: Any, reason: str) -> None:
    result.errors.append(RowError(number, ctx.column_name(key), ctx.typed(number, key, value), reason))


def _village_of(ctx: Context, result: ImportResult, number: int, row: dict[str, Any]) -> Area | None:
    code = row.get("village_code") or (ctx.default_village.code if ctx.default_village else "")
    if not code:
        _fail(ctx, result, number, "village_code", "", _("is required (no default village was given)"))
        return None
    village = ctx.villages.get(code)
    if village is None:
        _fail(ctx, result, number, "village_code", code, _("is not a village in your area"))
    return village


def references_of_refused_row(ctx: Context, result: ImportResult, number: int, clean: dict[str, Any]) -> None:
    """For a row already refused for its cells: the reference checks that need only the cells that did
    parse (today the village), so the person correcting the row learns of every problem at once."""
    if any(column.key == "village_code" for column in columns_of(ctx.kind)) and (
        "village_code" in clean or "village_code" not in ctx.mapping
    ):
        _village_of(ctx, result, number, clean)


def _first_time(ctx: Context, result: ImportResult, number: int, key: Any, column: str, value: Any) -> bool:
    earlier = ctx.seen_keys.get(key)
    if earlier is not None:
        _fail(ctx, result, number, column, value, _("repeats row %(row)s of this file") % {"row": earlier})
        return False
    ctx.seen_keys[key] = number
    return True


LOOKUP_ROWS = 5000  # ID numbers looked up in one query

PERSON_COMPARED = (
    "name",
    "ethnicity",
    "marital_status",
    "phone",
    "relation_to_head",
    "address",
    "hukou_type",
    "status",
)


def _registered(sealed_ids: list[str]) -> list[dict[str, Any]]:
    """The live persons holding these (sealed) ID numbers, in any county.

    On PostgreSQL the holders are found in the table of live ID numbers (``live_ids``: one probe a
    number, where the person table's ID indexes cost one probe a number in each county's partition),
    then read from their own counties' partitions by id. The planner, expecting thousands of rows,
    would read every row of the county's partition rather than probe its primary key thousands of
    times; the probes are three times faster (measured: 5,000 ids against a county of 100,000,
    150 against 50 ms), so sequential scans are turned off for these reads, inside a savepoint that
    puts the setting back."""
    columns = (
        # household_id, not household__number: the join made PostgreSQL hash the whole household
        # table for every batch.
        "pk",
        "id_number",
        "residence_area_id",
        "household_id",
        *PERSON_COMPARED,
    )
    if connection.vendor != "postgresql":
        return list(
            Person.objects.filter(id_number__any_of=sealed_ids, merged_into__isnull=True).values(*columns)
        )
    found: list[dict[str, Any]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        by_county = live_ids.holders(cursor, sealed_ids)
        if not by_county:
            return found
        with index_lookups_preferred(cursor):
            for county, ids in by_county.items():
                found.extend(Person.objects.filter(county_code=county, pk__any_of=ids).values(*columns))
    return found


def resolve_persons(
    ctx: Context, checked: list[tuple[int, dict[str, Any]]], result: ImportResult
) -> import_writer.Plan:
    plan = import_writer.Plan(kind="persons")
    # The numbers as their column stores them, sealed by the checking thread (the field passes a
    # sealed value through).
    ids = [import_writer.prepared(row)[0] for _n, row in checked]
    existing = {
        row["id_number"]: row
        for start in range(0, len(ids), LOOKUP_ROWS)
        for row in _registered(ids[start : start + LOOKUP_ROWS])
    }
    households = {
        h.number: h
        for h in Household.objects.filter(
            number__any_of=[r.get("household_number") for _n, r in checked if r.get("household_number")]
        )
    }
    for number, row in checked:
        # The three checks are independent: a row failing several hears of each at once.
        first = _first_time(ctx, result, number, ("person", row["id_number"]), "id_number", row["id_number"])
        village = _village_of(ctx, result, number, row)
        household_number = row.get("household_number", "")
        household = households.get(household_number) if household_number else None
        if village is not None and household is not None and household.area_id != village.code:
            _fail(ctx, result, number, "household_number", household_number, _("belongs to another village"))
            continue
        if not first or village is None:
            continue
        values = {
            key: row[key]
            for key in PERSON_COMPARED
            if key in row and (row[key] != "" or key in ("phone", "address"))
        }
        current = existing.get(row["id_number"])
        if current is None:
            plan.creates.append(
                {
                    **values,
                    "id_number": row["id_number"],
                    "birth_date": row["birth_date"],
                    "sex": row["sex"],
                    "residence_area_id": village.code,
                    "household_number": household_number,
                    import_writer.PREPARED: row[import_writer.PREPARED],
                }
            )
            if household_number and household is None:
                plan.households.setdefault(household_number, village.code)
            plan.accepted += 1
            continue
        if current["residence_area_id"] != village.code:
            _fail(
                ctx,
                result,
                number,
                "village_code",
                village.code,
                _("the person is registered in another village; record a move instead"),
            )
            continue
        if is_staff(ctx.by) and not current["residence_area_id"].startswith(user_prefix(ctx.by) or "-"):
            _fail(
                ctx,
                result,
                number,
                "id_number",
                row["id_number"],
                _("the person is registered outside your area"),
            )
            continue
        changes = {key: value for key, value in values.items() if current[key] != value}
        if household_number and (household is None or current["household_id"] != household.pk):
            changes["household_number"] = household_number
            if household is None:
                plan.households.setdefault(household_number, village.code)
        if changes:
            plan.updates.append((current["pk"], changes))
            plan.counties[current["pk"]] = current["residence_area_id"][:6]
        else:
            plan.unchanged += 1
        plan.accepted += 1
    return plan


def resolve_households(
    ctx: Context, checked: list[tuple[int, dict[str, Any]]], result: ImportResult
) -> import_writer.Plan:
    plan = import_writer.Plan(kind="households")
    existing = {
        h.number: h for h in Household.objects.filter(number__any_of=[r["number"] for _n, r in checked])
    }
    for number, row in checked:
        first = _first_time(ctx, result, number, ("household", row["number"]), "number", row["number"])
        village = _village_of(ctx, result, number, row)
        if not first or village is None:
            continue
        current = existing.get(row["number"])
        values: dict[str, Any] = {key: row[key] for key in ("address", "hukou_type") if key in row}
        if current is None:
            plan.creates.append({**values, "number": row["number"], "area_id": village.code})
        elif current.area_id != village.code:
            _fail(ctx, result, number, "number", row["number"], _("belongs to another village"))
            continue
        else:
            changes = {key: value for key, value in values.items() if getattr(current, key) != value}
            if changes:
                plan.updates.append((current.pk, changes))
                plan.counties[current.pk] = current.county_code
            else:
                plan.unchanged += 1
        plan.accepted += 1
    return plan


def _persons_by_id(ctx: Context, numbers: list[str]) -> dict[str, Person]:
    return {p.id_number: p for p in ctx.persons().filter(id_number__any_of=numbers, merged_into__isnull=True)}


def resolve_marriages(
    ctx: Context, checked: list[tuple[int, dict[str, Any]]], result: ImportResult
) -> import_writer.Plan:
    plan = import_writer.Plan(kind="marriages")
    people = _persons_by_id(ctx, [r[k] for _n, r in checked for k in ("husband_id", "wife_id")])
    existing = {
        (m.husband_id, m.wife_id, m.date): m
        for m in Marriage.objects.filter(wife__in=[p.pk for p in people.values()])
    }
    for number, row in checked:
        husband, wife = people.get(row["husband_id"]), people.get(row["wife_id"])
        if husband is None or wife is None:
            for column, person in (("husband_id", husband), ("wife_id", wife)):
                if person is None:  # both, when both are missing: every problem at once
                    _fail(
                        ctx,
                        result,
                        number,
                        column,
                        row[column],
                        _("no such person in your area; import the persons first"),
                    )
            continue
        if husband.sex != "1" or wife.sex != "2":
            _fail(
                ctx,
                result,
                number,
                "husband_id" if husband.sex != "1" else "wife_id",
                row["husband_id"] if husband.sex != "1" else row["wife_id"],
                _("the sexes of husband and wife do not fit"),
            )
            continue
        if row["date"] < max(husband.birth_date, wife.birth_date):
            _fail(ctx, result, number, "date", row["date"], _("is before one of the spouses was born"))
            continue
        key = (husband.pk, wife.pk, row["date"])
        if not _first_time(ctx, result, number, ("marriage", key), "date", row["date"]):
            continue
        current = existing.get(key)
        divorce = row.get("divorce_date")
        if current is None:
            plan.creates.append(
                {
                    "husband_id": husband.pk,
                    "wife_id": wife.pk,
                    "date": row["date"],
                    "kind": row.get("kind") or Marriage.Kind.FIRST,
                    "certificate_number": row.get("certificate_number", ""),
                    "divorce_date": divorce,
                    "area_id": wife.residence_area_id,
                }
            )
        elif divorce and current.divorce_date != divorce:
            plan.updates.append((current.pk, {"divorce_date": divorce}))
            plan.counties[current.pk] = current.county_code
        else:
            plan.unchanged += 1
        plan.accepted += 1
    return plan


def resolve_births(
    ctx: Context, checked: list[tuple[int, dict[str, Any]]], result: ImportResult
) -> import_writer.Plan:
    plan = import_writer.Plan(kind="births")
    people = _persons_by_id(ctx, [r[k] for _n, r in checked for k in ("mother_id", "father_id") if r.get(k)])
    mothers = [p.pk for p in people.values() if p.sex == "2"]
    recorded: dict[int, list[tuple[Any, int]]] = {}
    for mother_id, date, order in Birth.objects.filter(mother__in=mothers).values_list(
        "mother_id", "date", "birth_order"
    ):
        recorded.setdefault(mother_id, []).append((date, order))
    for number, row in checked:
        mother = people.get(row["mother_id"])
        if mother is None or mother.sex != "2":
            _fail(
                ctx,
                result,
                number,
                "mother_id",
                row["mother_id"],
                _("no such woman in your area; import the persons first"),
            )
            continue
        father = people.get(row["father_id"]) if row.get("father_id") else None
        if row.get("father_id") and father is None:
            _fail(ctx, result, number, "father_id", row["father_id"], _("no such person in your area"))
            continue
        others = recorded.setdefault(mother.pk, [])
        order = row.get("birth_order") or 1 + sum(1 for d, _o in others if d <= row["date"])
        if (row["date"], order) in others:
            plan.unchanged += 1
            plan.accepted += 1
            continue
        try:
            check_birth(
                mother_birth_date=mother.birth_date, date=row["date"], birth_order=order, other_births=others
            )
            if row.get("child_id"):
                identity = identity_from_id(row["child_id"])
                if identity.birth_date != row["date"] or identity.sex != row["sex"]:
                    raise Refusal(
                        "child_id",
                        _("does not agree with the date of birth or sex of the child"),
                        row["child_id"],
                    )
        except Refusal as refusal:
            key = "child_id" if refusal.field == "child_id" else _field_key(refusal) or "date"
            _fail(ctx, result, number, key, refusal.value, refusal.reason)
            continue
        others.append((row["date"], order))
        plan.creates.append({**row, "birth_order": order, "mother": mother, "father": father})
        plan.accepted += 1
    return plan


def _field_key(refusal: Refusal) -> str:
    from ..validation import field_label

    for key in ("date", "birth_order"):
        if refusal.field == field_label(key):
            return key
    return ""


def resolve_contraception(
    ctx: Context, checked: list[tuple[int, dict[str, Any]]], result: ImportResult
) -> import_writer.Plan:
    plan = import_writer.Plan(kind="contraception")
    people = _persons_by_id(ctx, [r["id_number"] for _n, r in checked])
    existing = set(
        Contraception.objects.filter(person__in=[p.pk for p in people.values()]).values_list(
            "person_id", "method", "start_date"
        )
    )
    for number, row in checked:
        person = people.get(row["id_number"])
        if person is None:
            _fail(
                ctx,
                result,
                number,
                "id_number",
                row["id_number"],
                _("no such person in your area; import the persons first"),
            )
            continue
        refused = False
        if row["start_date"] < person.birth_date:
            _fail(ctx, result, number, "start_date", row["start_date"], _("is before the person was born"))
            refused = True
        if row.get("end_date") and row["end_date"] < row["start_date"]:
            _fail(ctx, result, number, "end_date", row["end_date"], _("is before the start date"))
            refused = True
        if refused:
            continue
        key = (person.pk, row["method"], row["start_date"])
        if not _first_time(ctx, result, number, ("contraception", key), "start_date", row["start_date"]):
            continue
        if key in existing:
            plan.unchanged += 1
        else:
            plan.creates.append(
                {
                    "person_id": person.pk,
                    "method": row["method"],
                    "start_date": row["start_date"],
                    "end_date": row.get("end_date"),
                    "provider": row.get("provider", ""),
                    "area_id": person.residence_area_id,
                }
            )
        plan.accepted += 1
    return plan


RESOLVERS: dict[
    str, Callable[[Context, list[tuple[int, dict[str, Any]]], ImportResult], import_writer.Plan]
] = {
    "persons": resolve_persons,
    "households": resolve_households,
    "marriages": resolve_marriages,
    "births": resolve_births,
    "contraception": resolve_contraception,
}
