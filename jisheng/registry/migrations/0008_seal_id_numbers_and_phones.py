"""ID numbers and phones sealed with SM4 (jisheng.core.crypto.fields.SealedCharField).

The columns are widened, then every existing row (persons and their history) is sealed in place in
batches; the plain reversed ID number (a suffix search column) gives way to ``id_tail``, the keyed
SM3 index of the last four characters. Runs on a database already holding data, on SQLite and
PostgreSQL; reversed, it writes the values back in the clear.
"""

from django.db import migrations, models

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table


def _tail(plain):
    from jisheng.core.crypto.fields import blind_index

    number = plain["id_number"]
    return {"id_tail": blind_index(number[-4:].upper(), purpose="registry.person.id_tail") if number else ""}


def _columns(model):
    return [
        Column("id_number", f"registry.{model}.id_number", equal=True),
        Column("phone", f"registry.{model}.phone", equal=True),
    ]


def seal_rows(apps, schema_editor):
    connection = schema_editor.connection
    reseal_table(connection, "registry_person", "id", _columns("person"), derived=_tail)
    reseal_table(connection, "registry_historicalperson", "history_id", _columns("historicalperson"))


def open_rows(apps, schema_editor):
    connection = schema_editor.connection
    reseal_table(connection, "registry_person", "id", _columns("person"), open_only=True)
    reseal_table(
        connection, "registry_historicalperson", "history_id", _columns("historicalperson"), open_only=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_one_live_person_per_id"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="person",
            name="registry_person_id_reversed",
        ),
        migrations.RemoveField(
            model_name="person",
            name="id_reversed",
        ),
        migrations.AddField(
            model_name="person",
            name="id_tail",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="phone",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True, plain_max_length=20, verbose_name="phone"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=jisheng.core.crypto.fields.SealedCharField(
                plain_max_length=18, verbose_name="resident ID number"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True, plain_max_length=20, verbose_name="phone"
            ),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["id_tail"], name="registry_person_id_tail"),
        ),
    ]
