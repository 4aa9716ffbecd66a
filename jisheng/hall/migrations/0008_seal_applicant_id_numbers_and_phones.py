"""Applicants' ID numbers and phones sealed with SM4 (jisheng.core.crypto.fields.SealedCharField).

The columns are widened, then every existing case is sealed in place in batches, and
``applicant_id_tail`` (the keyed SM3 index of the ID number's last four characters, which the clerk's
queue searches instead of a substring of the number) is filled. Runs on a database already holding
data, on SQLite and PostgreSQL; reversed, it writes the values back in the clear.

On SQLite, widening a column rebuilds the table, and a rebuilt table has lost its triggers: the case
tally's triggers (0007) are installed again after the rebuild, on the way up and on the way down.
"""

from django.db import migrations, models

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

COLUMNS = [
    Column("applicant_id_number", "hall.application.applicant_id_number", equal=True),
    Column("applicant_phone", "hall.application.applicant_phone", equal=True),
]


def _tail(plain):
    from jisheng.core.crypto.fields import blind_index

    number = plain["applicant_id_number"]
    tail = blind_index(number[-4:].upper(), purpose="hall.application.applicant_id_tail") if number else ""
    return {"applicant_id_tail": tail}


def seal_rows(apps, schema_editor):
    reseal_table(schema_editor.connection, "hall_application", "id", COLUMNS, derived=_tail)


def open_rows(apps, schema_editor):
    reseal_table(schema_editor.connection, "hall_application", "id", COLUMNS, open_only=True)


def restore_tally_triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        from jisheng.hall import tallies

        tallies.install(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0007_case_tallies"),
    ]

    operations = [
        # Reversed, this runs last: after the rebuilds of the way down.
        migrations.RunPython(migrations.RunPython.noop, restore_tally_triggers, elidable=False),
        migrations.AddField(
            model_name="application",
            name="applicant_id_tail",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="application",
            name="applicant_id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="applicant_phone",
            field=jisheng.core.crypto.fields.SealedCharField(plain_max_length=20, verbose_name="phone"),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
        migrations.RunPython(restore_tally_triggers, migrations.RunPython.noop, elidable=False),
    ]
