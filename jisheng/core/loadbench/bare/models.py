from django.db import models


class Item(models.Model):
    """What the bare page shows: one row found by an indexed column."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    note = models.TextField(blank=True)

    # Not among Jisheng's installed apps: the type checker is told of the manager.
    objects: models.Manager["Item"] = models.Manager()

    class Meta:
        app_label = "loadbench_bare"
        db_table = "loadbench_bare_item"

    def __str__(self) -> str:
        return self.code
