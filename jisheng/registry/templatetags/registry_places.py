"""Places in registry pages: area names for codes, and the villages a user may pick from."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def area_name(code: str | None, names: dict[str, str] | None) -> str:
    """The name of an area code from a dict the view already fetched (no query per row)."""
    return (names or {}).get(code or "", "")


@register.simple_tag
def visible_villages(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the current villages the user may see, for a select instead of a typed code."""
    from jisheng.registry.forms import village_choices

    return [(code, label.split(" ", 1)[-1]) for code, label in village_choices(user)]
