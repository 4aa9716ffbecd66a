"""Births, marriages, contraception records and residence periods carry their county (the partition
key on PostgreSQL, see 0012): derived here for existing rows from the village that recorded each one.
Their unique keys hold the county (a partitioned table's unique keys must hold the partition key): one
birth per child, one marriage per couple and date. A birth's child is a plain reference with that key
instead of a one-to-one field, whose unique key on the child alone PostgreSQL would refuse."""

import django.db.models.deletion
import jisheng.core.partitions
from django.db import migrations, models
from django.db.models.functions import Substr


def derive_county_codes(apps, schema_editor):
    for name in ("Birth", "Marriage", "Contraception"):
        apps.get_model("registry", name).objects.update(county_code=Substr("area_id", 1, 6))
    apps.get_model("registry", "ResidencePeriod").objects.update(county_code=Substr("area_code", 1, 6))


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('registry', '0010_partition_persons_by_county'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='marriage',
            name='registry_marriage_unique',
        ),
        migrations.AddField(
            model_name='birth',
            name='county_code',
            field=jisheng.core.partitions.CountyCodeField(source='area'),
        ),
        migrations.AddField(
            model_name='contraception',
            name='county_code',
            field=jisheng.core.partitions.CountyCodeField(source='area'),
        ),
        migrations.AddField(
            model_name='marriage',
            name='county_code',
            field=jisheng.core.partitions.CountyCodeField(source='area'),
        ),
        migrations.AddField(
            model_name='residenceperiod',
            name='county_code',
            field=jisheng.core.partitions.CountyCodeField(source='area_code'),
        ),
        migrations.RunPython(derive_county_codes, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name='birth',
            name='child',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='child'),
        ),
        migrations.AddConstraint(
            model_name='birth',
            constraint=models.UniqueConstraint(condition=models.Q(('child__isnull', False)), fields=('child', 'county_code'), name='registry_one_birth_per_child_in_county'),
        ),
        migrations.AddConstraint(
            model_name='marriage',
            constraint=models.UniqueConstraint(fields=('husband', 'wife', 'date', 'county_code'), name='registry_marriage_unique_in_county'),
        ),
    ]
