"""``{% load i18n kept_i18n %}``: a constant message's translation is kept per language and gives what
Django's ``{% translate %}`` gives, in every language and with autoescaping on or off; any other use of
the tag is Django's own (issue 17: the staff pages drew thirty to forty of them a request)."""

from __future__ import annotations

from typing import Any

from django.template import engines
from django.utils import translation

DJANGO = "{% load i18n %}"
KEPT = "{% load i18n kept_i18n %}"
MESSAGES = [
    '{% translate "Reasons" %}',
    '{% trans "Sign out" %}',
    '{% translate "Approve" context "case" %}',
    '{% translate "100%% sure & <b>bold</b>" %}',
    "{% translate 'Service hall' %}",
    '{% translate "Reasons" as reasons %}[{{ reasons }}]',
    "{% translate word %}",
    '{% translate "Reasons"|upper %}',
    '{% translate "Reasons" noop %}',
    '{% translate "Approve" context kind %}',
]


def _template(load: str, body: str, *, autoescape: bool) -> Any:
    source = body if autoescape else "{% autoescape off %}" + body + "{% endautoescape %}"
    return engines["django"].from_string(load + source)


def test_each_message_gives_what_djangos_tag_gives_in_each_language_and_escaping() -> None:
    for body in MESSAGES:
        for autoescape in (True, False):
            django, kept = (_template(load, body, autoescape=autoescape) for load in (DJANGO, KEPT))
            for language in ("zh-hans", "en", "zh-hans", "en"):  # each language again, from what is kept
                with translation.override(language):
                    context = {"word": "Status", "kind": "case"}
                    assert kept.render(context) == django.render(context), (body, language, autoescape)


def test_a_kept_message_follows_the_language_of_each_rendering() -> None:
    template = engines["django"].from_string(KEPT + '{% translate "Reasons" %}|{% translate word %}')
    seen = []
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            seen.append(template.render({"word": "Status"}))
    assert seen[0] == seen[2] and seen[1] == seen[3] and seen[0] != seen[1]
    assert seen[1] == "Reasons|Status" and seen[0].startswith("理由|")
