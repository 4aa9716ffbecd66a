"""The scoping harness over this app's pages and API operations only (the whole walk is
tests/test_scoping.py): staff of township A see and change nothing of township B's floating population."""

from __future__ import annotations

from typing import Any

import pytest

from jisheng.accounts.roles import RoleCode
from jisheng.migrants.tests.scoping import make_objects
from tests.scoping_harness import check_api, check_pages, url_patterns

ALL_ROLES = [str(code) for code in RoleCode]
MARK_A, MARK_B = "甲镇标记MARKA", "乙镇标记MARKB"


def _setup(areas: dict[str, Any], make_user: Any, client_for: Any) -> tuple[Any, list[Any]]:
    user_a = make_user(areas["township_a"], *ALL_ROLES, username="staff_a")
    make_objects(area=areas["village_a"], marker=MARK_A)
    return client_for(user_a), make_objects(area=areas["village_b"], marker=MARK_B)


@pytest.mark.django_db
def test_no_migrants_page_shows_or_changes_the_sibling_townships_people(
    areas: dict[str, Any], make_user: Any, client_for: Any
) -> None:
    client, objects_b = _setup(areas, make_user, client_for)
    routes = [route for route in url_patterns() if route.startswith("migrants/")]
    assert len(routes) >= 10
    leaks = check_pages(client, areas["township_b"].prefix, objects_b, MARK_B, routes)
    assert not leaks, "\n".join(map(str, leaks))
    assert MARK_A in client.get("/migrants/away/").content.decode()  # the harness sees A's own


@pytest.mark.django_db
def test_no_migrants_api_operation_shows_or_changes_the_sibling_townships_people(
    areas: dict[str, Any], make_user: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jisheng.api import api

    client, objects_b = _setup(areas, make_user, client_for)
    whole = api.get_openapi_schema

    def only_migrants(*args: Any, **kwargs: Any) -> Any:
        schema = whole(*args, **kwargs)
        return {
            **schema,
            "paths": {k: v for k, v in schema["paths"].items() if k.startswith("/api/v1/migrants/")},
        }

    monkeypatch.setattr(api, "get_openapi_schema", only_migrants)
    leaks = check_api(client, areas["township_b"].prefix, objects_b, MARK_B)
    assert not leaks, "\n".join(map(str, leaks))
