"""PostgreSQL: births, marriages, contraception records and residence periods become PARTITION BY
LIST (county_code) like persons (0010): one partition per county area of the deployment and a default
one. Works on a database holding data (rows moved in the migration's transaction, each table locked
meanwhile); nothing references these rows with a database key. SQLite keeps plain tables. Reversible."""

from django.db import migrations

from jisheng.core.partitions import convert_table

COUNTY_LEVEL = 3
TABLES = ("registry_birth", "registry_marriage", "registry_contraception", "registry_residenceperiod")


def counties(apps):
    Area = apps.get_model("areas", "Area")
    return [code[:6] for code in Area.objects.filter(level=COUNTY_LEVEL).values_list("code", flat=True)]


def partition(apps, schema_editor):
    for table in TABLES:
        convert_table(schema_editor, table, "county_code", counties(apps), partitioned=True)


def unpartition(apps, schema_editor):
    for table in TABLES:
        convert_table(schema_editor, table, "county_code", [], partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0011_event_county_codes"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
