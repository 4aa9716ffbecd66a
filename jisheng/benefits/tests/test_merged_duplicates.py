"""A duplicate merged into its survivor disappears everywhere: it is proposed, counted and found once.

The child was entered twice (two villages, the same ID number); the registry merges the first record
into the second. Every consumer reads the registry through the live-persons query, so the merged
record is never proposed for the childcare subsidy, the month's births count the child once, the
portal's identity check and a staff ID look-up both land on the survivor.
"""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from jisheng.benefits import engine, services
from jisheng.benefits.models import Application
from jisheng.benefits.rules import get_programme
from jisheng.registry.duplicates import duplicate_merge
from jisheng.registry.models import Birth, DuplicateCandidate
from jisheng.registry.queries import person_by_id_number
from jisheng.reporting.measures import MEASURES, count_by_village
from tests.factories import SETUP

from .factories import child_of, person

D = datetime.date


@pytest.fixture
def merged(areas, make_user):
    """(survivor, merged-away record, mother); the survivor is the later record, so a look-up that
    simply takes the first match by primary key would find the merged one."""
    cache.clear()
    mother = person(areas["village_a"], "李秀英", "2", D(1995, 5, 1))
    first = child_of(mother, "张小宝", "1", D(2025, 3, 15))
    # Registered twice under two numbers (the registry keeps one live person per ID number, so a
    # same-number pair cannot arise): same name and birth date, found by the duplicate review.
    second = person(areas["village_a"], "张小宝", "1", D(2025, 3, 15))
    Birth.objects.create(
        child=second, mother=mother, date=D(2025, 3, 15), birth_order=1, sex="1", area=areas["village_a"]
    )
    candidate = DuplicateCandidate.objects.create(
        person_a=first, person_b=second, reason="name_birth", area=areas["township_a"]
    )
    clerk = make_user(areas["township_a"], "counter_clerk")
    duplicate_merge(candidate=candidate, survivor=second, note="同一孩子重复登记", by=clerk)
    first.refresh_from_db()
    assert first.merged_into_id == second.pk
    return second, first, mother


def test_the_childcare_subsidy_proposes_a_merged_child_once(areas, merged):
    survivor, _gone, _mother = merged
    result = engine.run(get_programme("childcare_subsidy"), 2025, areas["township_a"].code)
    assert [d.subject.pk for d in result.proposals] == [survivor.pk]
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=SETUP
    )
    assert list(batch.lines.values_list("person_id", flat=True)) == [survivor.pk]


def test_the_months_births_count_a_merged_child_once(areas, merged):
    counts = count_by_village(MEASURES["births"], D(2025, 3, 1), D(2025, 3, 31), "411723", [])
    assert sum(sum(by_key.values()) for by_key in counts.values()) == 1


def test_the_portal_identity_check_finds_the_survivor(areas, merged):
    survivor, _gone, mother = merged
    Client().post(
        "/benefits/apply/",
        {
            "name": "张小宝",
            "id_number": survivor.id_number,
            "programme": "childcare_subsidy",
            "year": 2025,
            "applicant_name": "李秀英",
            "applicant_id_number": mother.id_number,
            "relation": "mother",
        },
    )
    assert Application.objects.get().person_id == survivor.pk


def test_an_id_look_up_finds_the_survivor(areas, merged, make_user, client_for):
    survivor, gone, _mother = merged
    assert person_by_id_number(gone.id_number) == survivor
    officer = make_user(areas["village_a"], "village_officer")
    client_for(officer).post(
        "/benefits/applications/",
        {"id_number": survivor.id_number, "programme": "childcare_subsidy", "year": 2025},
    )
    assert Application.objects.get().person_id == survivor.pk


def test_a_number_only_the_merged_record_carried_leads_to_its_survivor(areas, merged):
    survivor, gone, _mother = merged
    gone.id_number = gone.id_number[:-2] + gone.id_number[-1] + gone.id_number[-2]  # a typing error
    gone.save()
    assert person_by_id_number(gone.id_number, name="张小宝") == survivor
