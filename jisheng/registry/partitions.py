"""The deployment's counties and their partitions of the person-level tables (PostgreSQL only).

``jisheng.core.partitions`` does the work on the database; this module knows the areas: every county
area of the deployment gets its partitions after ``migrate`` and when it is created, and
``jisheng partitions add <county code>`` gives one to a county before its areas are loaded.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from jisheng.areas.models import Area, Level
from jisheng.core import partitions


def deployment_counties() -> list[str]:
    return sorted(
        {code[:6] for code in Area.objects.filter(level=Level.COUNTY).values_list("code", flat=True)}
    )


def county_partitions_add(county: str) -> list[str]:
    """Create the county's partitions (idempotent; rows of the county waiting in the default partition
    move into them). One transaction; may be nested. Returns the partitions created."""
    with transaction.atomic():
        return partitions.add_county(connection, county)


def partitions_for_every_county() -> list[str]:
    created: list[str] = []
    for county in deployment_counties():
        created += county_partitions_add(county)
    return created


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: the deployment's counties have their partitions once the tables exist."""
    if connection.vendor == "postgresql" and using == connection.alias:
        partitions_for_every_county()


def county_created(sender: Any, instance: Area, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """post_save of an Area: a new county gets its partitions in the same transaction."""
    if created and not raw and instance.level == Level.COUNTY and connection.vendor == "postgresql":
        county_partitions_add(instance.code[:6])
