"""PostgreSQL: the table of the live persons' ID numbers across every county, kept by triggers on the
person table (``jisheng.registry.live_ids``), filled from the persons already registered. SQLite has
nothing to do: its person table is one table. Reversible: the reverse drops the triggers and table."""

from django.db import migrations

from jisheng.registry import live_ids


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            live_ids.install(cursor)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            live_ids.uninstall(cursor)


class Migration(migrations.Migration):
    dependencies = [("registry", "0015_person_died_index")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
