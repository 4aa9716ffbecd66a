"""Petitioners' phones sealed with SM4 (jisheng.core.crypto.fields.SealedCharField).

The column is widened, then every existing petitioner file is sealed in place in batches. Runs on a
database already holding data, on SQLite and PostgreSQL; reversed, it writes the phones back in the
clear.
"""

from django.db import migrations

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

COLUMNS = [Column("phone", "petitions.petitionerfile.phone", equal=True)]


def seal_rows(apps, schema_editor):
    reseal_table(schema_editor.connection, "petitions_petitionerfile", "id", COLUMNS)


def open_rows(apps, schema_editor):
    reseal_table(schema_editor.connection, "petitions_petitionerfile", "id", COLUMNS, open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0006_person_references_without_database_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="petitionerfile",
            name="phone",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True, plain_max_length=20, verbose_name="phone"
            ),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
