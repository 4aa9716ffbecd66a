"""The registry's scoped reads: the person file (一人一档), a person by key or by ID number, and the live
persons every consumer counts and pays (a merged duplicate never counted twice). The person search is
in ``search.py`` and read from here too."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from jisheng.areas.models import Area
from jisheng.areas.scoping import user_prefix
from jisheng.core.crypto.fields import EQUAL_PREFIX
from jisheng.core.kept_statements import KeptStatements
from jisheng.core.text import normalize_code

from . import live_ids, timeline
from .codes import PersonStatus, Sex
from .models import Birth, Contraception, Household, Marriage, Person, ResidencePeriod

# The person search is in search.py; its names are read from here as before.
from .search import DEFAULT_LIMIT as DEFAULT_LIMIT
from .search import SearchCriteria as SearchCriteria
from .search import person_search as person_search
from .search import person_search_queryset as person_search_queryset
from .search import person_search_values as person_search_values
from .search import text_condition as text_condition


@dataclass
class PersonFile:
    person: Person
    household: Household | None
    members: list[Person]
    marriages: list[Marriage]
    births_as_parent: list[Birth]
    own_birth: Birth | None
    contraception: list[Contraception]
    residence: list[ResidencePeriod]
    area_names: dict[str, str]
    timeline: list[dict[str, Any]]


def visible_person(user: Any, pk: int) -> Person | None:
    """The person with this key if the user may see them (``get_visible_or_404``'s look-up), through
    a statement kept for the user's area."""
    prefix = user_prefix(user)
    if prefix is None:
        return None
    county = _county_of(pk) if len(prefix) < COUNTY_DIGITS else None
    if county is not None and county.startswith(prefix):
        # Above a county, the area alone names no partition: the county found by the key does.
        found = _kept(
            ("person", prefix, county),
            lambda key: Person.objects.visible_to(user).filter(pk=key, county_code=county)[:2],
            pk,
            Person.objects.db,
        )
        if len(found) == 1:
            return found[0]
    found = _kept(
        ("person", prefix),
        lambda key: Person.objects.visible_to(user).filter(pk=key)[:2],
        pk,
        Person.objects.db,
    )
    return found[0] if len(found) == 1 else None


COUNTY_DIGITS = 6


def _county_of(pk: int) -> str | None:
    """The county of a person by key, from the table of live ID numbers (PostgreSQL's partitions)."""
    if connection.vendor != "postgresql":
        return None
    return live_ids.county_of(pk)


def person_file(person: Person, user: Any) -> PersonFile:
    """Everything on the person's page (一人一档). ``person`` was already fetched with visible_to.

    Every look-up names the counties it may find rows in, so that PostgreSQL reads those counties'
    partitions only (the tables are partitioned by county): the person's residence periods lie in the
    counties the person's history records; events and households are recorded in the county of the
    village that recorded them, which is one the person lived in (the look-ups name those counties).
    A marriage and a child's birth are recorded in the wife's and mother's county: a man's are looked
    up in every county. The spouses, children and household members are read by key in the counties
    they are likely to be in, and in every county only for those not found there.
    """
    members: list[Person] = []
    using = Person.objects.db
    counties = _counties_lived_in(person)
    known = tuple(sorted(counties)) if counties is not None else None
    residence = _kept(
        ("residence", known),
        lambda key: (
            ResidencePeriod.objects.filter(person_id=key)
            if known is None
            else ResidencePeriod.objects.filter(person_id=key, county_code__in=known)
        ).order_by("start_date"),
        person.pk,
        using,
    )
    lived_in = sorted(
        {person.county_code} | (counties or set()) | {period.county_code for period in residence}
    )
    where = tuple(lived_in)
    household = _household_of(person, where, using)
    if household is not None:
        Person.household.field.set_cached_value(person, household)
        among = tuple(sorted({household.county_code, *lived_in}))
        members = _kept(
            ("members", among),
            lambda key: (
                Person.objects.filter(household_id=key, county_code__in=among)
                .filter(merged_into__isnull=True)
                .order_by("relation_to_head", "birth_date")
            ),
            household.pk,
            using,
        )
    if person.sex == Sex.FEMALE:
        read, scope = _kept, where

        def marriages_of(key: Any) -> Any:
            return Marriage.objects.filter(wife_id=key, county_code__in=where)

        def births_of(key: Any) -> Any:  # the births as a mother and her own birth, in one statement
            return Birth.objects.filter(Q(mother_id=key) | Q(child_id=key), county_code__in=where)

    else:
        # A man's are read in every county, by statements whose plan does not depend on the man: prepared
        # once a connection (``core.planner``), not planned over every county's partition at each file.
        read, scope = _prepared, ("every county",)

        def marriages_of(key: Any) -> Any:
            return Marriage.objects.filter(Q(husband_id=key) | Q(wife_id=key))

        def births_of(key: Any) -> Any:
            return Birth.objects.filter(Q(mother_id=key) | Q(father_id=key) | Q(child_id=key))

    marriages = read(("marriages", scope), lambda key: marriages_of(key).order_by("date"), person.pk, using)
    both = read(
        ("births", scope), lambda key: births_of(key).order_by("date", "birth_order", "pk"), person.pk, using
    )
    births = [b for b in both if person.pk in (b.mother_id, b.father_id)]
    own_birth = min((b for b in both if b.child_id == person.pk), key=lambda b: b.pk, default=None)
    contraception = _kept(
        ("contraception", where),
        lambda key: Contraception.objects.filter(person_id=key, county_code__in=where).order_by("start_date"),
        person.pk,
        using,
    )
    related = _persons_by_pk(
        {pk for m in marriages for pk in (m.husband_id, m.wife_id)}
        | {b.child_id for b in births if b.child_id},
        person,
        likely={*lived_in, *(m.county_code for m in marriages), *(b.county_code for b in births)},
    )
    # As the joins did: a marriage whose spouse's record is gone is not shown, a birth without its
    # child's record shows no child.
    marriages = [m for m in marriages if m.husband_id in related and m.wife_id in related]
    for marriage in marriages:
        marriage.husband, marriage.wife = related[marriage.husband_id], related[marriage.wife_id]
    for birth in births:
        birth.child = related.get(birth.child_id) if birth.child_id else None
    codes = {period.area_code for period in residence} | {person.residence_area_id}
    areas = {
        area.code: area
        for area in Area.objects.filter(code__in=codes).select_related("parent__parent__parent")
    }
    area_names = {code: area.full_name() for code, area in areas.items()}
    if person.residence_area_id in areas:
        person.residence_area = areas[person.residence_area_id]
    timeline = _registry_timeline(person, marriages, births, contraception, residence, area_names)
    timeline.extend(_other_apps_timeline(person, user))
    timeline.sort(key=lambda entry: entry["date"] or datetime.date.min, reverse=True)
    return PersonFile(
        person=person,
        household=household,
        members=members,
        marriages=marriages,
        births_as_parent=births,
        own_birth=own_birth,
        contraception=contraception,
        residence=residence,
        area_names=area_names,
        timeline=timeline,
    )


def _counties_lived_in(person: Person) -> set[str] | None:
    """The counties of the person's residence periods, from the person's history (every move saves the
    person, so the history holds each village lived in), with those of the records merged into this
    one (their periods were moved to it). None when the periods may lie anywhere: after a move out
    the last period names the destination, which may be any place (its county is not in the history)."""
    if person.status == PersonStatus.MOVED_OUT:
        return None
    history = Person.history.model  # type: ignore[attr-defined]
    counties = {person.county_code}
    seen: set[int] = set()
    wanted = {person.pk}
    while wanted:
        seen |= wanted
        rows = (
            _statements.statement(
                ("history",),
                lambda key: history.objects.filter(Q(id=_bound(key)) | Q(merged_into_id=key)).values_list(
                    "id", "residence_area_id", "status"
                ),
                using=history.objects.db,
                placeholder=timeline.SENTINEL,
            ).rows(next(iter(wanted)))
            if len(wanted) == 1
            else history.objects.filter(Q(id__in=wanted) | Q(merged_into_id__in=wanted)).values_list(
                "id", "residence_area_id", "status"
            )
        )
        found: set[int] = set()
        for pk, area_code, status in rows:
            if status == PersonStatus.MOVED_OUT:
                return None
            counties.add((area_code or "")[:6])
            found.add(pk)
        wanted = found - seen
    return counties


def _persons_by_pk(pks: set[int], person: Person, *, likely: set[str]) -> dict[int, Person]:
    """Persons by key (``person`` itself included without a query): first in the ``likely`` counties
    (their partitions only), then in every county for the few not found there."""
    found = {person.pk: person}
    wanted = pks - {person.pk}
    if wanted:
        for other in Person.objects.filter(pk__in=sorted(wanted), county_code__in=sorted(likely)):
            found[other.pk] = other
        missing = wanted - found.keys()
        if missing:
            for other in Person.objects.filter(pk__in=sorted(missing)):
                found[other.pk] = other
    return found


def _household_of(person: Person, lived_in: tuple[str, ...], using: str) -> Household | None:
    """The person's household, looked up in the counties the person lived in (their partitions only);
    in every county only when it is not there."""
    if person.household_id is None:
        return None
    found = _kept(
        ("household", lived_in),
        lambda key: Household.objects.filter(pk=key, county_code__in=lived_in).order_by("pk")[:1],
        person.household_id,
        using,
    )
    return found[0] if found else Household.objects.filter(pk=person.household_id).first()


# The person file's own look-ups, compiled once and kept (``jisheng.core.kept_statements``): each is
# the same statement for every person but for the person's (or household's) key, bound in the place of
# ``timeline.SENTINEL``. The counties a look-up names are part of its kept key (their number changes
# the statement's text), so the statement still reads those counties' partitions only.
_statements = KeptStatements(bound=512)


def _bound(key: int) -> RawSQL:
    """``key`` as a plain parameter: PostgreSQL's backend wraps a value compared with a plain integer
    column (the history's ``id``) in a type of its own, which a kept statement cannot find as its key."""
    return RawSQL("%s", (key,))


def _kept(key: tuple[Any, ...], build: Any, value: int, using: str) -> list[Any]:
    """``build(value)``'s rows as model instances, through the statement kept for ``key``."""
    return _statements.instances(key, build, value, using=using, placeholder=timeline.SENTINEL)


def _prepared(key: tuple[Any, ...], build: Any, value: int, using: str) -> list[Any]:
    """As ``_kept``, the statement prepared by PostgreSQL (its plan must not depend on ``value``)."""
    return _statements.objects(key, build, value, using=using, placeholder=timeline.SENTINEL, prepare=True)


def _registry_timeline(
    person: Person,
    marriages: list[Marriage],
    births: list[Birth],
    contraception: list[Contraception],
    residence: list[ResidencePeriod],
    area_names: dict[str, str],
) -> list[dict[str, Any]]:
    from django.utils.translation import gettext as _

    entries: list[dict[str, Any]] = [{"date": person.birth_date, "title": _("Born"), "detail": "", "url": ""}]
    for marriage in marriages:
        spouse = marriage.wife if marriage.husband_id == person.pk else marriage.husband
        entries.append({"date": marriage.date, "title": _("Married"), "detail": spouse.name, "url": ""})
        if marriage.divorce_date:
            entries.append(
                {"date": marriage.divorce_date, "title": _("Divorced"), "detail": spouse.name, "url": ""}
            )
    for birth in births:
        name = birth.child.name if birth.child else ""
        entries.append(
            {
                "date": birth.date,
                "title": _("Child born (birth %(order)s)") % {"order": birth.birth_order},
                "detail": name,
                "url": "",
            }
        )
    for item in contraception:
        entries.append(
            {
                "date": item.start_date,
                "title": _("Contraception"),
                "detail": item.get_method_display(),
                "url": "",
            }
        )
    for period in residence[1:]:
        entries.append(
            {
                "date": period.start_date,
                "title": _("Moved"),
                "detail": area_names.get(period.area_code, period.area_code),
                "url": "",
            }
        )
    if person.death_date:
        entries.append({"date": person.death_date, "title": _("Died"), "detail": "", "url": ""})
    return entries


def _other_apps_timeline(person: Person, user: Any) -> list[dict[str, Any]]:
    """Entries other apps offer, without importing them: the apps that give
    ``person_timeline_rows``/``person_timeline_entries`` have their rows read together in one
    statement, compiled once for the user's area and capabilities and kept (``registry.timeline``);
    an app that only has ``person_timeline(person, user)`` is asked for its entries."""
    providers: list[tuple[Any, Any]] = []
    configs: list[Any] = list(apps.get_app_configs())
    for config in configs:
        if callable(getattr(config, "person_timeline_rows", None)):
            providers.append((config, None))
        elif callable(getattr(config, "person_timeline", None)):
            providers.append((config, config.person_timeline))

    def gather(someone: Any) -> list[Any]:
        return [
            queryset
            for config, provider in providers
            if provider is None
            for queryset in config.person_timeline_rows(someone, user) or []
        ]

    by_app = timeline.grouped(timeline.read_kept(gather, person, user))
    entries: list[dict[str, Any]] = []
    for config, provider in providers:
        offered = (
            provider(person, user)
            if provider is not None
            else config.person_timeline_entries(by_app.get(config.label, []))
        )
        for entry in offered or []:
            entries.append({"date": None, "title": "", "detail": "", "url": "", **entry})
    return entries


# --- live persons: a record merged into another is history, never a resident ---------------------


def live_persons(queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """The persons not merged away (of ``queryset``, default all). Everything that pays, counts or
    identifies a resident reads through this, so a merged duplicate is never paid, counted or found twice."""
    base = Person.objects.all() if queryset is None else queryset
    return base.filter(merged_into__isnull=True)


def merged_away() -> QuerySet[Any]:
    """The primary keys of merged-away records, as a subquery for tables that refer to persons
    (a birth whose child record was merged away is the same birth as the survivor's). The partial
    index on ``merged_into`` makes it a read of the few merged rows."""
    return Person.objects.filter(merged_into__isnull=False).values("pk")


# The look-up of a live person by ID number (and name), the first read of every application made
# online or at a counter: compiled once and kept, each look-up binding the number as its column stores
# it (sealed) and the name. The placeholder of the number is a sealed value already, so the column
# keeps it as it is when the statement is compiled. Prepared on PostgreSQL: an equality on the number's
# index whatever the values, so planned once a connection.
_by_id_number = KeptStatements(bound=8)
_SEALED_PLACEHOLDER = f"{EQUAL_PREFIX}kept-statement-placeholder"
_NAME_PLACEHOLDER = "\x00kept-statement-placeholder"


def _live_by_id_number(number: str, name: str | None) -> Person | None:
    sealed = Person._meta.get_field("id_number").get_prep_value(number)
    using = Person.objects.db
    if name is None:
        found = _by_id_number.objects(
            ("live", "number"),
            lambda key: live_persons(Person.objects.filter(id_number=key)).order_by("pk")[:1],
            sealed,
            using=using,
            placeholder=_SEALED_PLACEHOLDER,
            prepare=True,
        )
    else:
        found = _by_id_number.statement(
            ("live", "number and name"),
            lambda key: live_persons(Person.objects.filter(id_number=key[0], name=key[1])).order_by("pk")[:1],
            using=using,
            placeholder=(_SEALED_PLACEHOLDER, _NAME_PLACEHOLDER),
        ).objects((sealed, name), prepare=True)
    return found[0] if found else None


def person_by_id_number(
    id_number: str, *, within: QuerySet[Person] | None = None, name: str | None = None
) -> Person | None:
    """An ID look-up: the live person with this number (and name, when given) among ``within``
    (default all); a number (and name) that only a merged-away record carries leads to its survivor."""
    base = Person.objects.all() if within is None else within
    # Typed at a counter or a portal: full-width digits, a lower-case x, spaces between groups.
    number = normalize_code(id_number)
    if within is None:
        found = _live_by_id_number(number, name)
        if found is not None:
            return found  # the common case: no queryset built
    matches = base.filter(id_number=number)
    if name is not None:
        matches = matches.filter(name=name)
    if within is not None:
        found = live_persons(matches).order_by("pk").first()
        if found is not None:
            return found
    merged = matches.filter(merged_into__isnull=False).order_by("pk").first()
    seen: set[int] = set()
    while merged is not None and merged.merged_into_id is not None and merged.pk not in seen:
        seen.add(merged.pk)  # a chain of merges (A into B, B into C) ends at the live record
        merged = base.filter(pk=merged.merged_into_id).first()
    return merged if merged is not None and merged.merged_into_id is None else None
