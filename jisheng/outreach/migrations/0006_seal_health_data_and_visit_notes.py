"""Health data sealed at rest with SM4 (GB/T 39786-2021 §8.4 e): the results of pre-pregnancy checks and
screenings (deterministically, so the screening figures still filter and count by them), their
follow-ups and referrals, health referrals' destination, reason and outcome, and what visits noted as
asked for and promised (free text often about an illness or contraception) with the hand-offs copying
it (random nonce). Every existing row is sealed in place in batches, on SQLite and PostgreSQL alike;
reversed, the values are written back in the clear before the columns narrow again.
"""

from django.db import migrations

import jisheng.core.crypto.fields
from jisheng.core.crypto.reseal import Column, reseal_table

TABLES = {
    "prepregnancycheck": [("result", True), ("follow_up", False)],
    "screening": [("result", True), ("referral", False)],
    "healthreferral": [("referred_to", False), ("reason", False), ("outcome", False)],
    "visit": [("asked", False), ("promised", False)],
    "handoff": [("summary", False)],
}


def _columns(model):
    return [Column(name, f"outreach.{model}.{name}", equal=equal) for name, equal in TABLES[model]]


def seal_rows(apps, schema_editor):
    for model in TABLES:
        reseal_table(schema_editor.connection, f"outreach_{model}", "id", _columns(model))


def open_rows(apps, schema_editor):
    for model in TABLES:
        reseal_table(schema_editor.connection, f"outreach_{model}", "id", _columns(model), open_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0005_person_references_without_database_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="handoff",
            name="summary",
            field=jisheng.core.crypto.fields.SealedTextField(verbose_name="what needs action"),
        ),
        migrations.AlterField(
            model_name="healthreferral",
            name="outcome",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="healthreferral",
            name="reason",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="healthreferral",
            name="referred_to",
            field=jisheng.core.crypto.fields.SealedTextField(verbose_name="referred to"),
        ),
        migrations.AlterField(
            model_name="prepregnancycheck",
            name="follow_up",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="follow-up"),
        ),
        migrations.AlterField(
            model_name="prepregnancycheck",
            name="result",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True,
                choices=[
                    ("", "Not yet"),
                    ("normal", "No risk found"),
                    ("risk", "Risk found, advice given"),
                    ("high_risk", "High risk, referred"),
                ],
                default="",
                plain_max_length=10,
                verbose_name="result",
            ),
        ),
        migrations.AlterField(
            model_name="screening",
            name="referral",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="referred to"),
        ),
        migrations.AlterField(
            model_name="screening",
            name="result",
            field=jisheng.core.crypto.fields.SealedCharField(
                blank=True,
                choices=[
                    ("", "Not yet"),
                    ("normal", "Normal"),
                    ("abnormal", "Abnormal, to be followed"),
                    ("suspected", "Suspected cancer"),
                ],
                default="",
                plain_max_length=10,
                verbose_name="result",
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="asked",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="asked for"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="promised",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="promised"),
        ),
        migrations.RunPython(seal_rows, open_rows, elidable=False),
    ]
