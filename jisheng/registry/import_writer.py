"""Writing a checked import: bulk inserts and updates in one transaction, one audit event.

Per-row audit events would triple the cost of an import of 100,000 rows; instead the import writes
one event with the file's SHA-256 and the counts, which with the file itself says exactly what changed.
The rows were checked by ``imports.engine``; nothing here refuses a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from jisheng.audit.services import record
from jisheng.core.actor import Actor

from .bulkload import insert_rows, reserve_ids, update_rows
from .codes import MaritalStatus, PersonStatus, Relation
from .models import Birth, Contraception, Household, Marriage, Person, ResidencePeriod
from .models.people import SEARCH_COLUMNS, id_tail_index
from .validation import search_columns

WRITE_BATCH = 2000


@dataclass
class Plan:
    kind: str
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    households: dict[str, str] = field(default_factory=dict)  # new household number → village code
    # The county of each row updated: the rows are read and written in their own county's partitions.
    counties: dict[int, str] = field(default_factory=dict)
    unchanged: int = 0
    accepted: int = 0


@dataclass
class Counts:
    """What a file, or a part of it, did: the running totals of its plans."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    accepted: int = 0

    def add(self, plan: Plan) -> None:
        self.created += len(plan.creates)
        self.updated += len(plan.updates)
        self.unchanged += plan.unchanged
        self.accepted += plan.accepted


def write_plan(plan: Plan) -> None:
    """Write one checked batch inside the import's transaction."""
    WRITERS[plan.kind](plan)


def record_import(
    *, kind: str, by: Actor, file_name: str, sha256: str, area_code: str, counts: Counts, refused: int
) -> None:
    """The audit event of an import's transaction (the whole file, or one part of it)."""
    record(
        by=by,
        action="registry.import",
        object_type=f"registry.{kind}",
        object_id=sha256[:16],
        object_repr=file_name,
        area_code=area_code,
        after={
            "kind": kind,
            "file": file_name,
            "sha256": sha256,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "refused": refused,
        },
    )


def _ensure_households(numbers: dict[str, str]) -> dict[str, int]:
    if numbers:
        Household.objects.bulk_create(
            [Household(number=number, area_id=code) for number, code in numbers.items()],
            batch_size=WRITE_BATCH,
            ignore_conflicts=True,
        )
    return (
        dict(Household.objects.filter(number__in=list(numbers)).values_list("number", "id"))
        if numbers
        else {}
    )


def sealed(field: Any, value: str) -> str:
    """A value as its sealed column stores it (the model field's own sealing)."""
    return str(field.get_prep_value(value)) if value else ""


PREPARED = "_prepared"  # key of what prepare_person adds to an accepted row


def prepare_person(row: dict[str, Any]) -> None:
    """Seal and derive, ahead of writing, what a new person's row needs from its cells alone: the
    sealed ID number (also what the look-up of existing persons compares), its last four's index,
    the sealed phone and the name's search columns. The engine calls it in the checking thread, so
    this pure computation runs beside the inserts instead of before them."""
    number = row.get("id_number", "")
    row[PREPARED] = (
        sealed(Person._meta.get_field("id_number"), number),
        id_tail_index(number[-4:]) if number else "",
        sealed(Person._meta.get_field("phone"), row.get("phone", "")),
        search_columns(row.get("name", "")),
    )


def prepared(
    row: dict[str, Any],
) -> tuple[str, str, str, tuple[str, str, str | None, str | None, str | None]]:
    """What prepare_person added to the row, computed now if it was not (a caller without the engine)."""
    if PREPARED not in row:
        prepare_person(row)
    return row[PREPARED]  # type: ignore[no-any-return]


PREPARERS = {"persons": prepare_person}


def write_persons(plan: Plan) -> None:
    created_households = _ensure_households(plan.households)
    needed = {row["household_number"] for row in plan.creates if row.get("household_number")}
    needed |= {c["household_number"] for _pk, c in plan.updates if c.get("household_number")}
    household_ids = (
        dict(Household.objects.filter(number__in=list(needed)).values_list("number", "id")) if needed else {}
    )
    household_ids.update(created_households)
    # Rows go in through the driver, not Model(): building 100,000 model instances and compiling
    # their INSERT costs more than parsing and checking the file.
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    # The sealed columns were sealed by prepare_person, as the model field would (SM4).
    first_id = reserve_ids(Person, len(plan.creates))
    person_rows = []
    residence_rows = []
    first_period = reserve_ids(ResidencePeriod, len(plan.creates))
    for offset, row in enumerate(plan.creates):
        pk = first_id + offset
        sealed_id, id_tail, sealed_phone, search = prepared(row)
        pinyin, initials, alt_pinyin, alt_initials, simplified_key = search
        village = row["residence_area_id"]
        household = household_ids[row["household_number"]] if row.get("household_number") else None
        person_rows.append(
            (
                pk, row["name"], pinyin, initials, alt_pinyin, alt_initials, id_tail, sealed_id, row["sex"],
                row["birth_date"].isoformat(), row.get("ethnicity") or "01", row.get("marital_status") or MaritalStatus.UNSTATED,
                sealed_phone, row.get("hukou_type", ""), village, village, row.get("address", ""),
                household, row.get("relation_to_head", ""), row.get("status") or PersonStatus.ALIVE,
                None, None, None, stamp, stamp, simplified_key,
            )
        )  # fmt: skip
        residence_rows.append((first_period + offset, pk, village, row["birth_date"].isoformat(), None, ""))
    insert_rows(Person, person_rows)
    insert_rows(ResidencePeriod, residence_rows)
    _update_persons(plan, household_ids)


