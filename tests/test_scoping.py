"""Neither of two sibling townships can read or change the other's data, on any page or API operation."""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import include, path

from jisheng.accounts.models import User
from jisheng.accounts.roles import RoleCode
from tests.scoping_harness import check_api, check_pages, form_data, scoped_object_makers, url_patterns

ALL_ROLES = [str(code) for code in RoleCode]


def _setup(areas: dict[str, Any], make_user: Any, client_for: Any) -> dict[str, Any]:
    """Township staff holding every role (so every role-gated page opens), and objects in both townships."""
    marker_a, marker_b = "甲镇标记MARKA", "乙镇标记MARKB"
    user_a = make_user(areas["township_a"], *ALL_ROLES, username="staff_a", full_name=marker_a + "人")
    make_user(areas["township_b"], *ALL_ROLES, username="staff_b", full_name=marker_b + "人")
    objects_a: list[Any] = [user_a]
    objects_b: list[Any] = [User.objects.get(username="staff_b")]
    for make_objects in scoped_object_makers():
        objects_a.extend(make_objects(area=areas["village_a"], marker=marker_a))
        objects_b.extend(make_objects(area=areas["village_b"], marker=marker_b))
    return {
        "client": client_for(user_a),
        "objects_a": objects_a,
        "objects_b": objects_b,
        "marker_b": marker_b,
    }


@pytest.mark.django_db(transaction=False)
def test_no_page_shows_or_changes_the_sibling_townships_data(areas, make_user, client_for):
    setup = _setup(areas, make_user, client_for)
    leaks = check_pages(
        setup["client"],
        areas["township_b"].prefix,
        setup["objects_b"],
        setup["marker_b"],
        url_patterns(),
        own_objects=setup["objects_a"],
    )
    assert not leaks, "\n".join(map(str, leaks))


def test_the_harness_reads_a_pages_form_as_the_browser_would_submit_it():
    html = (
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="x"><input name="name" value="王">'
        '<input type="checkbox" name="roles" value="auditor"><input type="checkbox" name="roles" value="x" checked>'
        '<textarea name="note">说明</textarea><select name="sex"><option value="">--</option>'
        '<option value="1">男</option><option value="2" selected>女</option></select>'
        '<button type="submit">保存</button></form>'
    )
    assert form_data(html) == {"name": ["王"], "roles": ["x"], "note": ["说明"], "sex": ["2"]}


@pytest.mark.django_db
def test_no_api_operation_shows_or_changes_the_sibling_townships_data(areas, make_user, client_for):
    setup = _setup(areas, make_user, client_for)
    leaks = check_api(setup["client"], areas["township_b"].prefix, setup["objects_b"], setup["marker_b"])
    assert not leaks, "\n".join(map(str, leaks))


def leaky_user_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Deliberately wrong: reads any user by primary key, ignoring the area."""
    user = User.objects.filter(pk=pk).first()
    return HttpResponse(user.full_name if user else "", status=200 if user else 404)


urlpatterns = [
    path("leaky/<int:pk>/", leaky_user_page),
    path("", include("jisheng.urls")),
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_harness_catches_a_deliberately_leaky_view(areas, make_user, client_for):
    setup = _setup(areas, make_user, client_for)
    leaky_routes = [route for route in url_patterns() if route.startswith("leaky/")]
    leaks = check_pages(
        setup["client"], areas["township_b"].prefix, setup["objects_b"], setup["marker_b"], leaky_routes
    )
    assert [leak.url for leak in leaks if leak.url.startswith("/leaky/")], "the leaky view went unnoticed"
