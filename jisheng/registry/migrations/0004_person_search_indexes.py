# The indexes come in a migration of their own: on PostgreSQL the UPDATE of 0003 leaves deferred
# foreign-key trigger events queued, and CREATE INDEX refuses to run in the same transaction.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0003_person_search_columns_for_bulk_writes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['id_number'], name='registry_person_id_number'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['id_reversed'], name='registry_person_id_reversed'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['name_pinyin'], name='registry_person_pinyin'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['name_initials'], name='registry_person_initials'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('name_pinyin_alt__isnull', False)), fields=['name_pinyin_alt'], name='registry_person_pinyin_alt'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('name_initials_alt__isnull', False)), fields=['name_initials_alt'], name='registry_person_initials_alt'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='registry_person_merged_into'),
        ),
    ]
