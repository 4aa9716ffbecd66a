"""``{% load i18n kept_i18n %}``: Django's ``{% translate %}``, a constant message's output kept per language.

``{% translate "Reasons" %}`` of a constant string, with no filter, no ``as`` and no ``noop``, gives the
same output to every request in one language: the catalogues are read once per process. Django's tag
looks the message up at each rendering (a lazy string, the active translation, localisation, escaping:
about 9 µs a tag, and a staff page draws thirty to forty of them). Loaded after ``i18n``, this library's
``translate`` (and ``trans``) is Django's node, whose output for such a message is kept on the node per
language, message context and autoescaping; any other use (a variable, a filter, ``as``, ``noop``, a
context given by a variable) is Django's node unchanged. ``makemessages`` reads the tags by their name,
so the messages are extracted as before.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Parser, Token, Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.translation import get_language

register = template.Library()


def _constant(expression: FilterExpression | None) -> bool:
    """A literal string with no filter (Django keeps a translated literal as a ``Variable`` with a
    ``literal``, another constant as the value itself)."""
    if expression is None:
        return True
    if expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or (isinstance(var, Variable) and isinstance(var.literal, str))


class KeptTranslateNode(TranslateNode):
    """Django's ``TranslateNode``; a constant message's output is kept per language (see the module)."""

    def __init__(self, node: TranslateNode) -> None:
        # The expression is already the one Django's node made (its literal wrapped in a Variable).
        self.noop = node.noop
        self.asvar = node.asvar
        self.message_context = node.message_context
        self.filter_expression = node.filter_expression
        self.kept = (
            not self.noop
            and not self.asvar
            and _constant(self.filter_expression)
            and _constant(self.message_context)
        )
        self._outputs: dict[tuple[Any, ...], str] = {}

    def render(self, context: template.Context) -> str:
        if not self.kept:
            return super().render(context)
        key = (get_language(), context.autoescape)
        output = self._outputs.get(key)
        if output is None:
            output = super().render(context)
            if len(self._outputs) >= 16:  # a few languages, each with and without autoescaping
                self._outputs.clear()
            self._outputs[key] = output
        return output


@register.tag("translate")
@register.tag("trans")
def kept_translate(parser: Parser, token: Token) -> KeptTranslateNode:
    return KeptTranslateNode(do_translate(parser, token))
