"""The person search (page, API, export and bench share it).

Search speed at a million persons comes from turning every kind of query into a prefix range on an
indexed column (``col >= 'zs' AND col < 'zt'``), which both SQLite and PostgreSQL answer with an index
range scan whatever the collation: the ID, the reversed ID (for "the last digits"), the name, the
pinyin and the initials (each with the alternative reading of heteronym surnames).
"""

from __future__ import annotations

import contextlib
import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from jisheng.areas.codes import PREFIX_LENGTH, code_range
from jisheng.areas.models import Area
from jisheng.areas.scoping import user_prefix
from jisheng.core.kept_statements import KeptStatements
from jisheng.core.text import InputError, normalize_phone, normalize_text, simplified

from .models import Household, Person
from .models.people import id_tail_index

DEFAULT_LIMIT = 50


@dataclass
class SearchCriteria:
    q: str = ""
    area_code: str = ""
    status: str = ""
    age_min: int | None = None
    age_max: int | None = None
    household: str = ""
    include_merged: bool = False

    @property
    def is_empty(self) -> bool:
        return not (
            self.q
            or self.area_code
            or self.status
            or self.household
            or self.age_min is not None
            or self.age_max is not None
        )


def _after(text: str) -> str:
    """The first string after every string that starts with ``text`` (its last character bumped by one)."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _range(column: str, low: str, high: str) -> Q:
    return Q(**{f"{column}__gte": low, f"{column}__lt": high})


def _prefix(column: str, text: str) -> Q:
    """column starts with text, as a range an index can serve (the last character bumped by one)."""
    return _range(column, text, _after(text))


# The kinds of search text whose condition is the same statement for every text of the kind, only its
# values differing (see ``person_search_values``): a name as typed, a name typed in traditional
# characters, pinyin letters (up to six: also the initials).
NAME, TRADITIONAL_NAME, LETTERS, INITIALS = "name", "traditional name", "letters", "initials"


def _name_or_letters(text: str) -> tuple[str, tuple[str, ...]]:
    """The kind of a name or pinyin typed, and the values its condition compares with (``text`` is
    neither an ID, a phone, digits nor a household number: ``_searched`` told them apart)."""
    if text.isascii() and text.isalpha():
        letters = text.lower()
        return (INITIALS if len(letters) <= 6 else LETTERS), (letters, _after(letters))
    # Names are kept as written; a name with traditional characters also carries its simplified key,
    # so 张伟 finds 張偉, and 張偉 typed finds both 張偉 and 张伟.
    key = simplified(text)
    if key != text:
        return TRADITIONAL_NAME, (text, _after(text), key, _after(key))
    return NAME, (text, _after(text))


def _kind_condition(kind: str, values: tuple[str, ...]) -> Q:
    """The condition of a name or pinyin search of ``kind``, comparing with ``values`` as they are."""
    if kind in (LETTERS, INITIALS):
        low, high = values
        condition = _range("name_pinyin", low, high) | _range("name_pinyin_alt", low, high)
        if kind == INITIALS:
            condition |= _range("name_initials", low, high) | _range("name_initials_alt", low, high)
        return condition
    if kind == TRADITIONAL_NAME:
        low, high, key_low, key_high = values
        return (
            _range("name", low, high)
            | _range("name_simplified", key_low, key_high)
            | _range("name", key_low, key_high)
        )
    low, high = values
    return _range("name", low, high) | _range("name_simplified", low, high)


def text_condition(q: str) -> Q | None:
    """The WHERE condition for what someone typed in the search box, or None when it is blank."""
    return _condition(_searched(q))


def _condition(searched: Q | tuple[str, tuple[str, ...]] | None) -> Q | None:
    """The condition of what ``_searched`` found in the search box's text."""
    if searched is None or isinstance(searched, Q):
        return searched
    return _kind_condition(*searched)


def _searched(q: str) -> Q | tuple[str, tuple[str, ...]] | None:
    """What the search box's text asks for: None (blank), the condition of an ID, a phone, digits or a
    household number, or the kind and values of a name or pinyin search (``_kind_condition``)."""
    text = normalize_text(q).replace(" ", "")
    if not text:
        return None
    if text.startswith("+"):  # a phone typed with its country prefix, +86 138…
        with contextlib.suppress(InputError):
            text = normalize_phone(text)
    upper = text.upper()
    if re.fullmatch(r"\d{17}[\dX]", upper):
        return Q(id_number=upper)
    if re.fullmatch(r"\d+[Xx]?|[Xx]", text):
        # ID numbers and phones are sealed (SM4, deterministic): a search finds the whole value, or
        # the last four characters of an ID through their keyed index; not a prefix or a substring.
        condition = Q(pk__in=[])
        if len(upper) == 4:
            condition |= Q(id_tail=id_tail_index(upper))
        if re.fullmatch(r"1\d{10}", text):
            condition |= Q(phone=text)
        return condition
    if re.fullmatch(r"[\w\-]+", text) and any(ch.isdigit() for ch in text) and text.isascii():
        return Q(household__number=text)
    return _name_or_letters(text)


def person_search_queryset(user: Any, criteria: SearchCriteria) -> QuerySet[Person]:
    """Persons the user may see that match the criteria, in no particular order (see person_search)."""
    return _search_queryset(user, criteria, text_condition(criteria.q))


