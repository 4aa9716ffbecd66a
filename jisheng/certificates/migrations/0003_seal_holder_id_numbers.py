"""Certificate holders' ID numbers sealed with SM4 (jisheng.core.crypto.fields.SealedCharField).

The column is widened, then every existing certificate is sealed in place in batches. Runs on a
database already holding data, on SQLite and PostgreSQL; reversed, it writes the numbers back in the
clear.
"""

from django.db import migrations

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

COLUMNS = [Column("holder_id_number", "certificates.certificate.holder_id_number", equal=True)]


def seal_rows(apps, schema_editor):
    reseal_table(schema_editor.connection, "certificates_certificate", "id", COLUMNS)


def open_rows(apps, schema_editor):
    reseal_table(schema_editor.connection, "certificates_certificate", "id", COLUMNS, open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_revocation_request"),
    ]

    operations = [
        migrations.AlterField(
            model_name="certificate",
            name="holder_id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
