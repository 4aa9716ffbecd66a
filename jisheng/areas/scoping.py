"""The one mechanism that keeps every read inside the acting user's area.

A model that belongs to an area says where its area is with ``scope_area_path`` (a lookup path ending
at an Area foreign key, e.g. ``"residence_area"`` or ``"application__area"``; or, for a model that
copies the code as text, ``scope_area_code_field``) and uses
``ScopedQuerySet`` as its manager. Every list, object view and API operation then starts from
``Model.objects.visible_to(user)`` or ``get_visible_or_404(...)``; nothing reads person-level rows
any other way. The scoping test walks every URL and API operation to prove it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from .codes import code_range

ModelT = TypeVar("ModelT", bound=models.Model)


def user_prefix(user: Any) -> str | None:
    """The code prefix a user may see, or None for a user who may see nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    area = getattr(user, "area", None)
    if area is None:
        return None
    return area.prefix


class ScopedQuerySet(models.QuerySet[ModelT]):
    def _area_field(self) -> str:
        code_field = getattr(self.model, "scope_area_code_field", None)
        if code_field:
            return str(code_field)
        path = getattr(self.model, "scope_area_path", None)
        if not path:
            raise TypeError(f"{self.model.__name__} has no scope_area_path")
        # Filtering on the primary key of the Area (its code) lets Django trim the join: the range
        # is applied to the foreign-key column of this table itself.
        return f"{path}__code"

    def within(self, prefix: str, *, per_row: bool = False) -> ScopedQuerySet[ModelT]:
        """Rows in the area of ``prefix``. ``per_row``: the area is checked on the rows another index
        finds, never read from its own index (a hint only SQLite needs: jisheng.core.lookups)."""
        scoped = self._one_county(prefix, per_row=per_row)
        area_field = f"{self._area_field()}__per_row" if per_row else self._area_field()
        low, high = code_range(prefix)
        if low == high:
            # A village (a full 12-digit code) is one value, not a range: an equality lets the
            # planner read an index led by the area in the order of its next column (a village's
            # visits or cases newest first) instead of sorting every row of the village.
            return scoped.filter(**{area_field: low})
        return scoped.filter(**{f"{area_field}__range": (low, high)})

    def _one_county(self, prefix: str, *, per_row: bool = False) -> ScopedQuerySet[ModelT]:
        """A model partitioned by county (``partition_county_field``, see jisheng.core.partitions)
        read at a county or below also gets ``county_code = …``: the area range alone does not tell
        PostgreSQL's planner which partition to read, the equality on the partition key does."""
        county_field = getattr(self.model, "partition_county_field", None)
        if not county_field or len(prefix) < 6:
            return self
        return self.filter(**{f"{county_field}__per_row" if per_row else str(county_field): prefix[:6]})

    def in_county_of(self, user: Any) -> ScopedQuerySet[ModelT]:
        """Only the partition key of a user at a county or below (all rows otherwise): for a subquery
        that must prune partitions without the area range beside it (see registry's search)."""
        prefix = user_prefix(user)
        if prefix is None:
            return self.none()
        return self._one_county(prefix)

    def visible_to(self, user: Any, *, per_row: bool = False) -> ScopedQuerySet[ModelT]:
        """The rows the user may see. ``per_row``: see ``within``; for a query led by a more selective
        condition of its own (a name, an ID number)."""
        prefix = user_prefix(user)
        if prefix is None:
            return self.none()
        return self.within(prefix, per_row=per_row)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def get_visible_or_404(queryset: models.QuerySet[ModelT], user: Any, **lookup: Any) -> ModelT:
    """Fetch one object the user may see; an object outside the user's area is simply not found."""
    scoped = queryset.visible_to(user) if isinstance(queryset, ScopedQuerySet) else None
    if scoped is None:
        raise TypeError(f"{queryset.model.__name__} is not area-scoped")
    try:
        return scoped.get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404(_("Not found, or outside your area.")) from exc


def can_see_area(user: Any, code: str) -> bool:
    prefix = user_prefix(user)
    return prefix is not None and code.startswith(prefix)


def visible_area(user: Any, code: str) -> Any:
    """The Area with this code (6 or 9 digits are padded, full-width digits accepted) if it exists and
    the user may see it; None otherwise, so that a malformed, unknown and foreign code look alike."""
    from django.core.exceptions import ValidationError

    from .codes import normalize_code
    from .models import Area  # the models import this module, so not at the top

    try:
        padded = normalize_code(code)
    except ValidationError:
        return None
    if not can_see_area(user, padded):
        return None
    return Area.objects.filter(code=padded).first()
