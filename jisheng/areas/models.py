from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .codes import PREFIX_LENGTH


class Level(models.IntegerChoices):
    PROVINCE = 1, pgettext_lazy("area level", "Province")
    CITY = 2, pgettext_lazy("area level", "City")
    COUNTY = 3, pgettext_lazy("area level", "County")
    TOWNSHIP = 4, pgettext_lazy("area level", "Township")
    VILLAGE = 5, pgettext_lazy("area level", "Village")


class Area(models.Model):
    """One administrative area, keyed by its 12-digit padded statistical code.

    The code is the primary key, so every foreign key to an area stores the code itself and an area
    scope is a range scan on that column, with no join. A retired area (merged, split or abolished)
    stays in the table with valid_to set so that old records and reports remain attributable.
    """

    code = models.CharField(_("area code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("succeeded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    def full_name(self) -> str:
        """Names from the county down, e.g. 平舆县 古槐街道 北关社区."""
        names = []
        area: Area | None = self
        while area is not None and area.level >= Level.COUNTY:
            names.append(area.name)
            area = area.parent
        return " ".join(reversed(names))


class AreaEvent(models.Model):
    """The history of an area's code and name: created, renamed, merged into, split into, retired."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("area change", "Created")
        RENAMED = "renamed", _("Renamed")
        MERGED = "merged", _("Merged into another area")
        SPLIT = "split", _("Split into new areas")
        RETIRED = "retired", _("Retired")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    date = models.DateField(null=True, blank=True)
    old_name = models.CharField(max_length=64, blank=True)
    new_name = models.CharField(max_length=64, blank=True)
    related_codes = models.CharField(
        max_length=255, blank=True, help_text="Comma-separated codes of the successor or predecessor areas."
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_id", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.kind} {self.date or ''}"
