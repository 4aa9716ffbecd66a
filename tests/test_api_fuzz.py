"""Every operation of the OpenAPI document, fuzzed as a county user and as a village user: no input
may give a server error, every status is one the document describes, and an error is answered in
JSON, never an HTML page.

Bounded (a few examples per operation, no shrinking) so it runs in a few minutes in scripts/test; run
``JISHENG_FUZZ_EXAMPLES=200 scripts/test tests/test_api_fuzz.py`` for a deeper search.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from jisheng.api import api
from jisheng.wsgi import application

EXAMPLES = int(os.environ.get("JISHENG_FUZZ_EXAMPLES", "12"))

DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1/")
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = application


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """Django's test client keeps the test's database connection across a request; calling the WSGI
    application directly would close it at the end of each request (close_old_connections), and on
    PostgreSQL the test's transaction and its fixtures would go with it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(areas: dict[str, Any], make_user: Any) -> dict[str, str]:
    from jisheng.accounts.services import token_create
    from tests.factories import make_person

    make_person(area=areas["village_a"], name="张三", sex="1", birth=datetime.date(1985, 3, 2))
    make_person(area=areas["village_b"], name="李四", sex="2", birth=datetime.date(2024, 5, 1))
    county = make_user(areas["county"], "county_staff")
    village = make_user(areas["village_a"], "village_officer")
    return {
        "county": token_create(user=county, name="fuzz", by=county)[1],
        "village": token_create(user=village, name="fuzz", by=village)[1],
    }


def _check(case: Any, key: str) -> None:
    response = case.call(base_url="http://localhost", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
    )
    operation = DOCUMENT["paths"].get(case.path, {}).get(case.method.lower())
    if operation is not None:  # (a method the path does not take is not in the document: 405)
        assert str(response.status_code) in operation["responses"], (
            f"{case.method} {case.path}: status {response.status_code} is not in the OpenAPI document"
        )
    if response.status_code >= 400 and response.text:
        headers = {name.lower(): value for name, value in response.headers.items()}
        content_type = headers.get("content-type", "")
        if isinstance(content_type, list):
            content_type = content_type[0] if content_type else ""
        assert "json" in content_type, (
            f"{case.method} {case.formatted_path}: error answered as {content_type}"
        )


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_input_gives_a_county_user_a_server_error(case: Any, tokens: dict[str, str]) -> None:
    _check(case, tokens["county"])


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_input_gives_a_village_user_a_server_error(case: Any, tokens: dict[str, str]) -> None:
    _check(case, tokens["village"])
