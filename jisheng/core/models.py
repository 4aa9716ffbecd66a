"""The shell's one table: counters that many worker processes increment atomically."""

from django.db import models


class Counter(models.Model):
    """One fixed-window counter (a rate limit's bucket, an address's failed sign-ins this hour).

    Incremented with a single INSERT … ON CONFLICT DO UPDATE … RETURNING statement, so gunicorn's
    workers never lose an increment to a read-modify-write race, on SQLite as on PostgreSQL (a cache
    file or a per-process memory would: 60 parallel requests passed a limit of 30 that way).
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
