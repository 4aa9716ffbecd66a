"""The floating population's figures in the monthly report, counted from its records: people away at the
month's end by destination province, arrivals with a valid 婚育证明, verification requests answered on time."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jisheng.core.actor import System
from jisheng.migrants import services
from jisheng.migrants.models import Arrival, Departure, VerificationRequest
from jisheng.migrants.tests.conftest import make_woman
from jisheng.reporting import compute, definitions, queries
from jisheng.reporting.periods import parse
from tests.factories import make_id

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 12)


def test_the_monthly_report_counts_people_away_arrivals_and_timely_answers_from_the_records(
    staff: dict[str, Any], areas: dict[str, Any]
) -> None:
    inbox = System(job="exchange inbox")
    for n, destination in enumerate(["441900", "441900", "330100"]):
        person = make_woman(areas["village_a"], name=f"外出{n}", born=datetime.date(1990, 1, 1 + n))
        services.departure_record(
            person=person, destination=destination, left_on=OCTOBER, by=staff["officer"]
        )
    returned = Departure.objects.filter(destination_code__startswith="3301").get()
    Departure.objects.filter(pk=returned.pk).update(
        returned_on=datetime.date(2026, 11, 5)
    )  # back after October
    for n in range(3):
        arrival = services.arrival_record(
            village=areas["village_a"],
            id_number=make_id(datetime.date(1993, 2, 1 + n), "2"),
            name=f"流入{n}",
            origin="441900",
            arrived_on=OCTOBER,
            by=staff["officer"],
        )
        Arrival.objects.filter(pk=arrival.pk).update(arrived_on=OCTOBER, certificate_valid=n < 2)
    people = [
        make_woman(areas["village_a"], name=f"协查{n}", born=datetime.date(1991, 3, 1 + n)) for n in range(2)
    ]
    for n, person in enumerate(people):
        request = services.verification_receive(
            reference=f"XC-T-{n}",
            peer_area_code="441900",
            id_number=person.id_number,
            name=person.name,
            question="核实",
            priority="normal",
            sent_on=OCTOBER,
            due_on=datetime.date(2026, 10, 30),
            by=inbox,
        )
        VerificationRequest.objects.filter(pk=request.pk).update(
            status="answered", answered_on=OCTOBER + datetime.timedelta(days=8 + 15 * n)
        )

    figures = compute.compute_area(
        definitions.form_files()["village_month"], parse("2026-M10"), areas["village_a"]
    )

    assert figures["migrants_away"] == 3
    assert figures["migrants_away_province_44"] == 2 and figures["migrants_away_province_33"] == 1
    assert (figures["migrant_arrivals"], figures["migrant_arrivals_certified"]) == (3, 2)
    indicators = definitions.indicators()
    rate = queries.indicator_result(indicators["migrant_certificate_rate"], figures)
    assert rate.value == pytest.approx(200 / 3)
    timely = queries.indicator_result(indicators["verification_on_time_rate"], figures)
    assert (timely.numerator, timely.denominator) == (1, 2)
    other = compute.compute_area(
        definitions.form_files()["village_month"], parse("2026-M10"), areas["village_b"]
    )
    assert other["migrants_away"] == 0
