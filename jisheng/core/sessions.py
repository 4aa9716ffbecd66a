"""The session store: Django's database store, reading the session through a statement kept compiled.

Every staff and portal page reads its session row. Django's store builds and compiles
``Session.objects.get(session_key=…, expire_date__gt=now)`` at each request, which cost more than
running it. Here the read by key is compiled once per database and kept
(:mod:`jisheng.core.kept_statements`); each request binds the cookie's key as its one parameter and
checks the expiry in Python against the clock of that request, never one frozen at compile time.

What it keeps of Django's store, unchanged:

- An expired session (its row's expiry date not after now) or a missing one is never used: the
  request gets a new, empty session and a new key when it is saved.
- A tampered or undecodable session decodes to an empty one (Django's ``decode`` logs
  ``SuspiciousSession``).
- Saving, a new key at sign-in and the flush at sign-out are Django's own (inherited): sign-out
  deletes the row, and since nothing but the compiled SQL is kept in the process, the next request
  to any worker finds no row.
- It is read on the primary database, never on a replica, so a sign-out is refused at the next
  request even on the pages that read from the replica (which may lag a few seconds).
- The key is only ever a bound parameter: a cookie like ``x' OR '1'='1`` is compared with the key
  column and finds nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db import router
from django.db.models import QuerySet
from django.utils import timezone

from jisheng.core.kept_statements import KeptStatements

# Stands for the session key in the kept statement. Django's keys are 32 lower-case letters and
# digits, so no session has it.
_PLACEHOLDER = "~kept-session-key~"
# One statement per database (the primary, a replica).
_statements = KeptStatements(bound=4)


def _by_key(session_key: str | None) -> QuerySet[Any]:
    return Session.objects.filter(session_key=session_key)


class SessionStore(DatabaseSessionStore):
    """Django's database session store whose load reads the row through a kept statement."""

    def _get_session_from_db(self) -> Session | None:
        try:
            # The primary, even on a page whose reads go to the replica: a signed-out (deleted) session
            # must be refused at once, not when the replica has caught up.
            using = router.db_for_write(Session)
            # Prepared on PostgreSQL (``core.planner``): a read by the primary key, planned alike for
            # every key, so the server parses and plans it once a connection instead of at each request.
            rows = _statements.objects(
                (), _by_key, self.session_key, using=using, placeholder=_PLACEHOLDER, prepare=True
            )
            # Checked here, with this request's clock, as Django's ``expire_date__gt=now`` does.
            if rows and rows[0].expire_date > timezone.now():
                session: Session = rows[0]
                return session
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
        self._session_key = None
        return None
