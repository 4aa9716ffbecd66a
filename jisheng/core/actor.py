"""Who acts: a staff member, a resident known by what they filed, or the system doing a named job.

Every service that changes something takes ``by: Actor``, keyword-only and required, as Zulip's
actions take ``acting_user``. ``None`` is not an actor: the demo, a periodic sweep, the import worker or
a message from another deployment each act as ``System(job=...)``, so the audit trail says which job it
was; a resident on the portal acts as ``Resident(reference=...)`` (the case, petition or application
number they were given, or the masked ID number they identified themselves with).

This module sits in ``core``, below every app, so that the audit trail and each domain app can name the
type without importing ``accounts``; ``accounts.models.User`` satisfies ``StaffMember`` structurally
(a test pins that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeAlias, TypeGuard, runtime_checkable


@runtime_checkable
class StaffMember(Protocol):
    """A signed-in staff user: what services and the permission module read of one."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_read_only(self) -> bool: ...

    def role_codes(self) -> set[str]: ...

    def has_role(self, *codes: str) -> bool: ...


@dataclass(frozen=True)
class Resident:
    """A member of the public acting on the portal, known by the reference they hold (a case, petition or
    application number) or by their masked ID number. Never authenticated as staff."""

    reference: str
    is_authenticated: ClassVar[bool] = False
    is_read_only: ClassVar[bool] = True

    def __str__(self) -> str:
        return f"resident:{self.reference}"


@dataclass(frozen=True)
class System:
    """The system doing a named job: ``System(job="demo")``, ``System(job="deadline sweep")``,
    ``System(job="import worker")``, ``System(job="exchange inbox")``."""

    job: str
    is_authenticated: ClassVar[bool] = False
    is_read_only: ClassVar[bool] = False

    def __str__(self) -> str:
        return f"system:{self.job}"


Actor: TypeAlias = StaffMember | Resident | System

# The jobs the system does, named once so that the audit trail's "who" reads the same everywhere.
DEMO = System(job="demo")
COMMAND_LINE = System(job="command line")


def is_staff(by: object) -> TypeGuard[StaffMember]:
    """Whether ``by`` is a signed-in staff member (not a resident, not the system, not anonymous)."""
    return (
        not isinstance(by, Resident | System)
        and bool(getattr(by, "is_authenticated", False))
        and hasattr(by, "role_codes")
    )


def describe(by: object) -> str:
    """A short, stable label of an actor for the audit trail's username column."""
    if isinstance(by, Resident | System):
        return str(by)
    return str(getattr(by, "username", "") or "")
