"""The rows of the clerk's queue, drawn in Python.

The queue shows up to 200 rows (the clerk's own, then the office's); drawn by the template language,
each row's twenty-odd variables, filters and translations made its rendering most of the page's time
under load. This tag writes the same markup (every value escaped), and the fixed
pieces (badges, the status labels) once per language.

A row read by the queue's own statement (``queries.queue_rows``) carries its columns as read (``raw``),
and what it shows depends on nothing else but the day, the language, the case pages' address and which
calendar years are provisional: its markup is kept by those and drawn once. A clerk's queue is looked at
again and again, and between two looks most of its rows have not changed; a row that has changed reads
other columns and is drawn afresh.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jisheng.workdays import calendar
from jisheng.workdays.templatetags.workdays import provisional_mark

from ..models import ApplicationStatus

register = template.Library()


def _escape(value: Any) -> str:
    """What ``django.utils.html.escape`` does, without its check for lazy arguments on every call."""
    return html.escape(str(value))


_pieces: dict[str, dict[str, str]] = {}


def _for_language() -> dict[str, str]:
    """The translated pieces of a row, escaped, in the language of the request."""
    language = get_language() or ""
    pieces = _pieces.get(language)
    if pieces is None:
        pieces = {
            "same_day": f' <span class="badge warn">{escape(_("same day"))}</span>',
            "due_today": f' <span class="badge warn">{escape(_("due today"))}</span>',
            "warned": f' <span class="badge warn">{escape(_("1 day left"))}</span>',
            "overdue": f' <span class="badge bad">{escape(_("overdue"))}</span>',
            "none": f'<tr><td colspan="6" class="muted">{escape(_("None."))}</td></tr>',
            **{f"status:{value}": str(escape(label)) for value, label in ApplicationStatus.choices},
        }
        _pieces[language] = pieces
    return pieces


# Rows drawn, per drawing context (language, day, case pages' address, provisional years) and per row's
# columns as read. A few contexts at a time (two languages across midnight); each keeps at most ROWS_KEPT
# rows, then starts again (a county's clerks look at a few thousand open cases).
_drawn: dict[tuple[Any, ...], dict[tuple[Any, ...], str]] = {}
CONTEXTS_KEPT = 8
ROWS_KEPT = 5000


def _kept_rows(case_url: str) -> dict[tuple[Any, ...], str]:
    context = (get_language(), timezone.localdate(), case_url, calendar.provisional_years())
    rows = _drawn.get(context)
    if rows is None:
        if len(_drawn) >= CONTEXTS_KEPT:
            _drawn.clear()
        rows = _drawn[context] = {}
    elif len(rows) >= ROWS_KEPT:
        rows.clear()
    return rows


def _row(case: Any, pieces: dict[str, str], case_url: str) -> str:
    status = case.status
    overdue_now = getattr(case, "overdue_now", False)
    due_today = getattr(case, "due_today", False)
    badges = ""
    if case.time_limit == 0 and status == ApplicationStatus.RECEIVED:
        badges += pieces["same_day"]
    if due_today:
        badges += pieces["due_today"]
    elif case.warned_on:
        badges += pieces["warned"]
    if overdue_now or case.overdue_recorded:
        badges += pieces["overdue"]
    owner = case.owner
    row_class = "overdue" if overdue_now else ("due-today" if due_today else "")
    badge_class = "warn" if status == ApplicationStatus.AWAITING_CORRECTION else ""
    label = pieces.get(f"status:{status}") or _escape(status)
    due_on = case.due_on.isoformat() if case.due_on else "-"
    return (
        f'<tr class="{row_class}"><td><a href="{case_url}{case.pk}/">{_escape(case.number)}</a></td>'
        f"<td>{_escape(case.item.name)}</td><td>{_escape(case.applicant_name)}</td>\n"
        f'<td><span class="badge {badge_class}">{label}</span>{badges}</td>\n'
        f"<td>{due_on}{provisional_mark(case.due_on)}</td><td>{_escape(owner) if owner else ''}</td></tr>\n"
    )


@register.simple_tag
def queue_rows(cases: Iterable[Any]) -> SafeString:
    """The ``<tr>`` of each case (``queries.queue_rows``, or ``work_queue``'s cases, with ``overdue_now``
    and ``due_today`` set)."""
    pieces = _for_language()
    case_url = reverse("hall:case", args=[0])[:-2]
    kept = _kept_rows(case_url)
    out: list[str] = []
    for case in cases:
        raw = getattr(case, "raw", None)
        if raw is None:
            out.append(_row(case, pieces, case_url))
            continue
        drawn = kept.get(raw)
        if drawn is None:
            drawn = kept[raw] = _row(case, pieces, case_url)
        out.append(drawn)
    if not out:
        return mark_safe(pieces["none"])  # noqa: S308 - escaped above
    return mark_safe("".join(out))  # noqa: S308 - every value escaped
