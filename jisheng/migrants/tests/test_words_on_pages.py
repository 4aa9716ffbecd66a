"""This app's pages speak in words, not codes, in Chinese and in English (the check of
tests/test_words_not_codes.py, over the floating population's pages and objects only)."""

from __future__ import annotations

from typing import Any

import pytest

from jisheng.accounts.roles import RoleCode
from jisheng.migrants.tests.scoping import make_objects
from tests import test_words_not_codes as words
from tests.scoping_harness import url_patterns


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_migrants_page_shows_words_not_codes_in_either_language(
    language: str, areas: dict[str, Any], make_user: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(
        areas["township_a"],
        *[str(code) for code in RoleCode],
        username="staff_a",
        full_name=words.MARKER + "人",
    )
    objects = [user, *make_objects(area=areas["village_a"], marker=words.MARKER)]
    monkeypatch.setattr(
        words, "url_patterns", lambda: [r for r in url_patterns() if r.startswith("migrants/")]
    )
    findings = words.scan(client_for(user), objects, language)
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)
