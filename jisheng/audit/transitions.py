"""A guarded state transition, written once: lock → check the state → snapshot → change → save → audit.

Every step of a workflow (a batch reviewed, a case decided, a petition accepted, a message answered)
has the same skeleton. Written by hand twenty times it drifts: one copy forgets the lock, another the
snapshot. With this helper a transition is three lines::

    with transition(batch, by=by, action="benefits.batch_review", allowed=[Batch.Status.NOTICE],
                    reason=reason) as batch:
        batch.status = Batch.Status.REVIEWED
        batch.reviewed_at = timezone.now()

Inside the block the object is the freshly locked row (``SELECT … FOR UPDATE``), so two clicks or two
clerks racing see each other's result: the second finds the state changed and is refused with the
object's own status label. On leaving the block the row is saved and one audit event recorded with the
before and after snapshots, in the same transaction; an exception inside the block rolls back both.

Nesting: ``transition`` opens a savepoint when called inside a service's transaction and its own
transaction otherwise, so it may be nested.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from jisheng.core.actor import Actor

from .services import model_snapshot, record

M = TypeVar("M", bound=models.Model)


def _state_label(obj: models.Model, field: str) -> str:
    display = getattr(obj, f"get_{field}_display", None)
    return str(display() if callable(display) else getattr(obj, field))


@contextmanager
def transition(
    obj: M,
    *,
    by: Actor,
    action: str,
    allowed: Collection[str] | None,
    field: str = "status",
    reason: str = "",
    refusal: Callable[[M], str] | None = None,
    fields: list[str] | None = None,
    related: Sequence[str] = (),
) -> Iterator[M]:
    """Lock ``obj``'s row, refuse unless its ``field`` is one of ``allowed`` (None: any state), yield the
    locked copy for the caller to change, then save it and record ``action`` with before and after.

    ``refusal`` words the refusal for this workflow; by default it names the current state and says the
    step may already have been taken by someone else. ``fields`` limits the audit snapshots to the
    fields the step decides (all concrete fields by default); ``related`` is passed to
    ``select_related`` for the locked read, so checks inside the block read no extra rows.

    Checks that need the locked row (permissions on its area, materials present…) go inside the block,
    before the first change; a refusal raised there leaves nothing written."""
    with transaction.atomic():
        rows = type(obj)._default_manager.select_for_update()
        if related:
            rows = rows.select_related(*related)
        locked = rows.get(pk=obj.pk)
        if allowed is not None and getattr(locked, field) not in allowed:
            message = (
                refusal(locked)
                if refusal is not None
                else _("It is “%(state)s”: this step cannot be taken (someone may have taken it already)")
                % {"state": _state_label(locked, field)}
            )
            raise ValidationError(message)
        before = model_snapshot(locked, fields)
        yield locked
        locked.save()
        record(
            by=by,
            action=action,
            obj=locked,
            before=before,
            after=model_snapshot(locked, fields),
            reason=reason,
        )
