from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField, blind_index, derived_index
from jisheng.core.partitions import CountyCodeField

from ..codes import HukouType, MaritalStatus, PersonStatus, Relation, Sex

# Derived from name and ID number by fill_search_fields; never edited on their own.
SEARCH_COLUMNS = (
    "name_pinyin",
    "name_initials",
    "name_pinyin_alt",
    "name_initials_alt",
    "name_simplified",
    "id_tail",
)


def id_tail_index(tail: str) -> str:
    """The keyed index of an ID number's last four characters (what ``Person.id_tail`` holds)."""
    return blind_index(tail.upper(), purpose="registry.person.id_tail")


def _id_tail_of(number: str) -> str:
    return id_tail_index(number[-4:]) if number else ""


# Recomputed with every other blind index when the index key rotates (jisheng crypto-rotate --index).
derived_index("registry.person", "id_tail", source="id_number", compute=_id_tail_of)


class Household(models.Model):
    """户: a registered household of a village, with its members (Person.household).

    Partitioned by county on PostgreSQL like persons (``county_code``): its number is unique in the
    database per county (a partitioned table's unique keys must hold the partition key) and across
    counties by ``household_create``'s check under a lock on the number. Every reference to a
    household is kept without a database key."""

    number = models.CharField(_("household number"), max_length=32)
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=128, blank=True)
    hukou_type = models.CharField(
        _("household registration type"), max_length=8, choices=HukouType.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The county of ``area``, the partition key on PostgreSQL; declared last (the bulk loads derive it).
    county_code = CountyCodeField(source="area")
    history = HistoricalRecords(excluded_fields=["county_code"])

    scope_area_path = "area"
    partition_county_field = "county_code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["number", "county_code"], name="registry_household_number_in_county"
            )
        ]

    def __str__(self) -> str:
        return self.number

    def audit_area_code(self) -> str:
        return self.area_id


