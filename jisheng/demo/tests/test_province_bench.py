"""`jisheng bench --counties C`: a small province is generated and measured, one JSON line a measure."""

import io
import json

from django.core.management import call_command
from django.db import connection

from jisheng.registry.models import Birth, Household, Person


def test_a_province_of_three_counties_is_generated_and_searched_in_one_county_and_in_all(db):
    out = io.StringIO()
    call_command(
        "bench",
        "--persons",
        "2000",
        "--counties",
        "3",
        "--only",
        "province.generate",
        "--only",
        "province.county.search_initials",
        "--only",
        "province.all.person_file",
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    by_name = {row["measure"]: row for row in rows}
    assert set(by_name) == {
        "province.generate",
        "province.county.search_initials_p50",
        "province.county.search_initials_p95",
        "province.all.person_file_p50",
        "province.all.person_file_p95",
    }
    assert all(row["counties"] == 3 and row["persons"] == 2000 for row in rows)
    assert by_name["province.generate"]["persons_added"] == 2000
    assert by_name["province.county.search_initials_p95"]["baseline"] > 0
    # the files' figures are their second reading's, the first reading's beside them
    for name in ("province.all.person_file_p50", "province.all.person_file_p95"):
        row = by_name[name]
        assert row["files"] > 0 and row["value"] > 0 and row["baseline"] > 0
        assert row["first_reading"] > 0 and row["first_reading_baseline"] > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUBSTR(residence_area_id, 1, 6), COUNT(*) FROM registry_person GROUP BY 1")
        per_county = dict(cursor.fetchall())
    assert per_county == {"411723": 667, "411702": 667, "411721": 666}
    # Every county's persons carry ID numbers of their own county, and live in households with births.
    assert all(
        number[:6] == area[:6]
        for number, area in Person.objects.values_list("id_number", "residence_area_id")
    )
    assert Household.objects.filter(area__code__startswith="411721").exists()
    assert Birth.objects.filter(area__code__startswith="411702").exists()


def test_a_second_run_leaves_the_generated_province_as_it_is(db):
    for _run in range(2):
        out = io.StringIO()
        call_command(
            "bench", "--persons", "600", "--counties", "2", "--only", "province.generate",
            stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
    assert out.getvalue() == ""  # nothing generated the second time, so no generation measure
    assert Person.objects.count() == 600
