"""Every change to the registry: one transaction and one audit event each.

Functions take the actor as ``by`` (``jisheng.core.actor.Actor``: a staff member, or the system doing
a named job such as the demo). Values are checked by ``validation`` and refusals raise
``validation.Refusal`` naming the field and the reason. Duplicate review lives in ``duplicates.py``,
bulk import writing in ``import_writer.py``; both follow the same rules.

The services are split by what they change: ``people`` (registering, details, status, death),
``households``, ``events`` (marriages, births, contraception), ``moves`` (between villages, out, in)
and ``import_jobs`` (the web import's job record). This package re-exports them all, so callers import
``jisheng.registry.services`` as one module.

Nesting: a service whose docstring says "Outermost" opens its transaction with
``transaction.atomic(durable=True)`` and is called only from a page, the API or a command; one that
says "May be nested" runs in its caller's transaction when there is one (another app's service, the
offline sync, the demo).
"""

from __future__ import annotations

from .events import MIN_MARRIAGE_AGE, birth_record, contraception_record, marriage_divorce, marriage_record
from .households import (
    household_add_member,
    household_create,
    household_join,
    household_remove_member,
    household_update,
)
from .import_jobs import import_job_create, import_job_progress, import_job_update
from .moves import Place, person_move, person_move_in, person_move_out, place_from_text
from .people import (
    PERSON_EDITABLE,
    death_record,
    person_create,
    person_reveal,
    person_set_status,
    person_update,
)

__all__ = [
    "MIN_MARRIAGE_AGE",
    "PERSON_EDITABLE",
    "Place",
    "birth_record",
    "contraception_record",
    "death_record",
    "household_add_member",
    "household_create",
    "household_join",
    "household_remove_member",
    "household_update",
    "import_job_create",
    "import_job_progress",
    "import_job_update",
    "marriage_divorce",
    "marriage_record",
    "person_create",
    "person_move",
    "person_move_in",
    "person_move_out",
    "person_reveal",
    "person_set_status",
    "person_update",
    "place_from_text",
]
