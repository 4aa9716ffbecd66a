"""Filters that show the registry's coded values as words."""

from django import template

from jisheng.registry.ethnicities import ethnicity_name
from jisheng.registry.validation import mask_id, mask_phone

register = template.Library()


@register.filter
def ethnicity(code: str | None) -> str:
    """民族 by name: ``{{ person.ethnicity|ethnicity }}`` shows 汉族 for "01"."""
    return ethnicity_name(code)


@register.filter
def masked_id(id_number: str | None) -> str:
    """A full ID number as the registry shows it (411723********1234); reveal goes through the
    registry's audited reveal."""
    return mask_id(id_number or "")


@register.filter
def masked_phone(phone: str | None) -> str:
    return mask_phone(phone or "")
