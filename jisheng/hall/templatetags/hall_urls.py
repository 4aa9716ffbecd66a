"""``{% kept_url 'name' arg … %}``: Django's ``{% url %}``, each URL reversed once and kept.

The portal's home reversed eighteen URLs a view (each item's guide and application links), the queue
and case pages a dozen: reversing was a tenth of those pages' time. A URL depends only on its name, its
arguments, the URL configuration and the script prefix, which make the key; the kept URLs are bounded.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_urls: dict[tuple[Any, ...], str] = {}
_BOUND = 4096


@register.simple_tag
def kept_url(name: str, *args: Any) -> str:
    key = (name, tuple(str(arg) for arg in args), get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    url = _urls.get(key)
    if url is None:
        url = reverse(name, args=args)
        if len(_urls) >= _BOUND:
            _urls.clear()
        _urls[key] = url
    return url
