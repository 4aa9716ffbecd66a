"""The hall's requests in `jisheng bench --only http` answer as the benchmark expects them to."""

from __future__ import annotations

import datetime

from django.test import Client

from jisheng.core.bench import BenchContext
from jisheng.hall import loadtest
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
        else:
            for path in spec["paths"][:3]:
                response = client.generic(spec["method"], path)
                assert response.status_code in spec["expect"], (spec["name"], path, response.status_code)
