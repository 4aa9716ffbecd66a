"""PostgreSQL: registry_household becomes PARTITION BY LIST (county_code) like persons (0010), one
partition per county area of the deployment and a default one, after every database key to it is gone
(persons in 0013, outreach in its 0007). Works on a table holding data. SQLite keeps the plain table.
Reversible."""

from django.db import migrations

from jisheng.core.partitions import convert_table

COUNTY_LEVEL = 3


def counties(apps):
    Area = apps.get_model("areas", "Area")
    return [code[:6] for code in Area.objects.filter(level=COUNTY_LEVEL).values_list("code", flat=True)]


def partition(apps, schema_editor):
    convert_table(schema_editor, "registry_household", "county_code", counties(apps), partitioned=True)


def unpartition(apps, schema_editor):
    convert_table(schema_editor, "registry_household", "county_code", [], partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0013_household_county_code"),
        ("outreach", "0007_household_references_without_database_keys"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
