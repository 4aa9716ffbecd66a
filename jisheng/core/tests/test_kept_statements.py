"""Statements compiled once and kept (``core.kept_statements``): the key is only ever a bound
parameter, a statement serves only the scope it was kept for, the store stays within its bound, and a
placeholder that is also another parameter's value is refused."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from jisheng.areas.models import Area
from jisheng.core.kept_statements import KeptStatements, compile_statement

PLACEHOLDER = "kept-placeholder"


def codes(rows: list[Any]) -> list[str]:
    return sorted(area.code for area in rows)


def test_the_key_is_bound_as_a_parameter_and_never_written_into_the_sql(areas):
    store = KeptStatements(bound=8)
    hostile = "411723000000'; DROP TABLE areas_area; --"

    def build(key: str) -> QuerySet[Area]:
        return Area.objects.filter(code=key)

    statement = store.statement(("by code",), build, using="default", placeholder=PLACEHOLDER)
    sql, params = statement.bound(hostile)
    assert hostile not in sql and PLACEHOLDER not in sql
    assert params == [hostile]
    assert store.instances(("by code",), build, hostile, using="default", placeholder=PLACEHOLDER) == []
    # The table is still there, and the same kept statement reads a real key.
    county = areas["county"].code
    assert codes(store.instances(("by code",), build, county, using="default", placeholder=PLACEHOLDER)) == [
        county
    ]
    assert len(store) == 1


def test_values_rows_are_read_with_the_key_of_each_run(areas):
    store = KeptStatements(bound=8)

    def build(key: str) -> QuerySet[Any]:
        return Area.objects.filter(parent_id=key).order_by("code").values_list("code", "level")

    statement = store.statement(("children",), build, using="default", placeholder=PLACEHOLDER)
    county = areas["county"].code
    expected = list(Area.objects.filter(parent_id=county).order_by("code").values_list("code", "level"))
    assert len(expected) == 2 and statement.rows(county, convert=True) == expected
    assert statement.rows("no-such-area") == []


def test_two_scopes_never_share_a_statement(areas):
    store = KeptStatements(bound=8)
    compiled: list[str] = []

    def read(prefix: str) -> list[str]:
        def build(key: str) -> QuerySet[Area]:
            compiled.append(prefix)
            return Area.objects.filter(code__startswith=prefix).exclude(code=key)

        return codes(store.instances((prefix,), build, "", using="default", placeholder=PLACEHOLDER))

    township_a, township_b = areas["township_a"].code, areas["township_b"].code
    assert township_a != township_b
    first = read(township_a)
    second = read(township_b)
    assert first and all(code.startswith(township_a) for code in first)
    assert second and all(code.startswith(township_b) for code in second)
    assert read(township_a) == first and read(township_b) == second
    # Each scope compiled once (the read and its probe), then served from its own statement.
    assert compiled == [township_a, township_a, township_b, township_b]
    assert len(store) == 2


def test_the_bound_evicts_the_oldest_statement(areas):
    store = KeptStatements(bound=2)
    built: list[str] = []

    def statement_of(level: str) -> Any:
        def build(key: str) -> QuerySet[Area]:
            built.append(level)
            return Area.objects.filter(code=key, name__startswith=level)

        return store.statement((level,), build, using="default", placeholder=PLACEHOLDER)

    first = statement_of("a")
    statement_of("b")
    statement_of("c")
    assert len(store) == 2
    assert statement_of("c") is not None and built.count("c") == 2  # kept: not built again
    assert statement_of("a") is not first and built.count("a") == 4  # evicted: compiled anew
    assert len(store) == 2


def test_a_placeholder_that_is_also_another_parameter_is_refused(areas):
    store = KeptStatements(bound=8)

    def build(key: str) -> QuerySet[Area]:
        return Area.objects.filter(code=key).exclude(name=PLACEHOLDER)

    with pytest.raises(ValueError, match="placeholder"):
        store.statement(("colliding",), build, using="default", placeholder=PLACEHOLDER)
    assert len(store) == 0


def test_a_read_that_ignores_its_key_or_puts_it_in_the_sql_is_refused(areas):
    with pytest.raises(ValueError):
        compile_statement(lambda key: Area.objects.filter(level=1), using="default", placeholder=PLACEHOLDER)
    with pytest.raises(ValueError):
        compile_statement(
            lambda key: Area.objects.filter(code=key).extra(where=[f"name <> '{key}'"]),
            using="default",
            placeholder=PLACEHOLDER,
        )


def test_a_read_without_a_key_is_kept_as_compiled(areas):
    store = KeptStatements(bound=8)
    statement = store.statement(
        ("county",),
        lambda _key: Area.objects.filter(code=areas["county"].code).values_list("name"),
        using="default",
    )
    assert statement.slots == () and statement.rows() == [(areas["county"].name,)]
    assert statement.using == connection.alias


def test_a_kept_read_of_instances_attaches_its_related_objects_and_defers_what_the_queryset_defers(
    areas, django_assert_num_queries
):
    store = KeptStatements(bound=8)

    def build(key: str) -> QuerySet[Area]:
        return Area.objects.select_related("parent").defer("parent__name").filter(code=key)

    village = areas["village_a"]
    with django_assert_num_queries(1):
        (kept,) = store.objects(
            ("with parent",), build, village.code, using="default", placeholder=PLACEHOLDER
        )
        assert kept.name == village.name and kept.parent.code == village.parent_id
    with django_assert_num_queries(1):  # the deferred column is read when asked for, as Django does
        assert kept.parent.name == village.parent.name
    assert (
        store.objects(("with parent",), build, "no-such-area", using="default", placeholder=PLACEHOLDER) == []
    )
    assert len(store) == 1


def test_a_kept_read_of_a_models_columns_gives_the_instances_raw_gives_without_going_through_raw(
    areas, monkeypatch
):
    from django.db.models import Value
    from django.db.models.functions import Length

    store = KeptStatements(bound=8)

    def build(key: str) -> QuerySet[Area]:
        return (
            Area.objects.filter(parent_id=key)
            .defer("valid_to")
            .annotate(name_length=Length("name"), marker=Value("m"))
            .order_by("code")
        )

    township = areas["village_a"].parent_id
    statement = store.statement(("plain",), build, using="default", placeholder=PLACEHOLDER)
    assert statement.shape is not None and statement.shape.plain
    sql, params = statement.bound(township)
    expected = list(Area.objects.raw(sql, params))
    with monkeypatch.context() as patched:
        # Not one call to raw() for a plain read.
        patched.setattr(Area.objects, "raw", lambda *args, **kwargs: pytest.fail("raw() used"))
        kept = store.instances(("plain",), build, township, using="default", placeholder=PLACEHOLDER)
    assert [area.pk for area in kept] == [area.pk for area in expected] and kept
    for got, wanted in zip(kept, expected, strict=True):
        assert got.get_deferred_fields() == wanted.get_deferred_fields() == {"valid_to"}
        for name in ("code", "name", "level", "parent_id", "valid_from", "name_length", "marker"):
            assert getattr(got, name) == getattr(wanted, name)
            assert type(getattr(got, name)) is type(getattr(wanted, name))
        assert got._state.db == wanted._state.db and got._state.adding is wanted._state.adding is False


def test_a_kept_read_with_related_objects_is_not_plain_and_still_gives_instances_through_raw(areas):
    store = KeptStatements(bound=8)

    def build(key: str) -> QuerySet[Area]:
        return Area.objects.select_related("parent").filter(code=key)

    village = areas["village_a"]
    statement = store.statement(("related",), build, using="default", placeholder=PLACEHOLDER)
    assert statement.shape is not None and not statement.shape.plain
    (kept,) = store.instances(("related",), build, village.code, using="default", placeholder=PLACEHOLDER)
    assert kept.code == village.code and kept.parent_id == village.parent_id


def test_a_read_keyed_by_several_values_binds_each_in_its_own_places(areas):
    store = KeptStatements(bound=8)
    placeholder = ("kept-low", "kept-high")

    def build(key: tuple[str, str]) -> QuerySet[Area, tuple[str]]:
        low, high = key
        return Area.objects.filter(code__gte=low, code__lt=high).values_list("code").order_by("code")

    statement = store.statement(("range",), build, using="default", placeholder=placeholder)
    assert statement.parts == (0, 1)
    village_a, village_b = sorted([areas["village_a"].code, areas["village_b"].code])
    assert statement.rows((village_a, village_a + "~")) == [(village_a,)]
    assert statement.rows((village_b, village_b + "~")) == [(village_b,)]
    assert "kept-low" not in statement.sql and village_a not in statement.sql


def test_a_key_of_several_values_is_refused_when_one_is_ignored_or_also_another_parameter(areas):
    with pytest.raises(ValueError, match="placeholder"):
        compile_statement(
            lambda key: Area.objects.filter(code=key[0]), using="default", placeholder=("kept-a", "kept-b")
        )
    with pytest.raises(ValueError, match="placeholder"):
        compile_statement(
            lambda key: Area.objects.filter(code=key[0], name=key[1]).exclude(name="kept-a"),
            using="default",
            placeholder=("kept-a", "kept-b"),
        )
    with pytest.raises(ValueError, match="differ"):
        compile_statement(
            lambda key: Area.objects.filter(code=key[0], name=key[1]),
            using="default",
            placeholder=("kept-a", "kept-a"),
        )
