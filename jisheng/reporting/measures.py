"""What a computed report item counts in the registry, and how to count it for many villages at once.

A measure is a base queryset over one registry table for a period, the column holding the village code,
and its dimensions (the columns an item may be disaggregated or filtered by). ``count_by_village`` runs
ONE grouped query per measure (GROUP BY village and the dimensions asked for) over an indexed code range
and date range; every item, sub-item and village is then read off the grouped rows in Python. Never one
query per village: a county of 221 villages costs the same number of queries as one village. (A measure
conditioned on persons costs a county two or three, so that each reads the county's partitions only:
see ``_county_parts``.)
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    Expression,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.codes import PREFIX_LENGTH, code_range
from jisheng.hall import queries as hall_queries
from jisheng.migrants import queries as migrants_queries
from jisheng.migrants.provinces import PROVINCE_NAMES
from jisheng.outreach import queries as outreach_queries
from jisheng.petitions import queries as petitions_queries
from jisheng.petitions.models import Channel as PetitionChannel
from jisheng.petitions.models import MatterField as PetitionField
from jisheng.registry.codes import MARRIED_STATUSES, ContraceptiveMethod, PersonStatus, Sex
from jisheng.registry.models import Birth, Contraception, Marriage, Person, ResidencePeriod
from jisheng.registry.queries import live_persons

COUNTY_PREFIX_LENGTH = PREFIX_LENGTH[3]


@dataclass(frozen=True)
class Dimension:
    column: str
    labels: dict[str, Any]
    fold: Callable[[Any], str] = str


@dataclass(frozen=True)
class Measure:
    code: str
    label: Any
    area_column: str
    rows: Callable[[datetime.date, datetime.date], QuerySet[Any]]
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    distinct: str = ""  # count distinct values of this column instead of rows
    total: str = ""  # sum this column (or annotation) of the rows instead of counting them
    # True for measures that read most of the person table: their area must not be looked up through
    # an index either (see ``unindexed``).
    sequential: bool = False
    # True for health data (outreach's checks, screenings, contraceptives handed to a person): the records
    # behind the figure are listed without naming anyone (whom they concern is masked, as in outreach).
    health: bool = False
    # The relation to the person the rows are conditioned on (``person``, ``child``), with ``events``
    # the rows before those conditions: a county's count then joins the persons of its own partition,
    # and persons living in another county by their keys only (see ``_county_parts``).
    person_key: str = ""
    events: Callable[[datetime.date, datetime.date], QuerySet[Any]] | None = None

    @property
    def area_filter(self) -> str:
        """The lookup for a code range: through the Area key (Django trims the join) or on the text column."""
        if self.area_column.endswith("_id"):
            return f"{self.area_column[:-3]}__code__range"
        return f"{self.area_column}__range"


def unindexed(column: str, field: Any) -> Expression | F:
    """The column as an expression no index serves, for conditions that hold for most rows.

    Without statistics SQLite walks the area (or birth-date) index of a whole county and then reads
    every person at random — 5 s at a million persons where a sequential scan takes 0.4 s. SQLite's unary
    ``+`` keeps the value and hides the index; PostgreSQL's planner chooses well on its own.
    """
    if connection.vendor == "sqlite":
        return Func(F(column), template="+%(expressions)s", output_field=field)
    return F(column)


def _births_in(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return Birth.objects.filter(date__range=(start, end))


def _births(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    # a birth whose child record was merged away is the survivor's birth told twice (a birth without
    # a child's record, or whose record is gone, counts)
    return _births_in(start, end).filter(Q(child__isnull=True) | Q(child__merged_into__isnull=True))


def _marriages(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return Marriage.objects.filter(date__range=(start, end))


def _contraception_new(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return Contraception.objects.filter(start_date__range=(start, end))


def _deaths(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    # Read from the partial index of the dead (registry_person_died): a period's deaths are a few among
    # all the persons, so both databases go to them directly (the area stays hidden from SQLite's
    # planner, as for every sequential measure, so it never walks a county's area index instead).
    return live_persons().filter(death_date__range=(start, end))


def _periods_started(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return ResidencePeriod.objects.filter(start_date__range=(start, end))


def _moves_in(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    # A residence that starts on the person's birthday is a birth, not a move.
    return _periods_started(start, end).exclude(start_date=F("person__birth_date"))


def _moves_out(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return ResidencePeriod.objects.filter(end_date__range=(start, end))


def _age_window(end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Birth dates of women aged 15–49 on ``end``."""
    oldest = _years_before(end, 50) + datetime.timedelta(days=1)
    youngest = _years_before(end, 15)
    return oldest, youngest


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _married_women(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """A stock at the period's end: married women aged 15–49 living in the village."""
    return (
        live_persons()
        .alias(born=unindexed("birth_date", DateField()))
        .filter(
            sex=Sex.FEMALE,
            marital_status__in=MARRIED_STATUSES,
            born__range=_age_window(end),
            status__in=(PersonStatus.ALIVE, PersonStatus.AWAY),
        )
    )


def _contraception_in_force(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return Contraception.objects.filter(Q(end_date__isnull=True) | Q(end_date__gt=end), start_date__lte=end)


def _married_women_contracepting(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Married women 15–49 with a measure in force at the period's end (each woman counted once)."""
    return _contraception_in_force(start, end).filter(
        person__sex=Sex.FEMALE,
        person__marital_status__in=MARRIED_STATUSES,
        person__birth_date__range=_age_window(end),
        person__status__in=(PersonStatus.ALIVE, PersonStatus.AWAY),
    )


SEX = Dimension("sex", dict(Sex.choices))


def _outreach_prepregnancy_checked(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Pre-pregnancy checks done in the period, from outreach's records (not typed any more)."""
    return outreach_queries.prepregnancy_done_between(start, end)


def _outreach_cancer_screened(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Cervical and breast cancer screenings done in the period, from outreach's records."""
    return outreach_queries.screened_between(start, end)


def _outreach_pairings_active(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """A stock at the period's end: pairings of cadres with households in force."""
    return outreach_queries.pairings_active_on(end)


def _hall_cases_due(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return hall_queries.cases_due_between(start, end)


def _hall_cases_on_time(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return hall_queries.cases_due_between(start, end).filter(on_time=True)


# The floating population, counted from its records (people away at the period's end by the province they
# went to; arrivals and those who handed in a valid 婚育证明; verification requests answered on time).
def _migrants_away(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return migrants_queries.away_on(end)


def _migrant_arrivals_certified(start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return migrants_queries.arrivals_between(start, end).filter(certificate_valid=True)


MEASURES: dict[str, Measure] = {
    measure.code: measure
    for measure in [
        Measure(
            "births",
            pgettext_lazy("reporting", "Births"),
            "area_id",
            _births,
            {
                "sex": SEX,
                "order": Dimension(
                    "birth_order",
                    {"1": _("first child"), "2": _("second child"), "3": _("third child or later")},
                    fold=lambda order: str(min(int(order or 1), 3)),
                ),
                "defect": Dimension("has_defect", {"True": _("with defect"), "False": _("without defect")}),
            },
            person_key="child",
            events=_births_in,
        ),
        Measure("marriages", pgettext_lazy("measure", "Marriages"), "area_id", _marriages),
        Measure(
            "contraception_new",
            _("New contraception"),
            "area_id",
            _contraception_new,
            {"method": Dimension("method", dict(ContraceptiveMethod.choices))},
        ),
        Measure("deaths", _("Deaths"), "residence_area_id", _deaths, {"sex": SEX}, sequential=True),
        Measure(
            "moves_in", _("Moves in"), "area_code", _moves_in, person_key="person", events=_periods_started
        ),
        Measure("moves_out", _("Moves out"), "area_code", _moves_out),
        Measure(
            "married_women_15_49",
            _("Married women 15–49"),
            "residence_area_id",
            _married_women,
            sequential=True,
        ),
        Measure(
            "married_women_contracepting",
            _("Married women 15–49 using contraception"),
            "area_id",
            _married_women_contracepting,
            distinct="person_id",
            person_key="person",
            events=_contraception_in_force,
        ),
        # Outreach's health services: a woman screened for both cancers is one woman screened.
        Measure(
            "outreach_prepregnancy_checked",
            _("Pre-pregnancy checks done"),
            "area_id",
            _outreach_prepregnancy_checked,
            distinct="wife_id",
            health=True,
        ),
        Measure(
            "outreach_cancer_screened",
            _("Women screened for cervical or breast cancer"),
            "area_id",
            _outreach_cancer_screened,
            {"kind": Dimension("kind", {"cervical": _("cervical cancer"), "breast": _("breast cancer")})},
            distinct="woman_id",
            health=True,
        ),
        # Outreach's work out among the people, from its records: campaigns begun in the period and the
        # people they reached, publicity copies and contraceptive hand-outs (人次), households visited,
        # pairings in force at the period's end.
        Measure(
            "outreach_campaigns_held",
            _("Campaigns and events held"),
            "area_id",
            outreach_queries.campaigns_between,
        ),
        Measure(
            "outreach_people_reached",
            _("People reached by campaigns"),
            "area_id",
            outreach_queries.campaigns_between,
            total="people_reached",
        ),
        Measure(
            "outreach_publicity_handed_out",
            _("Publicity material handed out (copies)"),
            "area_id",
            outreach_queries.publicity_handed_out_between,
            total="handed",
        ),
        Measure(
            "outreach_contraceptive_handouts",
            _("Contraceptives handed out to persons (person-times)"),
            "area_id",
            outreach_queries.contraceptive_handouts_between,
            health=True,
        ),
        Measure(
            "outreach_households_visited",
            _("Households visited"),
            "area_id",
            outreach_queries.visits_between,
            distinct="household_id",
        ),
        Measure(
            "outreach_pairings_active",
            _("Pairings with households in difficulty in force"),
            "area_id",
            _outreach_pairings_active,
        ),
        Measure("hall_cases_due", _("Service hall cases due"), "area_id", _hall_cases_due),
        Measure(
            "hall_cases_on_time", _("Service hall cases finished on time"), "area_id", _hall_cases_on_time
        ),
        Measure(
            "migrants_away",
            _("People away (floating population)"),
            "area_id",
            _migrants_away,
            {"province": Dimension("destination_province", PROVINCE_NAMES)},
        ),
        Measure(
            "migrant_arrivals",
            pgettext_lazy("measure", "People arrived"),
            "area_id",
            migrants_queries.arrivals_between,
        ),
        Measure(
            "migrant_arrivals_certified",
            _("People arrived with a valid marital and fertility certificate"),
            "area_id",
            _migrant_arrivals_certified,
        ),
        Measure(
            "verifications_due",
            _("Verification requests due"),
            "area_id",
            migrants_queries.verifications_due_between,
        ),
        Measure(
            "verifications_on_time",
            _("Verification requests answered on time"),
            "area_id",
            migrants_queries.verifications_on_time_between,
        ),
        # Petitions (信访), counted at the office that handles them (a township or the county).
        Measure(
            "petitions_received",
            _("Petitions and suggestions received"),
            "area_id",
            petitions_queries.matters_received_between,
            {
                "channel": Dimension("channel", dict(PetitionChannel.choices)),
                "field": Dimension("field", dict(PetitionField.choices)),
            },
        ),
        Measure("petitions_due", _("Petitions due"), "area_id", petitions_queries.matters_due_between),
        Measure(
            "petitions_on_time",
            _("Petitions answered on time"),
            "area_id",
            petitions_queries.matters_on_time_between,
        ),
    ]
}


def _scans(measure: Measure, prefix: str) -> bool:
    """A county or more of a sequential measure is read in one pass; a township or village by index."""
    return measure.sequential and len(prefix) <= COUNTY_PREFIX_LENGTH


def _in_area(measure: Measure, rows: QuerySet[Any], prefix: str) -> QuerySet[Any]:
    county_field = getattr(rows.model, "partition_county_field", None)
    if county_field and len(prefix) >= COUNTY_PREFIX_LENGTH:
        # Persons are partitioned by county on PostgreSQL: the equality on the partition key lets the
        # planner read only this county's partition (the code range alone does not).
        rows = rows.filter(**{county_field: prefix[:COUNTY_PREFIX_LENGTH]})
    if _scans(measure, prefix):
        return rows.alias(in_area=unindexed(measure.area_column, CharField())).filter(
            in_area__range=code_range(prefix)
        )
    return rows.filter(**{measure.area_filter: code_range(prefix)})


def scoped_rows(
    measure: Measure, start: datetime.date, end: datetime.date, prefix: str, where: dict[str, Any]
) -> QuerySet[Any]:
    """The measure's rows in the area with this code prefix, filtered by dimension values."""
    rows = _in_area(measure, measure.rows(start, end), prefix)
    for name, value in where.items():
        rows = rows.filter(**{measure.dimensions[name].column: value})
    return rows


def count_by_village(
    measure: Measure,
    start: datetime.date,
    end: datetime.date,
    prefix: str,
    dimensions: Iterable[str],
) -> dict[str, dict[tuple[str, ...], int]]:
    """{village code: {(dimension values…): count}} from one grouped query (one per part)."""
    dims = list(dimensions)
    columns = [measure.dimensions[name].column for name in dims]
    result: dict[str, dict[tuple[str, ...], int]] = defaultdict(lambda: defaultdict(int))
    for rows in _county_parts(measure, start, end, prefix):
        for village, values, count in _grouped(measure, rows, prefix, columns):
            key = tuple(
                measure.dimensions[name].fold(value) for name, value in zip(dims, values, strict=True)
            )
            result[village][key] += count
    return result


def _county_parts(
    measure: Measure, start: datetime.date, end: datetime.date, prefix: str
) -> list[QuerySet[Any]]:
    """The measure's rows in the area, as parts whose counts add up.

    A measure conditioned on the person its rows concern joins the person table, which is partitioned
    by county on PostgreSQL; an event is recorded in its county, but the person may live in another
    since. For a county or below the rows are split by that person: those living in the county (the
    join names the county, so it reads the county's partition only), the rows without a person, and
    the rows of persons living elsewhere, found first by a look-up in the county's partition and then
    joined by their keys (the few rows whose person moved away). The parts share no person, so counts,
    distinct counts of the person and sums add up."""
    rows = _in_area(measure, measure.rows(start, end), prefix)
    if not measure.person_key or measure.events is None or len(prefix) < COUNTY_PREFIX_LENGTH:
        return [rows]
    county, key = prefix[:COUNTY_PREFIX_LENGTH], measure.person_key
    column = f"{key}_id"
    assert measure.distinct in ("", column), measure.code
    parts = [rows.filter(**{f"{key}__county_code": county})]
    events = _in_area(measure, measure.events(start, end), prefix)
    if rows.model._meta.get_field(key).null:
        # Rows without a person hold whatever the person conditions say of a missing person.
        parts.append(events.filter(**{f"{key}__isnull": True}))
        events = events.filter(**{f"{key}__isnull": False})
    here = Person.objects.filter(pk=OuterRef(column), county_code=county)
    elsewhere = sorted(set(events.filter(~Exists(here)).values_list(column, flat=True)))
    if elsewhere:
        parts.append(rows.filter(**{f"{column}__in": elsewhere}))
    return parts


def _grouped(
    measure: Measure, rows: QuerySet[Any], prefix: str, columns: list[str]
) -> Iterable[tuple[str, list[Any], int]]:
    counter: Expression = Count(measure.distinct, distinct=True) if measure.distinct else Count("pk")
    if measure.total:
        counter = Coalesce(Sum(measure.total), 0)
    area_key = measure.area_column
    if _scans(measure, prefix):  # grouping by the indexed column would lure SQLite back onto the index
        rows, area_key = rows.annotate(village=unindexed(measure.area_column, CharField())), "village"
    for row in rows.order_by().values_list(area_key, *columns).annotate(n=counter):
        village, *values, count = row
        yield village, values, count
