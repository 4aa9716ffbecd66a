"""Life events of persons. Each row carries the area code of the village that recorded it, so area
scoping and county reports never need to join back to the person (and distribute by area later).

Each also carries its county (``county_code``, the first six digits of that area code, derived by the
field on every insert): on PostgreSQL the tables are partitioned by it like persons
(``jisheng.core.partitions``), so a county's reports read that county's partitions only. An event
stays in the county that recorded it when its person moves. The history tables keep no county code:
they are read one record's history at a time, never by county, and stay plain tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jisheng.areas.scoping import ScopedManager
from jisheng.core.partitions import CountyCodeField

from ..codes import ContraceptiveMethod, Sex


class Marriage(models.Model):
    class Kind(models.TextChoices):
        FIRST = "21", _("First marriage")
        REMARRIAGE = "22", _("Remarriage")
        REUNION = "23", _("Remarriage to former spouse")

    husband = models.ForeignKey(
        "registry.Person",
        verbose_name=_("husband"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    wife = models.ForeignKey(
        "registry.Person",
        verbose_name=_("wife"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    date = models.DateField(_("date of marriage"))
    kind = models.CharField(_("kind"), max_length=2, choices=Kind.choices, default=Kind.FIRST)
    certificate_number = models.CharField(_("marriage certificate number"), max_length=32, blank=True)
    divorce_date = models.DateField(_("date of divorce"), null=True, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    # The county of ``area``, the partition key on PostgreSQL. Declared last: the bulk loads give rows
    # in column order without it (they derive it).
    county_code = CountyCodeField(source="area")
    history = HistoricalRecords(excluded_fields=["county_code"])

    scope_area_path = "area"
    partition_county_field = "county_code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("marriage")
        verbose_name_plural = _("marriages")
        indexes = [models.Index(fields=["area", "date"])]
        constraints = [
            # The county is part of the key: a partitioned table's unique keys must hold the partition
            # key. A marriage is recorded in the wife's county, and marriage_record refuses a spouse
            # still married, so a couple's marriage is not written twice in two counties.
            models.UniqueConstraint(
                fields=["husband", "wife", "date", "county_code"], name="registry_marriage_unique_in_county"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.husband} × {self.wife} ({self.date})"

    def audit_area_code(self) -> str:
        return self.area_id


class Birth(models.Model):
    # One birth per child: a partial unique key with the county (a partitioned table's unique keys
    # must hold the partition key; a child's birth is recorded in the mother's county).
    child = models.ForeignKey(
        "registry.Person",
        verbose_name=_("child"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    mother = models.ForeignKey(
        "registry.Person",
        verbose_name=_("mother"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    father = models.ForeignKey(
        "registry.Person",
        verbose_name=_("father"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    date = models.DateField(_("date of birth"))
    birth_order = models.PositiveSmallIntegerField(_("birth order"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    weight_grams = models.PositiveIntegerField(_("birth weight (g)"), null=True, blank=True)
    gestation_weeks = models.PositiveSmallIntegerField(_("gestation (weeks)"), null=True, blank=True)
    has_defect = models.BooleanField(_("birth defect"), default=False)
    defect_description = models.CharField(_("birth defect description"), max_length=128, blank=True)
    place = models.CharField(_("place of birth"), max_length=64, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    # The county of ``area``, the partition key on PostgreSQL. Declared last: the bulk loads give rows
    # in column order without it (they derive it).
    county_code = CountyCodeField(source="area")
    history = HistoricalRecords(excluded_fields=["county_code"])

    scope_area_path = "area"
    partition_county_field = "county_code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("birth")
        verbose_name_plural = _("births")
        indexes = [models.Index(fields=["area", "date"]), models.Index(fields=["date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "county_code"],
                condition=models.Q(child__isnull=False),
                name="registry_one_birth_per_child_in_county",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mother} {self.date} #{self.birth_order}"

    def audit_area_code(self) -> str:
        return self.area_id


class Contraception(models.Model):
    """A contraceptive measure of a woman of childbearing age (or her husband's sterilisation)."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    method = models.CharField(_("method"), max_length=3, choices=ContraceptiveMethod.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=64, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    # The county of ``area``, the partition key on PostgreSQL. Declared last: the bulk loads give rows
    # in column order without it (they derive it).
    county_code = CountyCodeField(source="area")
    history = HistoricalRecords(excluded_fields=["county_code"])

    scope_area_path = "area"
    partition_county_field = "county_code"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("contraception record")
        verbose_name_plural = _("contraception records")
        indexes = [models.Index(fields=["area", "start_date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.get_method_display()} {self.start_date}"

    def audit_area_code(self) -> str:
        return self.area_id


class ResidencePeriod(models.Model):
    """Where a person lived and from when: a move between villages keeps one Person with a history."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="residence_periods",
        db_constraint=False,
    )
    area_code = models.CharField(_("area code"), max_length=12)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=128, blank=True)
    # The county of the period's village (partition key on PostgreSQL); a move starts a period in the
    # new county and leaves the earlier ones where they were.
    county_code = CountyCodeField(source="area_code")

    partition_county_field = "county_code"

    class Meta:
        ordering = ["person_id", "start_date"]
        verbose_name = _("residence period")

    def __str__(self) -> str:
        return f"{self.person_id} {self.area_code} {self.start_date}"
