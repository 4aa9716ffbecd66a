"""Notice bodies and the facts and QR claims of certificates of other deployments sealed at rest with
SM4-GCM (a fresh nonce each time: they are read, never searched).

The JSON columns become text columns (PostgreSQL converts ``jsonb`` to its text), then every existing
row is sealed in place in batches. Runs on a database already holding data, on SQLite and PostgreSQL;
reversed, it writes the values back in the clear before the columns become JSON again.
"""

from django.db import migrations

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

TABLES = {
    "migrants_notice": [("notice", "body")],
    "migrants_peercertificate": [("peercertificate", "fields"), ("peercertificate", "payload")],
}


def _columns(pairs):
    return [Column(name, f"migrants.{model}.{name}", equal=False) for model, name in pairs]


def seal_rows(apps, schema_editor):
    for table, pairs in TABLES.items():
        reseal_table(schema_editor.connection, table, "id", _columns(pairs))


def open_rows(apps, schema_editor):
    for table, pairs in TABLES.items():
        reseal_table(schema_editor.connection, table, "id", _columns(pairs), open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("migrants", "0007_notice_bodies_and_certificate_facts_without_plain_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notice",
            name="body",
            field=jisheng.core.crypto.fields.SealedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="peercertificate",
            name="fields",
            field=jisheng.core.crypto.fields.SealedJSONField(default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="peercertificate",
            name="payload",
            field=jisheng.core.crypto.fields.SealedTextField(),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
