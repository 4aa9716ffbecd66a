"""The entries of the person file's sections, drawn in Python.

Drawn by the template language, each member, marriage, child, method, residence period and timeline
entry took its own handful of variables, filters, links and translations, and the file's sections were
most of the page's rendering. These tags write the same markup, every value escaped (a value already
marked safe, as an app's timeline entry may give, is kept as it is, as the template did).
"""

from __future__ import annotations

import datetime
import html
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _escape(value: Any) -> str:
    """What ``django.utils.html.escape`` does, without its check for lazy arguments on every call."""
    return html.escape(str(value))


def _day(value: Any) -> str:
    """``value|date:"Y-m-d"``: a date as such, anything else (a time, None) through the filter."""
    if type(value) is datetime.date:
        return value.isoformat() if value.year >= 1000 else str(date_filter(value, "Y-m-d"))
    return str(date_filter(value, "Y-m-d")) if value else ""


def _person_url() -> str:
    return reverse("registry:person", args=[0])[:-2]


def _none_recorded() -> str:
    return f'<p class="muted">{_escape(_("None recorded."))}</p>'


@register.simple_tag
def file_members(file: Any) -> SafeString:
    """The household's members as table rows; the person in bold, the others linked."""
    base = _person_url()
    out: list[str] = []
    for member in file.members:
        name = _escape(member.name)
        if member.pk == file.person.pk:
            cell = f"<strong>{name}</strong>"
        else:
            cell = f'<a href="{base}{member.pk}/">{name}</a>'
        out.append(
            f"<tr><td>{cell}</td><td>{_escape(member.get_relation_to_head_display())}</td>"
            f"<td>{_day(member.birth_date)}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def file_marriages(file: Any) -> SafeString:
    """A paragraph a marriage (its date, the couple, the kind, the certificate, the divorce)."""
    if not file.marriages:
        return mark_safe(_none_recorded())  # noqa: S308 - escaped
    divorced = _escape(_("divorced"))
    out: list[str] = []
    for marriage in file.marriages:
        line = (
            f"<p>{_day(marriage.date)} · {_escape(marriage.husband.name)} × {_escape(marriage.wife.name)}"
            f" · {_escape(marriage.get_kind_display())}"
        )
        if marriage.certificate_number:
            line += f" · {_escape(marriage.certificate_number)}"
        line += "\n  "
        if marriage.divorce_date:
            line += f'<span class="badge warn">{divorced} {_day(marriage.divorce_date)}</span>'
        out.append(line + "</p>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def file_children(file: Any) -> SafeString:
    """The children as table rows (order, name linked, sex, date, weight)."""
    base = _person_url()
    out: list[str] = []
    for birth in file.births_as_parent:
        child = birth.child
        name = f'<a href="{base}{child.pk}/">{_escape(child.name)}</a>' if child else ""
        weight = _escape(birth.weight_grams) if birth.weight_grams else "—"
        out.append(
            f"<tr><td>{_escape(birth.birth_order)}</td><td>{name}</td>"
            f"<td>{_escape(birth.get_sex_display())}</td><td>{_day(birth.date)}</td><td>{weight}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def file_contraception(file: Any) -> SafeString:
    """A paragraph a method: its dates, the method and who provided it."""
    if not file.contraception:
        return mark_safe(_none_recorded())  # noqa: S308 - escaped
    out: list[str] = []
    for item in file.contraception:
        line = f"<p>{_day(item.start_date)}–{_day(item.end_date)} · {_escape(item.get_method_display())}"
        if item.provider:
            line += f" · {_escape(item.provider)}"
        out.append(line + "</p>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def file_residence(file: Any) -> SafeString:
    """A paragraph a residence period: its dates, the place's name (its code when the name is unknown
    and there is no note) and the note."""
    if not file.residence:
        return mark_safe(_none_recorded())  # noqa: S308 - escaped
    names = file.area_names or {}
    out: list[str] = []
    for period in file.residence:
        line = f'<p class="residence-period">{_day(period.start_date)}–{_day(period.end_date)}'
        name = names.get(period.area_code or "", "")
        if name:
            line += f" · {_escape(name)}"
        elif not period.note:
            line += f" · {_escape(period.area_code)}"
        if period.note:
            line += f" · {_escape(period.note)}"
        out.append(line + "</p>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def file_timeline(file: Any) -> SafeString:
    """The timeline's rows: the date, the title (linked when the entry has an address), the detail."""
    out: list[str] = []
    for entry in file.timeline:
        title: str = conditional_escape(entry.get("title", ""))
        url = entry.get("url")
        if url:
            title = f'<a href="{conditional_escape(url)}">{title}</a>'
        out.append(
            f"<tr><td>{_day(entry.get('date'))}</td><td>{title}</td>"
            f"<td>{conditional_escape(entry.get('detail', ''))}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def person_actions(person: Any) -> SafeString:
    """The buttons that record an event for the person (the page shows them to a reader who may)."""
    birth = reverse("registry:person_event", args=[person.pk, "birth"])
    event = birth[: -len("birth/")]

    def button(href: str, label: str) -> str:
        return f'<a class="button secondary" href="{_escape(href)}">{_escape(label)}</a>'

    lines = [
        button(birth, _("Record a birth")) if person.sex == "2" else "",
        button(f"{event}contraception/", _("Record contraception")),
        button(f"{event}marriage/", _("Record a marriage")),
        button(f"{event}household/", _("Household membership")),
    ]
    if person.household_id:
        lines[-1] += "\n  " + button(f"{event}household_details/", _("Household address"))
        lines.append(button(f"{event}leave_household/", _("Leave the household")))
    else:
        lines.append("")
    lines.append(button(f"{event}status/", _("Living here or away")))
    lines.append(button(f"{event}divorce/", _("Record a divorce")))
    move_out = reverse("registry:person_move_out", args=[person.pk])
    lines.append(button(move_out, _("Record a move out")) if person.status != "moved_out" else "")
    lines.append(button(f"{event}death/", _("Record a death")))
    return mark_safe("\n  ".join(lines))  # noqa: S308 - every value above is escaped
