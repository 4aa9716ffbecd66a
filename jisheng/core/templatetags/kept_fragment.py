"""``{% load kept_fragment %}``: a part of a template drawn once per language and key, and kept by the process.

``{% kept_fragment signed_in nav_key %}…{% endkept_fragment %}`` draws what it encloses the first time,
and afterwards gives the same output to every rendering with the same language, autoescaping, script
prefix, URL configuration and values of the keys. The frame of every page (``base.html``) is mostly
such text: the static files' addresses, the menu, the named URLs, the constant messages; drawing them at
each request was about half the frame's cost, and the frame is drawn on nearly every page.

The rule that keeps it right: what the fragment encloses must depend on nothing but the language, the
URL configuration and its keys. A value of the request (the user's name, the CSRF token, the path, the
messages) stays outside, between two fragments. A key that is None draws the fragment afresh, unkept
(a menu that is not itself kept has no key). A fragment sets no variable for what follows it: it may be
drawn from what was kept. Kept outputs are forgotten when a setting changes (the tests change settings
such as the static files' storage) and when a fragment has kept more than ``LIMIT`` of them.
"""

from __future__ import annotations

import weakref
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

register = template.Library()

LIMIT = 256  # outputs a fragment keeps: languages × kinds of user × menus in use, with room to spare

# Every fragment node compiled (held weakly: a template compiled from a string in a test goes away).
_nodes: weakref.WeakSet[KeptFragmentNode] = weakref.WeakSet()


class KeptFragmentNode(template.Node):
    def __init__(self, nodelist: NodeList, keys: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.keys = keys
        self._outputs: dict[tuple[Any, ...], str] = {}
        _nodes.add(self)

    def render(self, context: template.Context) -> str:
        values = tuple(key.resolve(context) for key in self.keys)
        if None in values:
            return self.nodelist.render(context)
        kept_key = (get_language(), context.autoescape, get_script_prefix(), get_urlconf(), values)
        output = self._outputs.get(kept_key)
        if output is None:
            output = self.nodelist.render(context)
            if len(self._outputs) >= LIMIT:
                self._outputs.clear()
            self._outputs[kept_key] = output
        return output


def forget(**_kwargs: Any) -> None:
    """Forgets every kept output (a setting changed)."""
    for node in list(_nodes):
        node._outputs.clear()


setting_changed.connect(forget)


@register.tag("kept_fragment")
def kept_fragment(parser: Parser, token: Token) -> KeptFragmentNode:
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept_fragment",))
    parser.delete_first_token()
    return KeptFragmentNode(nodelist, keys)
