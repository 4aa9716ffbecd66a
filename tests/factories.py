"""The test suite's one module of factories: actors, staff, residents of the registry.

Tests of every app build their world from here (and from the fixtures of the root ``conftest.py``,
which use these functions), so a change to what a valid person or staff member is happens once.
"""

from __future__ import annotations

from jisheng.core.actor import Resident, System

# Who acts when a test sets up its world through the services: the system, doing the tests' set-up job.
SETUP = System(job="test set-up")
# A resident on the portal (an online application, a correction, a rating).
A_RESIDENT = Resident(reference="411723********4526")