class Person(models.Model):
    """One resident, one record (一人一档), kept in the village that manages them (residence_area).

    ``registered_area_code`` (户籍地) may lie outside this deployment, so it is a code, not a key.
    ``name_pinyin`` and ``name_initials`` are kept for search (zhangsan, zs).
    """

    name = models.CharField(pgettext_lazy("person", "name"), max_length=32)
    # The search columns are indexed in Meta, not with db_index: a field's db_index makes Django add
    # a second, varchar_pattern_ops index on PostgreSQL for LIKE, which the range searches here never
    # use and every insert pays for.
    name_pinyin = models.CharField(max_length=128, blank=True)
    name_initials = models.CharField(max_length=32, blank=True)
    # The everyday reading of a heteronym surname (单 dan beside shan), NULL when there is none: few
    # names have one, and a partial index over the non-NULL rows costs the other inserts nothing.
    name_pinyin_alt = models.CharField(max_length=128, null=True, blank=True)
    name_initials_alt = models.CharField(max_length=32, null=True, blank=True)
    # The keyed SM3 index (HMAC-SM3, jisheng.core.crypto.fields.blind_index) of the ID number's last
    # four characters, so "the last four digits" a clerk reads off a masked ID is an indexed equality
    # search; without the key it tells nothing. The ID number itself is sealed.
    id_tail = models.CharField(max_length=64, blank=True)
    # Sealed with SM4 (deterministically, so a search by the whole number and the one-live-person
    # constraint work on the sealed column); read as the number.
    id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=2, default="01", help_text="GB 3304 code")
    marital_status = models.CharField(
        _("marital status"), max_length=2, choices=MaritalStatus.choices, default=MaritalStatus.UNSTATED
    )
    phone = SealedCharField(_("phone"), plain_max_length=20, blank=True)
    hukou_type = models.CharField(
        _("household registration type"), max_length=8, choices=HukouType.choices, blank=True
    )
    registered_area_code = models.CharField(_("place of household registration"), max_length=12, blank=True)
    # No index of its own: the (residence_area, status) index below serves every look-up by area, and
    # a redundant index costs each of a million inserts a B-tree update.
    residence_area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("residence"),
        on_delete=models.PROTECT,
        related_name="residents",
        db_index=False,
    )
    address = models.CharField(_("address"), max_length=128, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_constraint=False,  # households are partitioned by county: the services keep the reference
    )
    relation_to_head = models.CharField(
        _("relation to head"), max_length=2, choices=Relation.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.ALIVE
    )
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    disability_level = models.PositiveSmallIntegerField(_("disability level"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed below, for the few merged records only
        db_constraint=False,  # persons are partitioned by county: the services keep the reference
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The name in simplified characters when it is written in traditional ones (張偉 → 张伟), NULL
    # otherwise: the name is kept as written, and a search typed in simplified characters finds it.
    # Declared last: the bulk loads give rows in column order, and the older columns keep their places.
    name_simplified = models.CharField(max_length=32, null=True, blank=True)
    # The county of residence_area, the partition key on PostgreSQL (jisheng.core.partitions): set on
    # every insert and on every save that moves the person. Declared last, as name_simplified.
    county_code = CountyCodeField(source="residence_area")
    history = HistoricalRecords(
        excluded_fields=[
            "county_code",
            "name_pinyin",
            "name_initials",
            "name_pinyin_alt",
            "name_initials_alt",
            "name_simplified",
            "id_tail",
            "updated_at",
        ]
    )

    scope_area_path = "residence_area"
    partition_county_field = "county_code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["residence_area", "status"]),
            models.Index(fields=["id_number"], name="registry_person_id_number"),
            models.Index(fields=["id_tail"], name="registry_person_id_tail"),
            models.Index(fields=["name_pinyin"], name="registry_person_pinyin"),
            models.Index(fields=["name_initials"], name="registry_person_initials"),
            models.Index(
                fields=["name_pinyin_alt"],
                name="registry_person_pinyin_alt",
                condition=models.Q(name_pinyin_alt__isnull=False),
            ),
            models.Index(
                fields=["name_initials_alt"],
                name="registry_person_initials_alt",
                condition=models.Q(name_initials_alt__isnull=False),
            ),
            models.Index(
                fields=["name_simplified"],
                name="registry_person_simplified",
                condition=models.Q(name_simplified__isnull=False),
            ),
            models.Index(fields=["name"]),
            models.Index(fields=["birth_date"]),
            # Only the dead: the month reports count the deaths of a period, a few hundred among a
            # province's millions, which without it was a pass over every person (2.5 s at ten
            # million); the living, nearly everyone, cost no insert an index update.
            models.Index(
                fields=["death_date"],
                name="registry_person_died",
                condition=models.Q(death_date__isnull=False),
            ),
            models.Index(fields=["phone"]),
            # Only merged records: a full index would hold a million NULLs, cost every insert a
            # B-tree update, and tempt SQLite (without statistics) to answer "merged_into IS NULL"
            # from it instead of from the ID or name index.
            models.Index(
                fields=["merged_into"],
                name="registry_person_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            # One live record per ID number in a county: twenty simultaneous "create person" requests
            # could each pass the service's check before any had written. A merged record keeps its
            # number (the trail shows what was merged), and persons without an ID yet are many.
            # The county is part of the key because a partitioned table's unique keys must hold the
            # partition key; across counties the constraint became a check: person_create looks the
            # number up in every county under a lock on the number (services.people._hold_id_number).
            models.UniqueConstraint(
                fields=["id_number", "county_code"],
                condition=models.Q(merged_into__isnull=True) & ~models.Q(id_number=""),
                name="registry_one_live_person_per_id_in_county",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whatever path saves a person (a service, an admin, another app's test data), the search
        # columns follow the name and ID, so a name in traditional characters is always findable.
        self.fill_search_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "id_number"} & set(update_fields):
            kwargs["update_fields"] = update_fields = {*update_fields, *SEARCH_COLUMNS}
        if update_fields is not None and {"residence_area", "residence_area_id"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "county_code"}
        super().save(*args, **kwargs)

    def audit_area_code(self) -> str:
        return self.residence_area_id

    def fill_search_fields(self) -> None:
        """Keep the derived search columns in step with name and ID (services and bulk loads call it)."""
        from ..validation import search_columns

        (
            self.name_pinyin,
            self.name_initials,
            self.name_pinyin_alt,
            self.name_initials_alt,
            self.name_simplified,
        ) = search_columns(self.name)
        self.id_tail = id_tail_index(self.id_number[-4:]) if self.id_number else ""

    @property
    def masked_id(self) -> str:
        from ..validation import mask_id

        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        from ..validation import mask_phone

        return mask_phone(self.phone)
