"""Runs one programme version for one year over one area: who qualifies, why, how much, who nearly does.

Two stages keep a million-person county within seconds: the conditions' coarse filters become one
indexed SQL query on Person (birth-date range, sex, status, hukou, the area's code range), then the
precise rules run in Python over those candidates only, with their births, marriages and contraception
loaded in bulk when a condition needs them. Nothing here writes to the database: the command, the
pages and the services all call ``run`` and decide what to keep.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from jisheng.areas.codes import code_range, normalize_code, prefix_of
from jisheng.core.masking import mask_id as mask_id  # the public notice masks with engine.mask_id
from jisheng.core.memory import cycle_collection_paused
from jisheng.registry.models import Birth, Contraception, Marriage, Person
from jisheng.registry.queries import live_persons, merged_away

from .conditions import (
    ChildFact,
    Context,
    MarriageFact,
    Subject,
    evaluate,
    months_under_age,
    needs_of,
    prefilter_of,
)
from .rules import Programme, Version

FEN = Decimal("0.01")
CHUNK = 900  # stays under SQLite's limit of host parameters per statement

PERSON_FIELDS = (
    "pk",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "status",
    "death_date",
    "disability_level",
    "hukou_type",
    "residence_area_id",
    "household_id",
)


@dataclass
class Decision:
    """One person's result: eligible with an amount, or not, with the reasons in Chinese. A run
    shares ``reasons`` and ``near`` between the decisions of persons with the same own row: they are
    never changed once made."""

    subject: Subject
    eligible: bool
    amount: Decimal
    reasons: list[str]
    near: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "；".join(self.reasons)


@dataclass
class RunResult:
    programme: Programme
    version: Version
    year: int
    area_code: str
    proposals: list[Decision]
    near_misses: list[Decision]
    candidates: int

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.proposals), Decimal("0.00"))

    @property
    def households(self) -> int:
        return len({d.subject.household_id or -d.subject.pk for d in self.proposals})


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _subjects(queryset: Iterable[tuple]) -> dict[int, Subject]:
    subjects = {}
    for row in queryset:
        pk, name, id_number, sex, birth_date, status, death_date, level, hukou, area_code, household = row
        subject = Subject(
            pk, name, id_number, sex, birth_date, status, death_date, level, hukou or "", area_code, household
        )
        subjects[subject.pk] = subject
    return subjects


def _related_rows(
    queryset: Any, field: str, ids: list[int], columns: tuple[str, ...], source: Any = None
) -> Iterator[tuple]:
    """Rows of ``queryset`` whose ``field`` is one of ``ids``: a chunk of ids per indexed query, or on
    PostgreSQL for a large run one statement with the candidates' query as a subquery (a hashed
    semi-join). Measured at 1,000,000 persons: PostgreSQL pays ~30 ms of planning and parallel start-up
    per chunk, SQLite next to nothing per chunk but re-runs the candidate filter inside a subquery."""
    if source is not None and len(ids) > 4 * CHUNK and connection.vendor == "postgresql":
        yield from queryset.filter(**{f"{field}__in": source}).values_list(*columns).iterator(chunk_size=5000)
        return
    for chunk in _chunks(ids):
        yield from queryset.filter(**{f"{field}__in": chunk}).values_list(*columns)


def load_facts(subjects: dict[int, Subject], needs: set[str], source: Any = None) -> None:
    """Attach births, marriages and contraception to the subjects, when a condition needs them.
    ``source`` is the query the subjects came from (values of pk), for a large run."""
    ids = list(subjects)
    if "children" in needs:
        columns = (
            "mother_id",
            "father_id",
            "sex",
            "date",
            "child__status",
            "child__death_date",
            "child__disability_level",
        )
        for role in ("mother_id", "father_id"):
            # a birth whose child record was merged away is the survivor's birth told twice
            births = Birth.objects.exclude(child__in=merged_away())
            for mother, father, sex, day, status, died, level in _related_rows(
                births, role, ids, columns, source
            ):
                parent = mother if role == "mother_id" else father
                subjects[parent].children.append(ChildFact(sex, day, status, died, level))
    spouses: dict[int, int] = {}
    if "marriages" in needs:
        columns = (
            "husband_id",
            "wife_id",
            "date",
            "kind",
            "divorce_date",
            "husband__birth_date",
            "wife__birth_date",
        )
        for role in ("husband_id", "wife_id"):
            for husband, wife, day, kind, divorced, h_birth, w_birth in _related_rows(
                Marriage.objects.all(), role, ids, columns, source
            ):
                me, other = (husband, wife) if role == "husband_id" else (wife, husband)
                subjects[me].marriages.append(MarriageFact(day, kind, divorced, h_birth, w_birth, other))
                if divorced is None:
                    spouses[me] = other
        for subject in subjects.values():
            subject.marriages.sort(key=lambda m: m.date)
    if "contraception" in needs:
        records: dict[int, list[tuple[str, datetime.date]]] = defaultdict(list)
        fields = ("person_id", "method", "start_date")
        for person, method, start in _related_rows(
            Contraception.objects.all(), "person_id", ids, fields, source
        ):
            records[person].append((method, start))
        outside = sorted(set(spouses.values()) - set(subjects))
        for person, method, start in _related_rows(Contraception.objects.all(), "person_id", outside, fields):
            records[person].append((method, start))
        for pk, subject in subjects.items():
            subject.contraception = records.get(pk, [])
            if pk in spouses:
                subject.spouse_contraception = records.get(spouses[pk], [])


def amount_for(programme: Programme, version: Version, subject: Subject, ctx: Context) -> tuple[Decimal, str]:
    """The amount for one eligible subject and how it was computed (exact to the fen)."""
    rule = version.amount
    yuan = rule.yuan
    how = ""
    for case in rule.cases:
        if all(evaluate(spec, subject, ctx).ok for spec in case.when):
            yuan = case.yuan
            break
    if rule.per == "once":
        return yuan.quantize(FEN), f"一次性 {yuan:.2f} 元"
    if rule.per == "month":
        first = max(ctx.year_start, version.effective_from)
        months = 12 - (first.month - 1) if first.year == ctx.year else 12
        amount = (yuan * months).quantize(FEN, ROUND_HALF_UP)
        return amount, f"每月 {yuan:.2f} 元 × {months} 个月 = {amount:.2f} 元"
    if rule.prorate and subject.birth_date < rule.prorate.born_before:
        months = months_under_age(
            subject.birth_date, ctx.year, rule.prorate.until_age, version.effective_from
        )
        amount = (yuan * months / 12).quantize(FEN, ROUND_HALF_UP)
        how = f"{rule.prorate.born_before:%Y-%m-%d} 前出生，按月折算：{yuan:.2f} 元 ÷ 12 × {months} 个月 = {amount:.2f} 元"
        return amount, how
    if rule.prorate:
        # born on or after the start: one whole year per year of life, counted by calendar year of
        # payment (the year of birth and the next until_age - 1), so the total is until_age years
        paid_years = ctx.year - subject.birth_date.year
        if paid_years >= rule.prorate.until_age:
            return Decimal(
                "0.00"
            ), f"{subject.birth_date.year} 年出生，已按年度领满 {rule.prorate.until_age} 个年度"
        return yuan.quantize(FEN), f"每年 {yuan:.2f} 元（第 {paid_years + 1} 个年度）"
    return yuan.quantize(FEN), f"每年 {yuan:.2f} 元"


def decide(
    programme: Programme, version: Version, subject: Subject, ctx: Context, *, quick: bool = False
) -> Decision:
    """Every condition with its reason. ``quick`` (a whole-area run) stops at the first condition
    that fails with no near miss: such a person is neither proposed nor listed, so reasons are moot."""
    outcomes = []
    for spec in version.conditions:
        outcome = evaluate(spec, subject, ctx)
        if quick and not outcome.ok and not outcome.near:
            return Decision(subject, False, Decimal("0.00"), [])
        outcomes.append(outcome)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        reasons = [f"不符合：{o.text}" for o in failed] + [f"符合条件：{o.text}" for o in outcomes if o.ok]
        near = [o.near for o in failed if o.near] if all(o.near for o in failed) else []
        return Decision(subject, False, Decimal("0.00"), reasons, near)
    amount, how = amount_for(programme, version, subject, ctx)
    reasons = [f"符合条件：{o.text}" for o in outcomes] + [f"金额：{how}"]
    if amount <= 0:
        return Decision(subject, False, Decimal("0.00"), [*reasons, "不符合：应发金额为 0"])
    return Decision(subject, True, amount, reasons)


def facts_needed(version: Version) -> set[str]:
    """The facts beyond the person's own row that the version's conditions and its amount's cases
    read (an amount may depend on a test its conditions do not make, such as a child's death)."""
    specs = version.conditions + tuple(spec for case in version.amount.cases for spec in case.when)
    return needs_of(specs)


# The fields of a subject's own row that a condition or an amount may read: every test of
# ``conditions.CATALOGUE`` reads these or the facts (``facts_needed``), never the name, the ID number,
# the area or the household (tests/test_decisions_shared.py runs every shipped rule on a subject that
# refuses anything else).
OWN_ROW_FIELDS = ("sex", "birth_date", "status", "death_date", "disability_level", "hukou_type")
_own_row = operator.attrgetter(*OWN_ROW_FIELDS)


def candidate_query(programme: Programme, version: Version, year: int, area_code: str) -> Any:
    """The coarse, indexed selection: the area's code range and each condition's SQL prefilter."""
    ctx = Context(year, version.effective_from, programme.near_months)
    return live_persons(
        Person.objects.filter(residence_area__code__range=code_range(prefix_of(normalize_code(area_code))))
    ).filter(prefilter_of(version.conditions, ctx))


@cycle_collection_paused()  # a third of a county's run was the cycle collector's
def run(
    programme: Programme,
    year: int,
    area_code: str,
    *,
    version: Version | None = None,
    person_ids: list[int] | None = None,
) -> RunResult:
    """Evaluate ``version`` (default: the one in force that year) over the area, or over the given
    persons only (an application or the annual re-confirmation)."""
    version = version or programme.version_for(year)
    if version is None:
        raise ValueError(f"项目 {programme.name} 在 {year} 年没有有效版本")
    ctx = Context(year, version.effective_from, programme.near_months)
    needs = facts_needed(version)
    source = None
    if person_ids is None:
        query = candidate_query(programme, version, year, area_code)
        subjects = _subjects(query.values_list(*PERSON_FIELDS).iterator(chunk_size=5000))
        source = query.values("pk")
    else:
        subjects = _subjects(
            live_persons(Person.objects.filter(pk__in=person_ids)).values_list(*PERSON_FIELDS)
        )
    load_facts(subjects, needs, source)
    # Without children, marriages or contraception to read, a decision is a function of the person's
    # own row alone (``OWN_ROW_FIELDS``): decided once for each distinct row and shared by everyone
    # who has it (a county's 10,958 children under three have 4,174 distinct rows).
    decided: dict[tuple[Any, ...], Decision] | None = None if needs else {}
    proposals, near_misses = [], []
    seen_households: set[int] = set()
    for subject in sorted(subjects.values(), key=lambda s: (s.area_code, s.household_id or 0, s.pk)):
        if decided is None:
            decision = decide(programme, version, subject, ctx, quick=True)
        else:
            row = _own_row(subject)
            known = decided.get(row)
            if known is None:
                known = decided[row] = decide(programme, version, subject, ctx, quick=True)
            decision = Decision(subject, known.eligible, known.amount, known.reasons, known.near)
        if decision.eligible:
            if programme.unit == "household" and subject.household_id is not None:
                if subject.household_id in seen_households:
                    continue  # one line per household: the first member found receives it
                seen_households.add(subject.household_id)
            proposals.append(decision)
        elif decision.near:
            near_misses.append(decision)
    return RunResult(programme, version, year, area_code, proposals, near_misses, len(subjects))


def explain(programme: Programme, year: int, person: Person, version: Version | None = None) -> Decision:
    """The decision for one person (an application), with every reason."""
    version = version or programme.version_for(year)
    if version is None:
        raise ValueError(f"项目 {programme.name} 在 {year} 年没有有效版本")
    result = run(programme, year, person.residence_area_id, version=version, person_ids=[person.pk])
    if result.proposals:
        return result.proposals[0]
    ctx = Context(year, version.effective_from, programme.near_months)
    subjects = _subjects(Person.objects.filter(pk=person.pk).values_list(*PERSON_FIELDS))
    if person.merged_into_id is not None:
        # a merged-away record is history: its survivor is the one who may receive the benefit
        return Decision(subjects[person.pk], False, Decimal("0.00"), ["不符合：该档案已合并到另一档案"])
    load_facts(subjects, facts_needed(version))
    return decide(programme, version, subjects[person.pk], ctx)
