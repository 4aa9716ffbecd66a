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


class IdempotencyKey(models.Model):
    """A state-changing request's key and the response it got, so a retry has no second effect.

    The offline client and a double-clicked form send the same key again; the first request claims
    the row (the unique constraint settles a race), the rest wait for its response and get a copy.
    ``status_code`` is null while the first request is still running.
    """

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="core_idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
