"""Phones of persons away and ID numbers of certificates of other deployments, verification requests and
notices sealed with SM4 (jisheng.core.crypto.fields.SealedCharField: deterministic, so equality lookups
such as a certificate found by its holder's number keep working).

The columns are widened, then every existing row is sealed in place in batches. Runs on a database
already holding data, on SQLite and PostgreSQL; reversed, it writes the values back in the clear
before the columns narrow again.
"""

from django.db import migrations

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

TABLES = {
    "migrants_departure": [("departure", "phone"), ("departure", "contact_phone")],
    "migrants_peercertificate": [("peercertificate", "holder_id_number")],
    "migrants_verificationrequest": [("verificationrequest", "person_id_number")],
    "migrants_notice": [("notice", "person_id_number")],
}


def _columns(pairs):
    return [Column(name, f"migrants.{model}.{name}", equal=True) for model, name in pairs]


def seal_rows(apps, schema_editor):
    for table, pairs in TABLES.items():
        reseal_table(schema_editor.connection, table, "id", _columns(pairs))


def open_rows(apps, schema_editor):
    for table, pairs in TABLES.items():
        reseal_table(schema_editor.connection, table, "id", _columns(pairs), open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("migrants", "0005_person_references_without_database_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="departure",
            name="contact_phone",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True, plain_max_length=20, verbose_name="contact phone left at home"
            ),
        ),
        migrations.AlterField(
            model_name="departure",
            name="phone",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True, plain_max_length=20, verbose_name="phone there"
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="person_id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.AlterField(
            model_name="peercertificate",
            name="holder_id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.AlterField(
            model_name="verificationrequest",
            name="person_id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
