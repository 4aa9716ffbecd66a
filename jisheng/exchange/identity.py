"""Who this deployment is to its peers: its code (the significant prefix of its area code), name,
public key and address."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jisheng.areas.codes import normalize_code, prefix_of
from jisheng.areas.models import Area

from . import conf, signing


@dataclass(frozen=True)
class Identity:
    code: str  # the significant prefix, e.g. "411723" or "4419"
    area_code: str  # padded to 12 digits
    name: str
    public_key: str
    base_url: str

    def as_peer_entry(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "area_prefixes": self.code,
            "base_url": self.base_url,
            "public_key": self.public_key,
        }


def _root_area() -> Area | None:
    """The top of the area tree, going down while an area has a single child (a county deployment whose
    tree starts at its province finds its county)."""
    roots = list(Area.objects.filter(parent__isnull=True, valid_to__isnull=True)[:2])
    if len(roots) != 1:
        return None
    area = roots[0]
    while True:
        children = list(Area.objects.filter(parent=area, valid_to__isnull=True)[:2])
        if len(children) != 1:
            return area
        area = children[0]


def self_area_code() -> str:
    configured = conf.self_code_setting()
    if configured:
        return normalize_code(configured)
    root = _root_area()
    if root is None:
        raise ImproperlyConfigured(
            "Set JISHENG_EXCHANGE_SELF_CODE: the area tree has no single root to take this deployment's code from"
        )
    return root.code


def self_code() -> str:
    return prefix_of(self_area_code())


def current() -> Identity:
    area_code = self_area_code()
    name = conf.self_name_setting()
    if not name:
        area = Area.objects.filter(code=area_code).first()
        name = area.name if area is not None else area_code
    return Identity(
        code=prefix_of(area_code),
        area_code=area_code,
        name=name,
        public_key=signing.own_public_key(),
        base_url=settings.PUBLIC_BASE_URL,
    )
