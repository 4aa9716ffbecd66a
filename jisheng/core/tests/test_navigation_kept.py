"""The staff menu is drawn once per set of roles, language and URL configuration and kept (issue 17);
the roles are read at each request, so the menu follows a role withdrawn or granted at the next one."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from jisheng.accounts.models import Role, User
from jisheng.core import navigation


def _menu(client: Any) -> list[str]:
    page = client.get("/")
    assert page.status_code == 200
    return [item["url"] for item in page.context["nav_items"]]


@pytest.mark.django_db
def test_a_role_withdrawn_between_two_requests_leaves_the_menu_at_the_second(
    areas, make_user, client_for
) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk", "village_officer")
    client = client_for(clerk)
    assert reverse("hall:queue") in _menu(client)
    User.roles.through.objects.filter(user_id=clerk.pk, role_id="counter_clerk").delete()
    clerk.roles.add(Role.objects.get_or_create(code="auditor")[0])
    User.roles.through.objects.filter(user_id=clerk.pk, role_id="village_officer").delete()
    after = _menu(client)
    assert reverse("hall:queue") in after  # the auditor reads cases too
    User.roles.through.objects.filter(user_id=clerk.pk).delete()
    assert reverse("hall:queue") not in _menu(client)


@pytest.mark.django_db
def test_two_members_with_the_same_roles_get_the_same_menu_and_other_roles_their_own(
    areas, make_user
) -> None:
    here = make_user(areas["township_a"], "counter_clerk")
    there = make_user(areas["township_b"], "counter_clerk")
    admin = make_user(areas["county"], "system_admin")
    admin.is_verified = lambda: True  # type: ignore[method-assign]
    assert navigation.items_for(here) == navigation.items_for(there)
    expected = [
        reverse(item["url"])
        for config in apps.get_app_configs()
        for item in getattr(config, "nav_items", [])
        if item.get("visible") is None or item["visible"](admin)
    ]
    assert [item["url"] for item in navigation.items_for(admin)] == expected
    assert navigation.items_for(admin) != navigation.items_for(here)


@pytest.mark.django_db
def test_each_language_gets_the_menu_in_its_own_words(areas, make_user) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    with translation.override("en"):
        english = [item["label"] for item in navigation.items_for(clerk)]
    with translation.override("zh-hans"):
        chinese = [item["label"] for item in navigation.items_for(clerk)]
    assert len(english) == len(chinese) and english != chinese
    with translation.override("en"):
        assert [item["label"] for item in navigation.items_for(clerk)] == english