def _update_persons(plan: Plan, household_ids: dict[str, int]) -> None:
    """The batch's changed persons written back (``_write_back``), with their search columns."""
    now = timezone.now()

    def change(person: Person, changes: dict[str, Any]) -> set[str]:
        written = {"updated_at", "id_tail", *SEARCH_COLUMNS}
        for key, value in changes.items():
            if key == "household_number":
                person.household_id = household_ids[value]
                written.add("household")
            else:
                setattr(person, key, value)
                written.add(key)
        person.fill_search_fields()
        person.updated_at = now
        return written

    _write_back(Person, plan, change)


def _write_back(model: Any, plan: Plan, change: Any) -> None:
    """The batch's changed rows, read together in their counties' partitions and written back in a few
    statements with their history rows, as ``save()`` would have written them one by one.

    One ``save()`` (or ``filter(pk=…).update()``) a row cost statements PostgreSQL planned in every
    county's partition (they name the id alone): 97 persons a second at ten million persons in thirty
    counties. Each written row gets its history row, as ``save()`` gives one (an ``update()`` gave
    none: a divorce or an address corrected by a file left no trace in the record's history); the
    import's audit event marks the figures changed, as the saves' signals did. ``change(row, changes)``
    applies a row's changes and returns the fields it wrote."""
    if not plan.updates:
        return
    by_county: dict[str, list[int]] = {}
    for pk, _changes in plan.updates:
        by_county.setdefault(plan.counties.get(pk, ""), []).append(pk)
    rows: dict[int, Any] = {}
    for county, pks in by_county.items():
        found = model.objects.filter(pk__any_of=pks)
        rows.update((row.pk, row) for row in (found.filter(county_code=county) if county else found))
    written: set[str] = set()
    for pk, changes in plan.updates:
        written |= change(rows[pk], changes)
    for county, pks in by_county.items():
        update_rows(model, [rows[pk] for pk in pks], sorted(written), county)
    model.history.bulk_history_create([rows[pk] for pk, _changes in plan.updates], update=True)


def _set(row: Any, changes: dict[str, Any]) -> set[str]:
    for key, value in changes.items():
        setattr(row, key, value)
    return set(changes)


def write_households(plan: Plan) -> None:
    Household.objects.bulk_create([Household(**row) for row in plan.creates], batch_size=WRITE_BATCH)
    _write_back(Household, plan, _set)


def write_marriages(plan: Plan) -> None:
    Marriage.objects.bulk_create([Marriage(**row) for row in plan.creates], batch_size=WRITE_BATCH)
    married = [
        pk for row in plan.creates if not row["divorce_date"] for pk in (row["husband_id"], row["wife_id"])
    ]
    Person.objects.filter(
        pk__in=married, marital_status__in=[MaritalStatus.UNSTATED, MaritalStatus.UNMARRIED]
    ).update(marital_status=MaritalStatus.MARRIED)
    _write_back(Marriage, plan, _set)


def write_births(plan: Plan) -> None:
    children = []
    for row in plan.creates:
        mother: Person = row["mother"]
        child = Person(
            name=row["child_name"],
            id_number=row.get("child_id") or "",
            sex=row["sex"],
            birth_date=row["date"],
            marital_status=MaritalStatus.UNMARRIED,
            residence_area_id=mother.residence_area_id,
            registered_area_code=mother.registered_area_code,
            hukou_type=mother.hukou_type,
            household_id=mother.household_id,
            relation_to_head=Relation.CHILD if mother.household_id else "",
            status=PersonStatus.ALIVE,
        )
        child.fill_search_fields()
        children.append(child)
    Person.objects.bulk_create(children, batch_size=WRITE_BATCH)
    ResidencePeriod.objects.bulk_create(
        [ResidencePeriod(person=c, area_code=c.residence_area_id, start_date=c.birth_date) for c in children],
        batch_size=WRITE_BATCH,
    )
    Birth.objects.bulk_create(
        [
            Birth(
                child=child,
                mother=row["mother"],
                father=row.get("father"),
                date=row["date"],
                birth_order=row["birth_order"],
                sex=row["sex"],
                weight_grams=row.get("weight_grams"),
                has_defect=bool(row.get("has_defect")),
                place=row.get("place", ""),
                area_id=row["mother"].residence_area_id,
            )
            for row, child in zip(plan.creates, children, strict=True)
        ],
        batch_size=WRITE_BATCH,
    )


def write_contraception(plan: Plan) -> None:
    Contraception.objects.bulk_create([Contraception(**row) for row in plan.creates], batch_size=WRITE_BATCH)


WRITERS = {
    "persons": write_persons,
    "households": write_households,
    "marriages": write_marriages,
    "births": write_births,
    "contraception": write_contraception,
}
