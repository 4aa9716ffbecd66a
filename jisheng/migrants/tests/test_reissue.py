"""婚育证明 due for re-issue: expiring within N days, or the holder married, divorced or had a child
since issue; listed per township with the action to re-issue, in the same number of queries for one
certificate or many, and only the user's own townships'."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jisheng.core.actor import System
from jisheng.migrants import queries, services
from jisheng.migrants.models import MaritalCertificate
from jisheng.migrants.tests.conftest import make_woman
from jisheng.registry import services as registry

pytestmark = pytest.mark.django_db
JOB = System(job="test")


def issue(woman: Any, clerk: Any) -> MaritalCertificate:
    return services.marital_certificate_issue(person=woman, by=clerk)


def test_a_certificate_about_to_expire_and_one_whose_holder_had_a_child_are_due_for_reissue(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any], client_for: Any
) -> None:
    clerk = staff["clerk"]
    fresh = issue(woman, clerk)
    assert list(queries.certificates_due_for_reissue(clerk)) == []
    # Expiring: within the chosen number of days.
    MaritalCertificate.objects.filter(pk=fresh.pk).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=20)
    )
    assert list(queries.certificates_due_for_reissue(clerk, days=10)) == []
    [row] = queries.certificates_due_for_reissue(clerk, days=30)
    assert row.expiring and not row.births_since
    # A child born since issue: due whatever the expiry.
    mother = make_woman(areas["village_a"], name="张秀英", born=datetime.date(1992, 2, 2))
    hers = issue(mother, clerk)
    registry.birth_record(mother=mother, date=timezone.localdate(), sex="1", child_name="张小宝", by=JOB)
    rows = {r.pk: r for r in queries.certificates_due_for_reissue(clerk, days=0)}
    assert set(rows) == {hers.pk} and rows[hers.pk].births_since
    # The page: per township, with the re-issue action; another township's clerk sees none of them.
    page = client_for(clerk).get("/migrants/certificates/reissue/?days=30").content.decode()
    assert hers.number in page and fresh.number in page and "换发证明" in page
    assert f"/migrants/certificate/{mother.pk}/" in page
    other = client_for(staff["clerk_b"]).get("/migrants/certificates/reissue/?days=30").content.decode()
    assert hers.number not in other


def test_the_reissue_list_costs_the_same_queries_for_one_or_many(
    staff: dict[str, Any], areas: dict[str, Any], client_for: Any
) -> None:
    client = client_for(staff["clerk"])

    def expiring(n: int, start: int) -> None:
        for i in range(n):
            person = make_woman(
                areas["village_a"], name=f"证明{start + i}", born=datetime.date(1990, 1, 1 + start + i)
            )
            issue(person, staff["clerk"])
        MaritalCertificate.objects.update(valid_until=timezone.localdate())

    expiring(1, 0)
    url = "/migrants/certificates/reissue/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    expiring(5, 1)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one)
