"""How many cases each village holds per responsible clerk and status, kept by the database itself.

The queue's "open" and "mine" figures counted every open case of the scope from an index at each view:
about 75 ms at 100,000 open cases, the largest cost left on the clerk's queue. These rows make them sums
over a few hundred rows. Triggers on ``hall_application`` (``jisheng.hall.tallies``) keep them in the
same transaction as every insert, delete and change of village, clerk or status — whatever made it: the
services, a bulk load, a correction typed into a database console — so they never drift from the cases.
Nothing in Python writes them.
"""

from __future__ import annotations

from django.db import models

from jisheng.areas.scoping import ScopedManager

NO_OWNER = 0  # a case nobody has taken on yet (NULL would not meet itself in the unique key)


def _slot() -> models.BigIntegerField:
    # A key's count may be spread over several rows on PostgreSQL, so that two transactions changing
    # cases of one village and clerk at once never wait for each other (``jisheng.hall.tallies``); the
    # database's default, since the triggers and the recount write rows without naming it.
    return models.BigIntegerField(default=0, db_default=0)


class CaseTally(models.Model):
    area_code = models.CharField(max_length=12)
    owner_key = models.IntegerField(default=NO_OWNER)
    status = models.CharField(max_length=32)
    slot = _slot()
    cases = models.IntegerField(default=0)

    scope_area_code_field = "area_code"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "owner_key", "status", "slot"], name="hall_case_tally_slot"
            )
        ]
        indexes = [models.Index(fields=["owner_key", "status", "area_code"], name="hall_case_tally_owner")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.owner_key} {self.status} #{self.slot}: {self.cases}"


class CaseDeadlineTally(models.Model):
    """How many cases in progress (status "received") each village holds per responsible clerk and
    deadline, kept by the same kind of triggers (``jisheng.hall.tallies``). The queue's "overdue" and
    "due today" figures are sums over the rows before and on today: a few rows per village and clerk,
    where counting the cases read every overdue case of the scope from an index at each view. A row
    whose count falls to zero is deleted, so past deadlines leave no rows behind."""

    area_code = models.CharField(max_length=12)
    owner_key = models.IntegerField(default=NO_OWNER)
    due_on = models.DateField()
    slot = _slot()
    cases = models.IntegerField(default=0)

    scope_area_code_field = "area_code"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "owner_key", "due_on", "slot"], name="hall_case_deadline_slot"
            )
        ]
        indexes = [
            models.Index(fields=["due_on", "area_code"], name="hall_case_deadline_day"),
            models.Index(fields=["owner_key", "due_on", "area_code"], name="hall_case_deadline_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.owner_key} {self.due_on} #{self.slot}: {self.cases}"
