"""Households carry their county (the partition key on PostgreSQL, see 0014), derived here for
existing rows from their village. The household number is unique per county in the database (a
partitioned table's unique keys must hold the partition key; across counties household_create checks
it), and persons keep their household without a database key."""

import django.db.models.deletion
import jisheng.core.partitions
from django.db import migrations, models
from django.db.models.functions import Substr


def derive_county_codes(apps, schema_editor):
    apps.get_model("registry", "Household").objects.update(county_code=Substr("area_id", 1, 6))


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('registry', '0012_partition_events_by_county'),
    ]

    operations = [
        migrations.AddField(
            model_name='household',
            name='county_code',
            field=jisheng.core.partitions.CountyCodeField(source='area'),
        ),
        migrations.RunPython(derive_county_codes, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name='historicalhousehold',
            name='number',
            field=models.CharField(max_length=32, verbose_name='household number'),
        ),
        migrations.AlterField(
            model_name='household',
            name='number',
            field=models.CharField(max_length=32, verbose_name='household number'),
        ),
        migrations.AlterField(
            model_name='person',
            name='household',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='members', to='registry.household', verbose_name='household'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.UniqueConstraint(fields=('number', 'county_code'), name='registry_household_number_in_county'),
        ),
    ]