def _search_queryset(user: Any, criteria: SearchCriteria, condition: Q | None) -> QuerySet[Person]:
    if condition is None:
        queryset = Person.objects.visible_to(user)
    elif connection.vendor == "sqlite":
        # Led by the name or ID index, the area checked on each row it finds; the LIMIT then stops
        # at the page's rows. SQLite, without statistics, would otherwise read the area index (a
        # whole county for "zs"), and a subquery on the primary key gathers every match first (a
        # county's "王": eight thousand at 100,000 persons) before checking one area.
        queryset = Person.objects.visible_to(user, per_row=True).filter(condition)
    elif len(user_prefix(user) or "") < PREFIX_LENGTH[3]:
        # Above a county on PostgreSQL the area range spans every county and the planner reads the
        # name and ID indexes by itself; a subquery would gather every match of all the counties
        # before the first page's rows (a province's "王伟": 9,400 of them) where the plain
        # condition lets the LIMIT stop at the page's rows.
        queryset = Person.objects.visible_to(user).filter(condition)
    else:
        # At a county or below on PostgreSQL: as a subquery on the primary key keeping the county
        # (the partition key), so the planner reads that county's partition of the name/ID index
        # and checks the area per row.
        queryset = Person.objects.visible_to(user).filter(
            pk__in=Person.objects.in_county_of(user).filter(condition).values("pk")
        )
    if not criteria.include_merged:
        queryset = queryset.filter(merged_into__isnull=True)
    if criteria.area_code:
        prefix = criteria.area_code.rstrip("0") or criteria.area_code
        area = Area.objects.filter(code=criteria.area_code.ljust(12, "0")).first()
        if area is not None:
            prefix = area.prefix
        queryset = queryset.filter(residence_area__code__range=code_range(prefix))
    if criteria.household:
        queryset = queryset.filter(household__number=normalize_text(criteria.household).replace(" ", ""))
    if criteria.status:
        queryset = queryset.filter(status=criteria.status)
    today = timezone.localdate()
    if criteria.age_min is not None:
        queryset = queryset.filter(birth_date__lte=_years_before(today, criteria.age_min))
    if criteria.age_max is not None:
        queryset = queryset.filter(birth_date__gt=_years_before(today, criteria.age_max + 1))
    return queryset


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def person_search(user: Any, criteria: SearchCriteria, *, limit: int = DEFAULT_LIMIT) -> list[Person]:
    """The first ``limit`` matches, sorted by name for display.

    Sorting before the LIMIT would make the database read every match of a common prefix ("z");
    the limit is applied first and the page says when there may be more.
    """
    if criteria.is_empty:
        return []
    rows = list(person_search_queryset(user, criteria).select_related("residence_area")[:limit])
    _attach_households(rows)
    rows.sort(key=lambda person: (person.name_pinyin, person.name, person.pk))
    return rows


def _attach_households(persons: list[Person]) -> None:
    """Each person's household, read by key in the persons' own counties (their partitions only) and in
    every county only for those not found there. Joined to the search instead, the household was
    looked up by its key alone in every county's partition for each row: at ten million persons over
    thirty counties, two thirds of a province account's search by name (docs/benchmarks.md)."""
    wanted = {person.household_id for person in persons if person.household_id is not None}
    found: dict[int, Household] = {}
    if wanted:
        counties = sorted({person.county_code for person in persons})
        for household in Household.objects.filter(pk__in=sorted(wanted), county_code__in=counties):
            found[household.pk] = household
        missing = wanted - found.keys()
        if missing:
            found.update(
                (household.pk, household) for household in Household.objects.filter(pk__in=sorted(missing))
            )
    for person in persons:
        if person.household_id is not None:
            Person.household.field.set_cached_value(person, found.get(person.household_id))


def person_search_values(
    user: Any, criteria: SearchCriteria, fields: tuple[str, ...], *, limit: int = DEFAULT_LIMIT
) -> list[dict[str, Any]]:
    """``person_search``'s rows, in its order, as dicts of the named columns: no instances are built and
    no other column is read (a sealed column left out is never opened)."""
    if criteria.is_empty:
        return []
    columns = ("pk", "name", "name_pinyin", *fields)
    searched = _searched(criteria.q)
    rows = _kept_search(user, criteria, searched, columns, limit)
    if rows is None:
        rows = list(_search_queryset(user, criteria, _condition(searched)).values(*columns)[:limit])
    rows.sort(key=lambda row: (row["name_pinyin"], row["name"], row["pk"]))
    return rows


# A name or pinyin typed alone is the common search (the API's look-ups as a clerk types): its
# statement depends on the kind of text, the reader's area, the columns and the limit, so it is compiled
# once per those and kept, each search binding its own values (building and compiling the queryset cost
# more than running it). Any other criteria, or any other text, is compiled each time.
_search_statements = KeptStatements(bound=256)


def _kept_search(
    user: Any,
    criteria: SearchCriteria,
    searched: Q | tuple[str, tuple[str, ...]] | None,
    columns: tuple[str, ...],
    limit: int,
) -> list[dict[str, Any]] | None:
    if criteria != SearchCriteria(q=criteria.q):
        return None
    prefix = user_prefix(user)
    if prefix is None or not isinstance(searched, tuple):
        return None
    kind_name, values = searched
    placeholder = tuple(f"\x00kept-search-{index}" for index in range(len(values)))
    statement = _search_statements.statement(
        ("search", kind_name, prefix, columns, limit),
        lambda bound: _search_queryset(user, criteria, _kind_condition(kind_name, bound)).values(*columns)[
            :limit
        ],
        using=Person.objects.db,
        placeholder=placeholder,
    )
    return [dict(zip(columns, row, strict=True)) for row in statement.rows(values, convert=True)]
