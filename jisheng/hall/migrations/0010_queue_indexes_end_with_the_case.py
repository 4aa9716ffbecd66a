"""The queue's two indexes end with the case's id, as the queue's order does (deadline, village, case):
PostgreSQL then reads the first rows in order instead of sorting every case of the first deadline."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0009_case_deadline_tallies"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="application", name="hall_case_owner_queue"),
        migrations.RemoveIndex(model_name="application", name="hall_case_status_queue"),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["owner", "status", "due_on", "area", "id"], name="hall_case_owner_queue"
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["status", "due_on", "area", "id"], name="hall_case_status_queue"),
        ),
    ]
