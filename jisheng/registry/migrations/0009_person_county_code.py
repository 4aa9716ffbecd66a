"""Persons carry their county (the partition key on PostgreSQL, see 0010); every reference to a
person is kept without a database foreign key (a partitioned table's id alone cannot be referenced);
one live person per ID number becomes one per ID number and county in the database, the rest a check
in the services."""

import django.db.models.deletion
import jisheng.core.partitions
from django.db import migrations, models
from django.db.models.functions import Substr


def derive_county_codes(apps, schema_editor):
    """Existing persons get the county of their village (first six digits of the area code)."""
    Person = apps.get_model("registry", "Person")
    Person.objects.update(county_code=Substr("residence_area_id", 1, 6))


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('registry', '0008_seal_id_numbers_and_phones'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='person',
            name='registry_one_live_person_per_id',
        ),
        migrations.AddField(
            model_name='person',
            name='county_code',
            field=jisheng.core.partitions.CountyCodeField(source='residence_area'),
        ),
        migrations.AlterField(
            model_name='birth',
            name='child',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='birth', to='registry.person', verbose_name='child'),
        ),
        migrations.AlterField(
            model_name='birth',
            name='father',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='father'),
        ),
        migrations.AlterField(
            model_name='birth',
            name='mother',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='mother'),
        ),
        migrations.AlterField(
            model_name='contraception',
            name='person',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='person'),
        ),
        migrations.AlterField(
            model_name='duplicatecandidate',
            name='person_a',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.person', verbose_name='first record'),
        ),
        migrations.AlterField(
            model_name='duplicatecandidate',
            name='person_b',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.person', verbose_name='second record'),
        ),
        migrations.AlterField(
            model_name='marriage',
            name='husband',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='husband'),
        ),
        migrations.AlterField(
            model_name='marriage',
            name='wife',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='wife'),
        ),
        migrations.AlterField(
            model_name='person',
            name='merged_into',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='merged into'),
        ),
        migrations.AlterField(
            model_name='residenceperiod',
            name='person',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='residence_periods', to='registry.person', verbose_name='person'),
        ),
        migrations.RunPython(derive_county_codes, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.UniqueConstraint(condition=models.Q(('merged_into__isnull', True), models.Q(('id_number', ''), _negated=True)), fields=('id_number', 'county_code'), name='registry_one_live_person_per_id_in_county'),
        ),
    ]
