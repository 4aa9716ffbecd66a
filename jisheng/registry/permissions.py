"""Which roles use which registry pages."""

from typing import Any

from jisheng.accounts.roles import RoleCode

READ_ROLES = (
    RoleCode.VILLAGE_OFFICER,
    RoleCode.COUNTER_CLERK,
    RoleCode.TOWNSHIP_HEAD,
    RoleCode.COUNTY_STAFF,
    RoleCode.CITY_STAFF,
    RoleCode.AUDITOR,
)
# The township head imports for the township's villages (their data are gathered at the township
# as often as in the village) and reviews what the villages imported.
IMPORT_ROLES = (
    RoleCode.VILLAGE_OFFICER,
    RoleCode.COUNTER_CLERK,
    RoleCode.TOWNSHIP_HEAD,
    RoleCode.COUNTY_STAFF,
)
IMPORT_REVIEW_ROLES = (RoleCode.TOWNSHIP_HEAD, RoleCode.COUNTY_STAFF)


def reviews_imports(user: Any) -> bool:
    """Whether the import page lists every import of the user's area, not only the user's own."""
    return bool(user.has_role(*IMPORT_REVIEW_ROLES))


DUPLICATE_ROLES = (RoleCode.COUNTER_CLERK, RoleCode.TOWNSHIP_HEAD, RoleCode.COUNTY_STAFF, RoleCode.AUDITOR)
