"""The frame of every page keeps what depends on the language and the menu alone (``kept_fragment``),
and still shows each member their own name, menu, token and language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from jisheng.accounts.models import User


def _menu_links(html: str) -> list[str]:
    nav = html.split('<nav class="mainnav">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.django_db
def test_two_members_with_the_same_roles_see_their_own_names_and_areas_in_the_kept_frame(
    areas, make_user, client_for
) -> None:
    here = make_user(areas["township_a"], "counter_clerk", full_name="张三")
    there = make_user(areas["township_b"], "counter_clerk", full_name="李四")
    first = client_for(here).get("/").content.decode()
    second = client_for(there).get("/").content.decode()
    assert "张三" in first and "李四" not in first and str(areas["township_a"]) in first
    assert "李四" in second and "张三" not in second and str(areas["township_b"]) in second
    assert _menu_links(first) == _menu_links(second)


@pytest.mark.django_db
def test_the_drawn_menu_follows_a_role_withdrawn_at_the_next_request(areas, make_user, client_for) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = client_for(clerk)
    assert reverse("hall:queue") in _menu_links(client.get("/").content.decode())
    User.roles.through.objects.filter(user_id=clerk.pk).delete()
    assert reverse("hall:queue") not in _menu_links(client.get("/").content.decode())


@pytest.mark.django_db
def test_each_page_carries_its_own_token_and_path_and_a_resident_sees_no_menu(
    areas, make_user, client_for, client
) -> None:
    clerk_client = client_for(make_user(areas["township_a"], "counter_clerk"))
    tokens = set()
    for path in ("/?a=1", "/?b=2"):
        html = clerk_client.get(path).content.decode()
        assert f'name="next" value="{path}"' in html
        tokens.add(re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1))  # type: ignore[union-attr]
    assert len(tokens) == 2  # masked afresh for each page, as Django does
    portal = client.get("/portal/").content.decode()
    assert 'class="mainnav"' not in portal and 'id="staff-sign-in"' in portal


@pytest.mark.django_db
def test_each_language_gets_the_frame_in_its_own_words(areas, make_user, client_for) -> None:
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    chinese = client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "退出" in chinese and "Sign out" in english
    assert 'lang="en"' in english and 'value="zh-hans">简体中文' in english
    assert 'value="en">English' in chinese


def test_a_fragment_is_drawn_afresh_when_a_key_is_none_and_kept_per_key_otherwise() -> None:
    template = Template("{% load kept_fragment %}{% kept_fragment key %}{{ shown }}{% endkept_fragment %}")

    def draw(**values: Any) -> str:
        with translation.override("zh-hans"):
            return template.render(Context(values))

    assert draw(key=1, shown="a") == "a"
    assert draw(key=1, shown="b") == "a"  # kept: the same key, the same output
    assert draw(key=2, shown="b") == "b"
    assert draw(key=None, shown="c") == "c"
    assert draw(key=None, shown="d") == "d"  # never kept
