"""Households are partitioned by county on PostgreSQL (registry 0014): a partitioned table's id alone
cannot be referenced, so visits, hand-offs, pairings and care gifts keep their household without a
database key (the services decide every write)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0006_seal_health_data_and_visit_notes'),
        ('registry', '0013_household_county_code'),
    ]

    operations = [
        migrations.AlterField(
            model_name='caregift',
            name='household',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household', verbose_name='household'),
        ),
        migrations.AlterField(
            model_name='handoff',
            name='household',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household'),
        ),
        migrations.AlterField(
            model_name='pairing',
            name='household',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household', verbose_name='household'),
        ),
        migrations.AlterField(
            model_name='visit',
            name='household',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household', verbose_name='household'),
        ),
    ]
