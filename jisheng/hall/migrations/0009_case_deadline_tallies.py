"""The queue's overdue and due-today figures kept by the database: ``hall_casedeadlinetally`` and its
triggers (see jisheng.hall.tallies), filled from the cases already there. Reversed, the triggers go
first, then the table."""

from django.db import migrations, models


def install(apps, schema_editor):
    from jisheng.hall import tallies

    tallies.install(schema_editor.connection)
    tallies.recount(schema_editor.connection)


def remove(apps, schema_editor):
    from jisheng.hall import tallies

    with schema_editor.connection.cursor() as cursor:
        statements = (
            tallies.SQLITE_DEADLINE_DROP
            if schema_editor.connection.vendor == "sqlite"
            else tallies.POSTGRESQL_DEADLINE_DROP
        )
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0008_seal_applicant_id_numbers_and_phones"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseDeadlineTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("area_code", models.CharField(max_length=12)),
                ("owner_key", models.IntegerField(default=0)),
                ("due_on", models.DateField()),
                ("cases", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["due_on", "area_code"], name="hall_case_deadline_day"),
                    models.Index(
                        fields=["owner_key", "due_on", "area_code"], name="hall_case_deadline_owner"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area_code", "owner_key", "due_on"), name="hall_case_deadline_key"
                    )
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
