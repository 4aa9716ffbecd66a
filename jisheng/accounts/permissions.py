"""Who may do what, decided in one place: capabilities named once, and the four-eyes rule.

**Capabilities.** Each thing a person may do is a ``Capability`` (record vital events, approve a batch,
reveal sensitive fields, export…). ``GRANTS`` says which roles hold it and whether it changes data (a
read-only role — the auditor — never holds a changing capability). A capability is always asked about
an area: ``may(by, Capability.X, area_code)`` for a page deciding what to offer, ``ensure(...)`` in a
service, which raises ``PermissionDenied`` with a reason in the user's language. The area test is the
scoping one (the area is the actor's own or below it). The system (``core.actor.System``) may do
everything; a resident (``core.actor.Resident``) holds no staff capability — the portal's own services
decide what a resident may do with what they hold.

Views use ``capability_required(Capability.X)`` (signed in and holding it somewhere) and services call
``ensure`` with the record's area. No other module names a role: a new app adds its capabilities to
``Capability`` and ``GRANTS`` below, in its own section.

**The four-eyes rule** (双人复核): one person never takes two steps of the same approval.

A multi-step approval (a benefit batch: propose → review → approve → pay; a report: compile → verify →
approve) names its steps; a service about to record ``step`` passes the users who took the earlier
steps it must be kept apart from, and the rule refuses when the actor is one of them. The rule lives
here, below every domain app, so benefits and reporting apply the same test with the same wording.

Pure functions: no database access beyond what the actor has cached (its role codes) and comparing
primary keys, so they can be called inside a service's transaction or by a page deciding whether to
offer a button.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.codes import parent_code_of
from jisheng.areas.scoping import can_see_area
from jisheng.core.actor import Resident, System, is_staff

from .roles import RoleCode

R = RoleCode


class Capability(enum.StrEnum):
    # --- registry
    READ_REGISTRY = "registry.read"
    RECORD_VITAL_EVENTS = "registry.record"  # births, marriages, moves, contraception, person details
    IMPORT_ROSTERS = "registry.import"
    REVIEW_IMPORTS = "registry.review_imports"
    REVIEW_DUPLICATES = "registry.review_duplicates"
    REVEAL_PERSONAL_DATA = "registry.reveal"
    EXPORT_PERSONAL_DATA = "registry.export"
    RESOLVE_DUPLICATES = "registry.resolve_duplicates"
    SCAN_DUPLICATES = "registry.scan_duplicates"
    WORK_IN_VILLAGE = "registry.village_work"  # the village officer's daily shortcuts on the home page
    # --- hall
    READ_CASES = "hall.read"
    HANDLE_CASES = "hall.handle"
    SERVE_RESIDENTS = "hall.serve"  # receive on a home visit, take corrections, log consultations
    APPLY_AT_COUNTER = "hall.apply_counter"
    APPLY_BY_PROXY = "hall.apply_proxy"  # the village officer applies on a resident's behalf
    APPLY_ON_VISIT = "hall.apply_visit"
    WORK_AT_COUNTER = "hall.counter"  # the township hall's own work: posts, notices, rating replies
    DECIDE_CASES = "hall.decide"
    DECIDE_COUNTY_ITEMS = "hall.decide_county"
    DECIDE_CITY_ITEMS = "hall.decide_city"
    REVIEW_DECISIONS = "hall.review"  # 复核, appeals, AB posts, accountability follow-up
    READ_HALL_RECORDS = "hall.read_records"  # ratings, posts
    SUPERVISE_HALL = "hall.supervise"
    CONFIGURE_CATALOGUE = "hall.configure"
    # --- certificates
    READ_CERTIFICATES = "certificates.read"
    BROWSE_CERTIFICATES = "certificates.browse"  # the certificates menu entry
    REQUEST_REVOCATION = "certificates.request_revocation"
    APPROVE_REVOCATION = "certificates.approve_revocation"
    # --- benefits
    READ_BENEFITS = "benefits.read"
    START_NOTICE = "benefits.start_notice"  # whose home page lists proposed batches to put on notice
    PROPOSE_BATCH = "benefits.propose"
    REVIEW_BATCH = "benefits.review"
    APPROVE_BATCH = "benefits.approve"
    PAY_BATCH = "benefits.pay"
    RECORD_PAYEE_ACCOUNT = "benefits.record_account"
    VERIFY_BENEFIT_APPLICATION = "benefits.verify_application"
    # --- reporting
    READ_REPORTS = "reporting.read"
    WORK_ON_REPORTS = "reporting.work"  # compile, fill in and review reports of one's own level
    REPORT_FOR_VILLAGE = "reporting.village"
    REPORT_FOR_TOWNSHIP = "reporting.township"
    REPORT_FOR_COUNTY = "reporting.county"
    REPORT_FOR_CITY = "reporting.city"
    # --- administration and audit
    MANAGE_STAFF = "accounts.manage_staff"
    CREATE_STAFF = "accounts.create_staff"
    CHANGE_STAFF_ROLES = "accounts.change_roles"
    UNLOCK_ACCOUNTS = "accounts.unlock"
    MANAGE_CALENDAR = "workdays.manage"
    READ_AUDIT_TRAIL = "audit.read"
    # --- migrants (floating population) and exchange
    # exchange
    READ_EXCHANGE = "exchange.read"  # the peers and the reconciliation of what was sent and received
    MANAGE_EXCHANGE = "exchange.manage"  # add or disable peers, carry batch files, send failed ones again
    ROTATE_EXCHANGE_KEY = "exchange.rotate_key"  # replace the deployment's signing key, announced to peers
    # migrants
    READ_MIGRANTS = "migrants.read"
    RECORD_MIGRANTS = "migrants.record"  # departures with 四个一, arrivals, returns, education sessions
    ISSUE_MARITAL_CERTIFICATE = "migrants.issue_certificate"
    HANDLE_VERIFICATIONS = "migrants.verify"  # send verification requests and answer them
    ANSWER_FOR_VERIFICATIONS = "migrants.answer_for"  # the office's lead, accountable for what no one took
    # --- petitions
    READ_PETITIONS = "petitions.read"
    HANDLE_PETITIONS = "petitions.handle"  # receive, accept, visit, reply; the ledger, outings, surveys
    APPROVE_PETITION_EXTENSION = "petitions.approve_extension"  # Art. 34: the head's approval
    ANSWER_PETITION_REVIEW = "petitions.answer_review"  # Arts. 35-36: the higher office
    ASSESS_STABILITY_RISK = "petitions.assess_risk"
    EXPORT_PETITION_LEDGER = "petitions.export"
    # --- outreach
    RECORD_VISITS = "outreach.visit"  # visits, pairings and help given
    READ_OUTREACH = "outreach.read"
    TAKE_HANDOFFS = "outreach.take_handoffs"  # take a visit's problem into an office's ledger
    RECORD_HEALTH_SERVICES = "outreach.health"  # pre-pregnancy checks, screenings, referrals
    REVEAL_HEALTH_DATA = "outreach.reveal_health"
    MANAGE_SUPPLIES = "outreach.supplies"
    RECORD_CAMPAIGNS = "outreach.campaigns"
    PROPOSE_CARE_GIFT = "outreach.propose_gift"
    APPROVE_CARE_GIFT = "outreach.approve_gift"
    SUBMIT_NEEDS = "outreach.submit_need"
    ALLOCATE_PROJECTS = "outreach.allocate"
    RECORD_PROJECT_PROGRESS = "outreach.project_progress"  # milestones, inspections, fund entries
    AUDIT_PROJECTS = "outreach.audit_projects"
    # --- offline capture
    CAPTURE_OFFLINE = "offline.capture"  # the village officer's installable app: download, send the outbox


@dataclass(frozen=True)
class Grant:
    roles: frozenset[str]
    changes: bool  # True: a read-only role never holds it, whatever ``roles`` says


def _grant(*roles: str, changes: bool = True) -> Grant:
    return Grant(frozenset(str(role) for role in roles), changes)


_FIELD_STAFF = (R.VILLAGE_OFFICER, R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF)
_ALL_STAFF_READERS = (*_FIELD_STAFF, R.CITY_STAFF, R.AUDITOR)

GRANTS: dict[Capability, Grant] = {
    Capability.READ_REGISTRY: _grant(*_ALL_STAFF_READERS, changes=False),
    Capability.RECORD_VITAL_EVENTS: _grant(*_FIELD_STAFF),
    Capability.IMPORT_ROSTERS: _grant(*_FIELD_STAFF),
    Capability.REVIEW_IMPORTS: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.REVIEW_DUPLICATES: _grant(
        R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.AUDITOR, changes=False
    ),
    Capability.REVEAL_PERSONAL_DATA: _grant(*_ALL_STAFF_READERS, changes=False),
    Capability.EXPORT_PERSONAL_DATA: _grant(
        R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.CITY_STAFF, changes=False
    ),
    Capability.RESOLVE_DUPLICATES: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.SCAN_DUPLICATES: _grant(R.COUNTY_STAFF),
    Capability.WORK_IN_VILLAGE: _grant(R.VILLAGE_OFFICER),
    # --- hall
    Capability.READ_CASES: _grant(
        R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.VILLAGE_OFFICER, R.AUDITOR, changes=False
    ),
    Capability.HANDLE_CASES: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.VILLAGE_OFFICER),
    Capability.SERVE_RESIDENTS: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.VILLAGE_OFFICER),
    Capability.APPLY_AT_COUNTER: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD),
    Capability.APPLY_BY_PROXY: _grant(R.VILLAGE_OFFICER),
    Capability.APPLY_ON_VISIT: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.VILLAGE_OFFICER),
    Capability.WORK_AT_COUNTER: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD),
    Capability.DECIDE_CASES: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.DECIDE_COUNTY_ITEMS: _grant(R.COUNTY_STAFF),
    Capability.DECIDE_CITY_ITEMS: _grant(R.CITY_STAFF),
    Capability.REVIEW_DECISIONS: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.READ_HALL_RECORDS: _grant(
        R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.AUDITOR, R.COUNTY_STAFF, changes=False
    ),
    Capability.SUPERVISE_HALL: _grant(
        R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.AUDITOR, R.CITY_STAFF, changes=False
    ),
    Capability.CONFIGURE_CATALOGUE: _grant(R.SYSTEM_ADMIN, R.CITY_STAFF),
    # --- certificates
    Capability.READ_CERTIFICATES: _grant(*_ALL_STAFF_READERS, changes=False),
    Capability.BROWSE_CERTIFICATES: _grant(
        R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.AUDITOR, changes=False
    ),
    Capability.REQUEST_REVOCATION: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.APPROVE_REVOCATION: _grant(R.TOWNSHIP_HEAD),
    # --- benefits
    Capability.READ_BENEFITS: _grant(*_ALL_STAFF_READERS, R.AUDIT_ADMIN, changes=False),
    Capability.START_NOTICE: _grant(R.VILLAGE_OFFICER, R.COUNTER_CLERK),
    Capability.PROPOSE_BATCH: _grant(*_FIELD_STAFF),
    Capability.REVIEW_BATCH: _grant(R.TOWNSHIP_HEAD),
    Capability.APPROVE_BATCH: _grant(R.COUNTY_STAFF),
    Capability.PAY_BATCH: _grant(R.COUNTY_STAFF),
    Capability.RECORD_PAYEE_ACCOUNT: _grant(R.TOWNSHIP_HEAD, R.COUNTER_CLERK, R.COUNTY_STAFF),
    Capability.VERIFY_BENEFIT_APPLICATION: _grant(R.VILLAGE_OFFICER, R.TOWNSHIP_HEAD),
    # --- reporting
    Capability.READ_REPORTS: _grant(*_FIELD_STAFF, R.CITY_STAFF, R.AUDITOR, R.AUDIT_ADMIN, changes=False),
    Capability.WORK_ON_REPORTS: _grant(*_FIELD_STAFF, R.CITY_STAFF),
    Capability.REPORT_FOR_VILLAGE: _grant(R.VILLAGE_OFFICER),
    Capability.REPORT_FOR_TOWNSHIP: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD),
    Capability.REPORT_FOR_COUNTY: _grant(R.COUNTY_STAFF),
    Capability.REPORT_FOR_CITY: _grant(R.CITY_STAFF),
    # --- administration and audit
    Capability.MANAGE_STAFF: _grant(R.SYSTEM_ADMIN, R.SECURITY_ADMIN),
    Capability.CREATE_STAFF: _grant(R.SYSTEM_ADMIN),
    Capability.CHANGE_STAFF_ROLES: _grant(R.SYSTEM_ADMIN, R.SECURITY_ADMIN),
    Capability.UNLOCK_ACCOUNTS: _grant(R.SECURITY_ADMIN),
    Capability.MANAGE_CALENDAR: _grant(R.SYSTEM_ADMIN),
    Capability.READ_AUDIT_TRAIL: _grant(R.AUDITOR, R.AUDIT_ADMIN, changes=False),
    # --- migrants (floating population) and exchange
    # exchange
    Capability.READ_EXCHANGE: _grant(R.COUNTY_STAFF, R.CITY_STAFF, R.AUDITOR, changes=False),
    Capability.MANAGE_EXCHANGE: _grant(R.COUNTY_STAFF, R.CITY_STAFF),
    Capability.ROTATE_EXCHANGE_KEY: _grant(R.SECURITY_ADMIN),
    # migrants
    Capability.READ_MIGRANTS: _grant(*_ALL_STAFF_READERS, changes=False),
    Capability.RECORD_MIGRANTS: _grant(*_FIELD_STAFF),
    Capability.ISSUE_MARITAL_CERTIFICATE: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.HANDLE_VERIFICATIONS: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.ANSWER_FOR_VERIFICATIONS: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    # --- petitions
    Capability.READ_PETITIONS: _grant(*_ALL_STAFF_READERS, changes=False),
    Capability.HANDLE_PETITIONS: _grant(*_FIELD_STAFF),
    Capability.APPROVE_PETITION_EXTENSION: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.ANSWER_PETITION_REVIEW: _grant(R.COUNTY_STAFF, R.CITY_STAFF),
    Capability.ASSESS_STABILITY_RISK: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.EXPORT_PETITION_LEDGER: _grant(
        R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF, R.CITY_STAFF, changes=False
    ),
    # --- outreach
    Capability.RECORD_VISITS: _grant(*_FIELD_STAFF),
    Capability.READ_OUTREACH: _grant(*_ALL_STAFF_READERS, changes=False),
    Capability.TAKE_HANDOFFS: _grant(R.COUNTER_CLERK, R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.RECORD_HEALTH_SERVICES: _grant(*_FIELD_STAFF),
    Capability.REVEAL_HEALTH_DATA: _grant(*_FIELD_STAFF, R.CITY_STAFF, changes=False),
    Capability.MANAGE_SUPPLIES: _grant(*_FIELD_STAFF),
    Capability.RECORD_CAMPAIGNS: _grant(*_FIELD_STAFF),
    Capability.PROPOSE_CARE_GIFT: _grant(*_FIELD_STAFF),
    Capability.APPROVE_CARE_GIFT: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.SUBMIT_NEEDS: _grant(R.VILLAGE_OFFICER, R.TOWNSHIP_HEAD),
    Capability.ALLOCATE_PROJECTS: _grant(R.COUNTY_STAFF),
    Capability.RECORD_PROJECT_PROGRESS: _grant(R.TOWNSHIP_HEAD, R.COUNTY_STAFF),
    Capability.AUDIT_PROJECTS: _grant(R.COUNTY_STAFF, R.CITY_STAFF, R.AUDITOR, changes=False),
    # --- offline capture
    Capability.CAPTURE_OFFLINE: _grant(*_FIELD_STAFF),
}


def holds(by: object, capability: Capability) -> bool:
    """Whether ``by`` holds ``capability`` anywhere (a page deciding whether to show a menu entry)."""
    if isinstance(by, System):
        return True
    if isinstance(by, Resident) or not is_staff(by):
        return False
    grant = GRANTS[capability]
    if grant.changes and by.is_read_only:
        return False
    return by.has_role(*grant.roles)


def roles_for(capability: Capability) -> frozenset[str]:
    """The role codes that hold ``capability`` (to find colleagues who may take a case over)."""
    return GRANTS[capability].roles


def ensure_holds(by: object, capability: Capability) -> None:
    """Refuse unless ``by`` holds ``capability``: for what belongs to no area (the service catalogue, the
    calendar) or a step whose record has no area yet."""
    if not holds(by, capability):
        raise PermissionDenied(_("You may not take this step."))


def may(by: object, capability: Capability, area_code: str) -> bool:
    """Whether ``by`` may use ``capability`` on a record of ``area_code`` (its own area or below)."""
    if isinstance(by, System):
        return True
    return holds(by, capability) and can_see_area(by, area_code)


def ensure(by: object, capability: Capability, area_code: str) -> None:
    """Refuse, with a reason in the user's language, unless ``may(by, capability, area_code)``."""
    if may(by, capability, area_code):
        return
    if holds(by, capability):
        raise PermissionDenied(_("This is outside your area."))
    raise PermissionDenied(_("You may not take this step."))


