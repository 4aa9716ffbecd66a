"""The hall's requests in `jisheng bench --only http` answer as the benchmark expects them to."""

from __future__ import annotations

import datetime

from django.test import Client

from jisheng.core.bench import BenchContext
from jisheng.hall import loadtest
from jisheng.hall.models import Application, ApplicationStatus
from tests.factories import make_person


def test_every_request_of_the_mix_answers_with_the_status_the_benchmark_expects(areas, make_user, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(areas["county"], "county_staff", username="county")
    # The bench's open cases go to the first village's first person; the applicant lives next door.
    make_person(area=areas["village_a2"], name="李娜", sex="2", birth=datetime.date(1992, 2, 2), phone="")
    make_person(area=areas["village_a"], name="王芳", sex="2", birth=datetime.date(1990, 1, 1), phone="")
    requests = loadtest.mix(BenchContext(persons=1000, log=lambda _text: None))
    names = {spec["name"] for spec in requests}
    assert names == {
        "portal.index",
        "portal.guide",
        "portal.case",
        "portal.apply",
        "hall.queue",
        "hall.case",
        "hall.transition",
        "registry.search_api",
        "reporting.dashboard",
    }
    for spec in requests:
        client = Client(HTTP_COOKIE=spec.get("cookie", ""), REMOTE_ADDR="127.0.0.1")
        if spec.get("forms"):
            response = client.post(spec["path"], spec["forms"][0], HTTP_X_FORWARDED_FOR="10.0.0.8")
            assert response.status_code in spec["expect"], (spec["name"], response.status_code)
        elif spec.get("steps"):
            for step in spec["steps"][:2]:
                path = step["path"].format(row=spec["rows"][0])
                response = client.post(path, step["form"], HTTP_X_FORWARDED_FOR="10.0.0.7")
                assert response.status_code in spec["expect"], (spec["name"], path, response.status_code)
            # Done, not refused (a refusal redirects too): a notice given, the corrections received.
            moved = Application.objects.get(pk=spec["rows"][0])
            assert moved.notices.count() == 1 and moved.status == ApplicationStatus.RECEIVED
        else:
            for path in spec["paths"][:3]:
                response = client.generic(spec["method"], path)
                assert response.status_code in spec["expect"], (spec["name"], path, response.status_code)


def test_the_page_costs_send_each_application_as_a_new_case_and_walk_each_case_through_its_transitions(
    areas, make_user
):
    from jisheng.core.loadbench import pages
    from jisheng.hall.models import Notice

    make_user(areas["county"], "county_staff", username="county")
    for day in range(1, 8):
        make_person(
            area=areas["village_a2"], name="李娜", sex="2", birth=datetime.date(1992, 2, day), phone=""
        )
    requests = loadtest.mix(BenchContext(persons=1000, log=lambda _text: None))
    before = Application.objects.filter(item__code=loadtest.APPLY_ITEM).count()
    lines: list[str] = []

    rows = {
        row["measure"]: row
        for row in pages.page_costs(
            requests, rounds=3, warmup=1, only={"portal.apply", "hall.transition"}, log=lines.append
        )
    }

    assert set(rows) == {"http.pages.portal.apply", "http.pages.hall.transition"}
    apply, transition = rows["http.pages.portal.apply"], rows["http.pages.hall.transition"]
    # Each application (warm-up, rounds and the counted one) a new case, none refused.
    assert apply["errors"] == 0 and apply["requests"] == 3 and apply["queries"] > 0
    assert Application.objects.filter(item__code=loadtest.APPLY_ITEM).count() == before + 5
    # The rounds made whole walks: a notice then the corrections received, each case back in progress.
    assert transition["errors"] == 0 and transition["requests"] == 4
    assert set(transition["steps"]) == {"/hall/cases/{row}/notice", "/hall/cases/{row}/resubmit"}
    moving = next(spec for spec in requests if spec["name"] == "hall.transition")["rows"]
    walked = set(Notice.objects.values_list("application_id", flat=True))
    assert walked == set(moving[:4])
    assert not Application.objects.filter(pk__in=walked).exclude(status=ApplicationStatus.RECEIVED).exists()


def test_the_case_pages_read_in_the_mix_are_never_the_cases_it_moves_along(areas, make_user):
    # A case moved along in every run gathers a notice and a correction each time: after a few runs its
    # page would show hundreds of them, and the mix would measure a history no resident's case has.
    make_user(areas["county"], "county_staff", username="county")
    make_person(area=areas["village_a2"], name="李娜", sex="2", birth=datetime.date(1992, 2, 2), phone="")
    requests = {spec["name"]: spec for spec in loadtest.mix(BenchContext(persons=1000, log=print))}

    moved = set(requests["hall.transition"]["rows"])
    read = {int(path.rstrip("/").rsplit("/", 1)[1]) for path in requests["hall.case"]["paths"]}
    tracked = {path.rstrip("/").rsplit("/", 1)[1] for path in requests["portal.case"]["paths"]}

    assert moved and read and tracked
    assert not moved & read
    numbers_moved = set(Application.objects.filter(pk__in=moved).values_list("number", flat=True))
    assert not numbers_moved & tracked


def test_each_bench_case_shows_the_line_of_progress_it_was_received_with_once(areas, make_user):
    from jisheng.hall.models import CaseEvent

    make_user(areas["county"], "county_staff", username="county")
    make_person(area=areas["village_a2"], name="李娜", sex="2", birth=datetime.date(1992, 2, 2), phone="")
    loadtest.mix(BenchContext(persons=1000, log=print))
    CaseEvent.objects.filter(application__number__endswith="7").delete()  # made by an older bench
    loadtest.mix(BenchContext(persons=1000, log=print))

    cases = Application.objects.filter(number__startswith=loadtest.HTTP_PREFIX)
    assert cases.exists()
    events = CaseEvent.objects.filter(application__in=cases)
    assert events.count() == cases.count()
    assert all(text.startswith("已收到网上申请") for text in events.values_list("text", flat=True))
