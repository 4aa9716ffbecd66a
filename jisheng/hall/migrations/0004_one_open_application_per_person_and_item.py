from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0003_accountability_subject_accountability_subject_area_and_more"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["received", "awaiting_correction"])),
                fields=("person", "item"),
                name="hall_one_open_application_per_person_item",
            ),
        ),
    ]
