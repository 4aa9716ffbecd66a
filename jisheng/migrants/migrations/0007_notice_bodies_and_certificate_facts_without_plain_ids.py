"""Notices and certificates keep no ID number in the clear in their JSON.

A notice's stored body loses the person's ID number (sealed already in ``person_id_number``) and a birth
notice's child ID number, which moves to the new sealed column ``child_id_number``; a 婚育证明's stored
facts keep the holder's ID number masked (the full number is sealed in the registry). Runs on a
database already holding data, on SQLite and PostgreSQL. Reversed, the bodies get both numbers back and
the facts the person's current number.
"""

from django.db import migrations

import jisheng.core.crypto.fields

SEALED_BODY_KEYS = ("id_number", "child_id_number")
ID_FACT = "公民身份号码"


def _mask(number):
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def forwards(apps, schema_editor):
    Notice = apps.get_model("migrants", "Notice")
    for notice in Notice.objects.order_by("pk").iterator(chunk_size=2000):
        body = notice.body if isinstance(notice.body, dict) else {}
        if not any(key in body for key in SEALED_BODY_KEYS):
            continue
        notice.child_id_number = str(body.get("child_id_number") or "")
        notice.body = {key: value for key, value in body.items() if key not in SEALED_BODY_KEYS}
        notice.save(update_fields=["body", "child_id_number"])
    MaritalCertificate = apps.get_model("migrants", "MaritalCertificate")
    for certificate in MaritalCertificate.objects.order_by("pk").iterator(chunk_size=2000):
        facts = certificate.fields if isinstance(certificate.fields, dict) else {}
        number = str(facts.get(ID_FACT) or "")
        if number and "*" not in number:
            certificate.fields = {**facts, ID_FACT: _mask(number)}
            certificate.save(update_fields=["fields"])


def backwards(apps, schema_editor):
    Notice = apps.get_model("migrants", "Notice")
    for notice in Notice.objects.order_by("pk").iterator(chunk_size=2000):
        body = dict(notice.body) if isinstance(notice.body, dict) else {}
        body["id_number"] = notice.person_id_number
        if notice.child_id_number:
            body["child_id_number"] = notice.child_id_number
        notice.body = body
        notice.save(update_fields=["body"])
    MaritalCertificate = apps.get_model("migrants", "MaritalCertificate")
    Person = apps.get_model("registry", "Person")
    for certificate in MaritalCertificate.objects.order_by("pk").iterator(chunk_size=2000):
        facts = certificate.fields if isinstance(certificate.fields, dict) else {}
        if ID_FACT in facts:
            number = (
                Person.objects.filter(pk=certificate.person_id).values_list("id_number", flat=True).first()
            )
            certificate.fields = {**facts, ID_FACT: number or facts[ID_FACT]}
            certificate.save(update_fields=["fields"])


class Migration(migrations.Migration):
    dependencies = [
        ("migrants", "0006_seal_id_numbers_and_phones"),
        ("registry", "0008_seal_id_numbers_and_phones"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="child_id_number",
            field=jisheng.core.crypto.fields.SealedTextField(blank=True, verbose_name="child's ID number"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
