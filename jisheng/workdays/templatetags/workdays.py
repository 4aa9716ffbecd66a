import datetime

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .. import calendar

register = template.Library()


@register.filter
def provisional_mark(day: datetime.date | None) -> str:
    """“(provisional)” after a deadline counted on a provisional calendar year, with the reason."""
    if not calendar.is_provisional(day):
        return ""
    return format_html(
        ' <span class="badge warn provisional" title="{}">{}</span>',
        _("Counted on the provisional calendar; it is recomputed when the official holidays are loaded"),
        _("provisional"),
    )
