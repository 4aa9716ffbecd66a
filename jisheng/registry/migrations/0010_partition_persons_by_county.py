"""PostgreSQL: registry_person becomes PARTITION BY LIST (county_code), one partition per county area
of the deployment and a default partition for codes outside it. Works on a database holding data
(the rows are moved in the migration's transaction; the table is locked meanwhile). SQLite keeps the
plain table. Reversible: the reverse builds the plain table again from the partitions."""

from django.db import migrations

from jisheng.core.partitions import convert_table

COUNTY_LEVEL = 3


def counties(apps):
    Area = apps.get_model("areas", "Area")
    return [code[:6] for code in Area.objects.filter(level=COUNTY_LEVEL).values_list("code", flat=True)]


def partition(apps, schema_editor):
    convert_table(schema_editor, "registry_person", "county_code", counties(apps), partitioned=True)


def unpartition(apps, schema_editor):
    convert_table(schema_editor, "registry_person", "county_code", [], partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0009_person_county_code"),
        # Every database foreign key to a person must be gone before the table is partitioned.
        ("benefits", "0005_person_references_without_database_keys"),
        ("hall", "0006_person_references_without_database_keys"),
        ("migrants", "0005_person_references_without_database_keys"),
        ("outreach", "0005_person_references_without_database_keys"),
        ("petitions", "0006_person_references_without_database_keys"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
