"""The hall's pages reverse their links once (``{% kept_url %}``): the same URLs as ``{% url %}``, and a
different script prefix (the county's reverse proxy mounting the app under a path) gets its own."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from jisheng.hall.templatetags.hall_urls import kept_url


def test_a_kept_url_is_the_reversed_url_and_follows_the_script_prefix() -> None:
    assert kept_url("hall:portal_guide", "birth-registration") == reverse(
        "hall:portal_guide", args=["birth-registration"]
    )
    assert kept_url("hall:case", 7) == reverse("hall:case", args=[7])
    try:
        set_script_prefix("/county/")
        assert kept_url("hall:case", 7) == reverse("hall:case", args=[7])
        assert kept_url("hall:case", 7).startswith("/county/")
    finally:
        clear_script_prefix()
    assert not kept_url("hall:case", 7).startswith("/county/")
    with pytest.raises(NoReverseMatch):
        kept_url("hall:no-such-page")
