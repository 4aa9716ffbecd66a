# Fills the simplified key of the names already in the register, in batches by primary key, each batch
# its own transaction: a county of a million persons is read once, without one long transaction
# holding SQLite's single writer lock, and only the few names with traditional characters are
# written. A migration of its own, after the index: on PostgreSQL an UPDATE leaves deferred trigger
# events that a CREATE INDEX in the same transaction refuses.

from django.db import migrations, transaction

BATCH = 10_000


def fill(apps, schema_editor):
    from jisheng.core.text import name_search_key

    Person = apps.get_model('registry', 'Person')
    people = Person.objects.using(schema_editor.connection.alias)
    last = 0
    while True:
        rows = list(people.filter(pk__gt=last).order_by('pk').values_list('pk', 'name')[:BATCH])
        if not rows:
            return
        last = rows[-1][0]
        keys = [(pk, name_search_key(name)) for pk, name in rows]
        with transaction.atomic(using=schema_editor.connection.alias):
            for pk, key in keys:
                if key is not None:
                    people.filter(pk=pk).update(name_simplified=key[:32])


def empty(apps, schema_editor):
    Person = apps.get_model('registry', 'Person')
    Person.objects.using(schema_editor.connection.alias).exclude(name_simplified=None).update(name_simplified=None)


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('registry', '0005_person_name_simplified'),
    ]

    operations = [
        migrations.RunPython(fill, empty),
    ]
