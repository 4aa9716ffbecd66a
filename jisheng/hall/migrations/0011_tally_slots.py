"""The case tallies' slots (see jisheng.hall.tallies): a key's count may be spread over several rows, so
that on PostgreSQL two transactions changing cases of one village and clerk never wait for each other.
Every existing row becomes its key's slot 0, and the triggers are written again for the new key.

On the way down the triggers of this release stay until the earlier release's own ``migrate`` writes its
triggers again (every ``migrate`` installs them); no case should change in between."""

from django.db import migrations, models


def remove(apps, schema_editor):
    from jisheng.hall import tallies

    tallies.remove(schema_editor.connection)


def install(apps, schema_editor):
    from jisheng.hall import tallies

    tallies.install(schema_editor.connection)
    tallies.recount(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0010_queue_indexes_end_with_the_case"),
    ]

    operations = [
        # First: SQLite checks every trigger when it renames the tables it rebuilds below.
        migrations.RunPython(remove, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="casedeadlinetally", name="hall_case_deadline_key"),
        migrations.RemoveConstraint(model_name="casetally", name="hall_case_tally_key"),
        migrations.AddField(
            model_name="casedeadlinetally",
            name="slot",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="casetally",
            name="slot",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="casedeadlinetally",
            constraint=models.UniqueConstraint(
                fields=("area_code", "owner_key", "due_on", "slot"), name="hall_case_deadline_slot"
            ),
        ),
        migrations.AddConstraint(
            model_name="casetally",
            constraint=models.UniqueConstraint(
                fields=("area_code", "owner_key", "status", "slot"), name="hall_case_tally_slot"
            ),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
