"""The queue's figures kept by the database: ``hall_casetally`` and its triggers (see jisheng.hall.tallies),
filled from the cases already there. Reversed, the triggers go first, then the table."""

from django.db import migrations, models


def install(apps, schema_editor):
    from jisheng.hall import tallies

    tallies.install(schema_editor.connection)
    tallies.recount(schema_editor.connection)


def remove(apps, schema_editor):
    from jisheng.hall import tallies

    tallies.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0006_person_references_without_database_keys"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("area_code", models.CharField(max_length=12)),
                ("owner_key", models.IntegerField(default=0)),
                ("status", models.CharField(max_length=32)),
                ("cases", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["owner_key", "status", "area_code"], name="hall_case_tally_owner")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area_code", "owner_key", "status"), name="hall_case_tally_key"
                    )
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
