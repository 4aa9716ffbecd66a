"""``{% indicator_value result %}``: an indicator's value on the dashboard, drawn in Python.

The dashboard shows some sixty of them (every indicator live and reported, three per area below); as an
included template each cost a template render, its translations and three number filters, a good part
of the page's time. The markup is the same: no data, no value (—), or the value to two decimals with
its numerator and denominator as a tooltip, marked when outside the normal range.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def indicator_value(result: Any) -> SafeString:
    if result is None:
        return format_html('<span class="muted">{}</span>', gettext("no data"))
    if result.value is None:
        return mark_safe('<span class="muted">—</span>')
    outside = result.in_range is False
    html = format_html(
        '<span class="value{}" title="{} / {}">{}</span>',
        " badge bad out-of-range" if outside else "",
        floatformat(result.numerator, "-2"),
        floatformat(result.denominator, "-2"),
        floatformat(result.value, 2),
    )
    if outside:
        html += format_html(' <span class="muted">{}</span>', gettext("outside the normal range"))
    return html
