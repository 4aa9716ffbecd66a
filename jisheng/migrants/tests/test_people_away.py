"""People away (流出) with their 四个一, and returns that close the record."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.migrants import queries, services
from jisheng.migrants.models import Departure, Notice
from jisheng.registry.codes import PersonStatus

pytestmark = pytest.mark.django_db


def test_a_departure_marks_the_person_away_and_lists_what_is_missing_of_the_four(
    staff: dict[str, Any], woman: Any
) -> None:
    departure = services.departure_record(
        person=woman,
        destination="441900 东莞市",
        left_on=timezone.localdate() - datetime.timedelta(days=3),
        employer="东莞某电子厂",
        phone="13912345678",
        contact_phone="13800138001",
        by=staff["officer"],
    )
    woman.refresh_from_db()
    assert woman.status == PersonStatus.AWAY
    assert departure.destination_code == "441900000000"
    assert departure.destination_province == "44"
    assert (
        departure.missing == ["婚育证明（外出前办理）", "避孕节育措施", "签订合同（协议）"]
        or len(departure.missing) == 3
    )
    assert AuditEvent.objects.filter(action="migrants.departure_record").count() == 1


def test_a_destination_outside_china_is_refused_naming_the_field(staff: dict[str, Any], woman: Any) -> None:
    with pytest.raises(ValidationError, match="990000"):
        services.departure_record(
            person=woman, destination="990000", left_on=timezone.localdate(), by=staff["officer"]
        )
    assert not Departure.objects.exists()


def test_an_officer_of_another_village_may_not_record_the_departure(
    areas: dict[str, Any], make_user: Any, woman: Any
) -> None:
    other = make_user(areas["village_b"], "village_officer")
    with pytest.raises(PermissionDenied):
        services.departure_record(person=woman, destination="441900", left_on=timezone.localdate(), by=other)


def test_the_certificate_issued_by_the_township_fills_the_first_of_the_four(
    staff: dict[str, Any], woman: Any
) -> None:
    departure = services.departure_record(
        person=woman, destination="441900", left_on=timezone.localdate(), by=staff["officer"]
    )
    certificate = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    departure.refresh_from_db()
    assert departure.certificate == certificate
    assert certificate.fields["姓名"] == woman.name
    assert certificate.valid_until.year == timezone.localdate().year + 3
    # The destination is told of the certificate it will check the arrival against.
    told = Notice.objects.filter(direction="out", kind="departure").order_by("pk").last()
    assert told is not None and told.body["certificate"]["number"] == certificate.number
    with pytest.raises(ValidationError):  # nothing changed: no second certificate
        services.marital_certificate_issue(person=woman, by=staff["clerk"])


def test_a_marriage_makes_the_certificate_stale_and_the_new_one_supersedes_it(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    from jisheng.migrants.tests.conftest import make_woman
    from jisheng.registry import services as registry

    first = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    husband = make_woman(areas["village_a"], name="张伟", born=datetime.date(1993, 1, 1))
    husband.sex = "1"
    husband.save()
    registry.marriage_record(husband=husband, wife=woman, date=timezone.localdate(), by=staff["clerk"])
    assert services.certificate_needs_reissue(first)
    second = services.marital_certificate_issue(person=woman, by=staff["clerk"])
    first.refresh_from_db()
    assert first.superseded_by == second
    assert second.fields["配偶姓名"] == "张伟"
    assert services.certificate_check(first.number).valid is False
    assert services.certificate_check(second.number).valid is True


def test_a_return_closes_the_record_and_the_person_lives_here_again(
    staff: dict[str, Any], woman: Any
) -> None:
    departure = services.departure_record(
        person=woman,
        destination="441900",
        left_on=timezone.localdate() - datetime.timedelta(days=40),
        by=staff["officer"],
    )
    services.departure_return(departure=departure, returned_on=timezone.localdate(), by=staff["officer"])
    woman.refresh_from_db()
    assert woman.status == PersonStatus.ALIVE
    assert not queries.persons_away(staff["officer"], queries.AwayFilter()).exists()
    with pytest.raises(ValidationError):
        services.departure_return(departure=departure, returned_on=timezone.localdate(), by=staff["officer"])


def test_the_township_sees_completeness_by_village(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    services.departure_record(
        person=woman,
        destination="441900",
        left_on=timezone.localdate(),
        contact_phone="13800138001",
        contraception="700",
        agreement_signed=True,
        by=staff["officer"],
    )
    services.marital_certificate_issue(person=woman, by=staff["clerk"])
    rows = {
        row["village"].code: row for row in queries.checklist_by_village(staff["clerk"], areas["township_a"])
    }
    assert rows[areas["village_a"].code]["away"] == 1
    assert rows[areas["village_a"].code]["percent"] == 100
    assert rows[areas["village_a2"].code]["away"] == 0
