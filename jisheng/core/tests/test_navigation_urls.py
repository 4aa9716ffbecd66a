"""The staff menu's links are reversed once per URL name and kept (issue 17): the same links, the same
entries left out."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from jisheng.core import navigation


@pytest.mark.django_db
def test_the_menu_shows_each_apps_reversed_links_and_leaves_out_a_name_that_does_not_reverse(
    areas, make_user, monkeypatch
) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    hall = apps.get_app_config("hall")
    monkeypatch.setattr(
        hall, "nav_items", [*hall.nav_items, {"label": "无此页", "url": "hall:no-such-page"}], raising=False
    )
    expected = [
        reverse(item["url"])
        for config in apps.get_app_configs()
        for item in getattr(config, "nav_items", [])
        if item["url"] != "hall:no-such-page" and (item.get("visible") is None or item["visible"](clerk))
    ]
    for _view in range(2):  # the second time from the kept links
        items = navigation.items_for(clerk)
        assert [item["url"] for item in items] == expected
        assert "无此页" not in [item["label"] for item in items]
    assert reverse("hall:queue") in expected
