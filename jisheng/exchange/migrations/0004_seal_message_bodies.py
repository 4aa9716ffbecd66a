"""Exchange message bodies (names, ID numbers and phones of migrants) sealed at rest with SM4-GCM
(jisheng.core.crypto.fields.SealedJSONField: the JSON text sealed under a fresh nonce).

The JSON columns become text columns (PostgreSQL converts ``jsonb`` to its text), then every existing
row is sealed in place in batches. Runs on a database already holding data, on SQLite and PostgreSQL;
reversed, it writes the bodies back in the clear before the columns become JSON again.
"""

from django.db import migrations

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

TABLES = {
    "exchange_outboxmessage": Column("body", "exchange.outboxmessage.body", equal=False),
    "exchange_inboxmessage": Column("body", "exchange.inboxmessage.body", equal=False),
}


def seal_rows(apps, schema_editor):
    for table, column in TABLES.items():
        reseal_table(schema_editor.connection, table, "id", [column])


def open_rows(apps, schema_editor):
    for table, column in TABLES.items():
        reseal_table(schema_editor.connection, table, "id", [column], open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0003_peer_keys_fit_sm2"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboxmessage",
            name="body",
            field=jisheng.core.crypto.fields.SealedJSONField(default=dict, verbose_name="body"),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="body",
            field=jisheng.core.crypto.fields.SealedJSONField(default=dict, verbose_name="body"),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
