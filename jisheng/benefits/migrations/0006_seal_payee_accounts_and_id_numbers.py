"""Payee accounts of batch lines and payments, the lines' ID numbers and the applicants' ID numbers sealed
with SM4 (jisheng.core.crypto.fields), as the applications' accounts already were.

The account columns become ``SealedTextField`` (a fresh nonce each time) with a keyed SM3 blind index
beside them; the ID numbers become ``SealedCharField`` (deterministic, so equality lookups keep working).
Every existing row is sealed in place in batches, its index written from the plaintext. Runs on a
database already holding data, on SQLite and PostgreSQL; reversed, it writes the values back in the
clear before the columns narrow again.
"""

from django.db import migrations, models

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table


def _account_index(model):
    def derived(plain):
        from jisheng.core.crypto.fields import blind_index

        return {
            "bank_account_index": blind_index(plain["bank_account"], purpose=f"benefits.{model}.bank_account")
        }

    return derived


def _line_columns():
    return [
        Column("bank_account", "benefits.line.bank_account", equal=False),
        Column("id_number", "benefits.line.id_number", equal=True),
    ]


def _payment_columns():
    return [Column("bank_account", "benefits.payment.bank_account", equal=False)]


def _application_columns():
    return [Column("applicant_id_number", "benefits.application.applicant_id_number", equal=True)]


def seal_rows(apps, schema_editor):
    connection = schema_editor.connection
    reseal_table(connection, "benefits_line", "id", _line_columns(), derived=_account_index("line"))
    reseal_table(connection, "benefits_payment", "id", _payment_columns(), derived=_account_index("payment"))
    reseal_table(connection, "benefits_application", "id", _application_columns())


def open_rows(apps, schema_editor):
    connection = schema_editor.connection
    reseal_table(connection, "benefits_line", "id", _line_columns(), open_only=True)
    reseal_table(connection, "benefits_payment", "id", _payment_columns(), open_only=True)
    reseal_table(connection, "benefits_application", "id", _application_columns(), open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0005_person_references_without_database_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="line",
            name="bank_account_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="payment",
            name="bank_account_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="application",
            name="applicant_id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True, plain_max_length=18, verbose_name="applicant's ID number"
            ),
        ),
        migrations.AlterField(
            model_name="line",
            name="bank_account",
            field=jisheng.core.crypto.fields.SealedTextField(
                blank=True, index_field="bank_account_index", verbose_name="bank account"
            ),
        ),
        migrations.AlterField(
            model_name="line",
            name="id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="bank_account",
            field=jisheng.core.crypto.fields.SealedTextField(
                blank=True, index_field="bank_account_index", verbose_name="bank account"
            ),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