def capability_required(
    capability: Capability,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view for signed-in staff holding ``capability`` somewhere; the view (or its service) then asks
    about the record's own area with ``may``/``ensure``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not holds(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# The steps' names, for the refusal (in Chinese: 提出、初审、审批…); a step not listed here is shown as
# given.
STEP_LABELS: dict[str, Promise] = {
    "propose": pgettext_lazy("four eyes step", "propose"),
    "review": pgettext_lazy("four eyes step", "review"),
    "approve": pgettext_lazy("four eyes step", "approve"),
    "pay": pgettext_lazy("four eyes step", "record the payment results"),
    "issue": pgettext_lazy("four eyes step", "make the bank file"),
    "compile": pgettext_lazy("four eyes step", "compile"),
    "submit": pgettext_lazy("four eyes step", "submit"),
    "verify": pgettext_lazy("four eyes step", "verify"),
    "request_revocation": pgettext_lazy("four eyes step", "request revocation"),
}


def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


def _pk(user: Any) -> Any:
    """The identity compared: the primary key of a signed-in user, None for the system or nobody."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def conflicting_step(actor: Any, *, earlier: Mapping[str, Any | None]) -> str | None:
    """The first of ``earlier``'s steps that ``actor`` took, or None when the actor took none of them.

    ``earlier`` maps a step name to the user who took it (None when nobody has, or the system did).
    The system acting (``actor`` None: the demo or a command) is never refused.
    """
    me = _pk(actor)
    if me is None:
        return None
    for step, user in earlier.items():
        if _pk(user) == me:
            return step
    return None


def may_take(actor: Any, *, earlier: Mapping[str, Any | None]) -> bool:
    """Whether a page should offer the step to ``actor``."""
    return conflicting_step(actor, earlier=earlier) is None


def ensure_different_person(actor: Any, *, step: str, earlier: Mapping[str, Any | None]) -> None:
    """Refuse ``step`` to an actor who took one of the ``earlier`` steps, with a reason in the user's language.

    >>> ensure_different_person(county, step="approve", earlier={"propose": batch.created_by,
    ...                                                         "review": batch.reviewed_by})
    """
    taken = conflicting_step(actor, earlier=earlier)
    if taken is not None:
        raise PermissionDenied(
            _("Four eyes: you did “%(taken)s” on this, so you may not “%(step)s” it; a colleague must.")
            % {"taken": step_label(taken), "step": step_label(step)}
        )


# --- reporting: who fills the report of an area, and who reviews it
#
# A report is filled (opened, typed, compiled, submitted) by staff of its own area holding the
# capability of reporting for that level, and reviewed (approved, returned, unlocked) by such staff of
# the area one level up; the city's own report, at the top of the deployment, by the city — another
# person than the one who compiled it (the four-eyes rule above, with the earlier steps the reporting
# app reads from its audit trail).

# Area levels as areas.models.Level numbers them (that module is not imported here: this one is
# imported while the apps are still loading; a test holds the numbers to Level's).
CITY_LEVEL, COUNTY_LEVEL, TOWNSHIP_LEVEL, VILLAGE_LEVEL = 2, 3, 4, 5
REPORTING_CAPABILITY_BY_LEVEL: dict[int, Capability] = {
    VILLAGE_LEVEL: Capability.REPORT_FOR_VILLAGE,
    TOWNSHIP_LEVEL: Capability.REPORT_FOR_TOWNSHIP,
    COUNTY_LEVEL: Capability.REPORT_FOR_COUNTY,
    CITY_LEVEL: Capability.REPORT_FOR_CITY,
}


def reports_for_level(user: Any, level: int) -> bool:
    """Whether ``user`` holds the capability of reporting for an area of ``level`` (staff only)."""
    capability = REPORTING_CAPABILITY_BY_LEVEL.get(level)
    return capability is not None and is_staff(user) and holds(user, capability)


def _reports_for(user: Any, area_code: str, level: int) -> bool:
    return reports_for_level(user, level) and getattr(user, "area_id", None) == area_code


def may_fill_report(user: Any, area_code: str, level: int) -> bool:
    """Open, edit, compile and submit the report of this area."""
    return _reports_for(user, area_code, level)


def report_reviewer_area(area_code: str, level: int) -> tuple[str, int]:
    """The area (code, level) whose staff review the report of this one."""
    if level <= CITY_LEVEL:
        return area_code, level
    parent = parent_code_of(area_code)
    assert parent is not None
    return parent, level - 1


def may_review_report(user: Any, area_code: str, level: int) -> bool:
    """Approve, return and unlock the report of this area: the level above."""
    reviewer_code, reviewer_level = report_reviewer_area(area_code, level)
    return _reports_for(user, reviewer_code, reviewer_level)
