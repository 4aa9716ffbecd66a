import datetime

import pytest

from jisheng.audit.models import AuditEvent
from jisheng.registry.duplicates import duplicates_scan, find_pairs, is_adjacent_transposition
from jisheng.registry.models import Birth, Contraception, DuplicateCandidate, Marriage, Person
from tests.factories import SETUP, make_person


def transposed(id_number: str) -> str:
    from stdnum.cn import ric

    body = id_number[:14] + id_number[15] + id_number[14] + id_number[16]
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def planted(areas):
    a = make_person(area=areas["village_a"], name="陈红", sex="2", birth=datetime.date(1980, 4, 4))
    same_name_birth = make_person(
        area=areas["village_b"], name="陈红", sex="2", birth=datetime.date(1980, 4, 4)
    )
    b = make_person(area=areas["village_a2"], name="林海", sex="1", birth=datetime.date(1975, 1, 1))
    while b.id_number[14] == b.id_number[15]:  # swapping equal digits would give the same number
        b.delete()
        b = make_person(area=areas["village_a2"], name="林海", sex="1", birth=datetime.date(1975, 1, 1))
    swapped = make_person(area=areas["village_a"], name="林海", sex="1", birth=datetime.date(1975, 1, 1))
    swapped.id_number = transposed(b.id_number)
    swapped.save()
    unrelated = make_person(area=areas["village_a"], name="何平", sex="1", birth=datetime.date(1966, 6, 6))
    return {"a": a, "same": same_name_birth, "b": b, "swapped": swapped, "unrelated": unrelated}


def test_adjacent_transpositions_are_recognised():
    assert is_adjacent_transposition("12345", "12435")
    assert not is_adjacent_transposition("12345", "15342")


def test_the_scan_finds_planted_duplicates_once_and_scopes_each_pair_to_both_villages(areas, planted):
    assert duplicates_scan(by=SETUP) == 2
    pairs = {(p.person_a_id, p.person_b_id): p for p in DuplicateCandidate.objects.all()}
    across = pairs[(planted["a"].pk, planted["same"].pk)]
    assert across.area_id == areas["county"].code  # two townships: only county staff see it
    # Same name and birth in two villages of one township: found as such (that test runs first), and
    # kept where both villages' township sees it.
    swapped = pairs[(planted["b"].pk, planted["swapped"].pk)]
    assert (swapped.reason, swapped.area_id) == (
        DuplicateCandidate.Reason.SAME_NAME_BIRTH,
        areas["township_a"].code,
    )
    assert duplicates_scan(by=SETUP) == 0


def test_two_swapped_digits_in_one_village_are_found_as_a_transposed_id_number(planted):
    b = planted["b"]
    rows = [
        (1, b.name, b.id_number, b.birth_date, "v"),
        (2, b.name, transposed(b.id_number), b.birth_date, "v"),
    ]
    assert find_pairs(rows) == {(1, 2): DuplicateCandidate.Reason.TRANSPOSED_ID}


def test_a_merge_keeps_every_event_and_is_audited(areas, make_user, client_for, planted):
    survivor, duplicate = planted["a"], planted["same"]
    husband = make_person(area=areas["village_b"], name="张军", sex="1", birth=datetime.date(1978, 1, 1))
    Marriage.objects.create(
        husband=husband, wife=duplicate, date=datetime.date(2002, 1, 1), area=areas["village_b"]
    )
    Birth.objects.create(
        mother=duplicate, date=datetime.date(2004, 1, 1), birth_order=1, sex="1", area=areas["village_b"]
    )
    Contraception.objects.create(
        person=duplicate, method="700", start_date=datetime.date(2005, 1, 1), area=areas["village_b"]
    )
    duplicates_scan(by=SETUP)
    pair = DuplicateCandidate.objects.get(person_a=survivor, person_b=duplicate)
    county = make_user(areas["county"], "county_staff")
    client = client_for(county)
    assert "陈红" in client.get(f"/registry/duplicates/{pair.pk}/").content.decode()
    client.post(
        f"/registry/duplicates/{pair.pk}/decide/",
        {"decision": "merge", "survivor": survivor.pk, "note": "同一人", "confirm": "yes"},
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert Marriage.objects.get().wife_id == survivor.pk
    assert Birth.objects.get().mother_id == survivor.pk
    assert Contraception.objects.get().person_id == survivor.pk
    assert survivor.residence_periods.count() == 2
    assert AuditEvent.objects.filter(action="registry.duplicate_merge", reason="同一人").exists()


def test_a_township_clerk_cannot_see_a_pair_spanning_two_townships(areas, make_user, client_for, planted):
    duplicates_scan(by=SETUP)
    pair = DuplicateCandidate.objects.get(person_a=planted["a"], person_b=planted["same"])
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    assert client.get(f"/registry/duplicates/{pair.pk}/").status_code == 404


def test_a_pair_marked_distinct_is_never_proposed_again(areas, make_user, client_for, planted):
    duplicates_scan(by=SETUP)
    pair = DuplicateCandidate.objects.get(person_a=planted["a"], person_b=planted["same"])
    client = client_for(make_user(areas["county"], "county_staff"))
    client.post(f"/registry/duplicates/{pair.pk}/decide/", {"decision": "distinct", "note": "不同人"})
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.DISTINCT
    assert duplicates_scan(by=SETUP) == 0
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_the_county_home_shows_the_pairs_waiting(areas, make_user, client_for, planted):
    duplicates_scan(by=SETUP)
    page = client_for(make_user(areas["county"], "county_staff")).get("/").content.decode()
    assert "疑似重复人员" in page
