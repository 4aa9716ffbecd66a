# The simplified key of a name written in traditional characters (張偉 → 张伟), so that a search typed
# in simplified characters finds it; filled for existing persons by 0006.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_person_search_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='name_simplified',
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('name_simplified__isnull', False)), fields=['name_simplified'], name='registry_person_simplified'),
        ),
    ]
