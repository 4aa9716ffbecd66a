from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    VILLAGE_OFFICER = "village_officer", _("Village officer")
    COUNTER_CLERK = "counter_clerk", _("Counter clerk")
    TOWNSHIP_HEAD = "township_head", _("Township head")
    COUNTY_STAFF = "county_staff", _("County staff")
    CITY_STAFF = "city_staff", _("City staff")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 等保 level 3: administrators and staff who see a whole county or city prove a second factor.
ROLES_REQUIRING_TOTP = frozenset(
    {
        RoleCode.COUNTY_STAFF,
        RoleCode.CITY_STAFF,
        RoleCode.SYSTEM_ADMIN,
        RoleCode.SECURITY_ADMIN,
        RoleCode.AUDIT_ADMIN,
    }
)

# Read-only roles: they may look at everything in their area but change nothing.
READ_ONLY_ROLES = frozenset({RoleCode.AUDITOR, RoleCode.AUDIT_ADMIN})

# What the staff home tells each role to do next.
ROLE_DUTIES = {
    RoleCode.VILLAGE_OFFICER: _(
        "Record births, marriages, moves and contraception in your village; apply on residents' behalf; "
        "log household visits; confirm the monthly village report."
    ),
    RoleCode.COUNTER_CLERK: _(
        "Receive applications, issue the one-time notice of missing materials, process cases before "
        "their deadline, issue certificates and compile the 3-day, weekly and monthly reports."
    ),
    RoleCode.TOWNSHIP_HEAD: _(
        "Approve cases and reports of your township, take over as B role when a colleague is absent, "
        "follow up accountability records, and import and review your villages' data."
    ),
    RoleCode.COUNTY_STAFF: _(
        "Confirm benefit eligibility and payments, watch the county dashboards, handle petitions and "
        "allocate projects."
    ),
    RoleCode.CITY_STAFF: _(
        "Configure policy, read city statistics, exchange with other regions and supervise."
    ),
    RoleCode.AUDITOR: _(
        "Read the audit trail, overdue cases and accountability records. You change nothing."
    ),
    RoleCode.SYSTEM_ADMIN: _("Manage staff accounts, areas and system settings."),
    RoleCode.SECURITY_ADMIN: _("Unlock accounts, review lockouts and enforce the security policy."),
    RoleCode.AUDIT_ADMIN: _("Review the audit trail and verify that it is intact."),
}

# The one place besides ``permissions.GRANTS`` that names roles: the rest of the code asks these helpers
# (labels, the choices of the staff form, the duties on the home page) or a capability.
ROLE_CHOICES = RoleCode.choices


def role_code(code: str) -> str:
    """``code`` if it is a role's code; ValueError otherwise."""
    return RoleCode(code).value


def role_label(code: str) -> str:
    return str(RoleCode(code).label)


def duties_of(codes: set[str]) -> list[dict[str, str]]:
    """What the home page tells a user holding ``codes`` to do next, one entry per role."""
    return [{"role": role_label(code), "text": str(ROLE_DUTIES[RoleCode(code)])} for code in sorted(codes)]
