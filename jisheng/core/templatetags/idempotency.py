"""``{% idempotency_field %}``: a form's hidden key, so submitting it twice has one effect."""

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jisheng.core.idempotency import FIELD

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    # A fresh key each time the form is drawn: a form redrawn with its errors is a new attempt.
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4().hex)
