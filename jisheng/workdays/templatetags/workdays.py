import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import calendar

register = template.Library()

# The badge as rendered, per language: a queue of 100 rows shows it up to 100 times per page.
_badges: dict[str, SafeString] = {}


def _badge() -> SafeString:
    language = get_language() or ""
    badge = _badges.get(language)
    if badge is None:
        badge = _badges[language] = format_html(
            ' <span class="badge warn provisional" title="{}">{}</span>',
            _("Counted on the provisional calendar; it is recomputed when the official holidays are loaded"),
            _("provisional"),
        )
    return badge


@register.filter
def provisional_mark(day: datetime.date | None) -> str:
    """“(provisional)” after a deadline counted on a provisional calendar year, with the reason.

    Whether a year is provisional is read from the calendar this process holds (reloaded at most once a
    minute, and at once after a change made here), so a row costs a set look-up.
    """
    if day is None or day.year not in calendar.provisional_years():
        return ""
    return _badge()
