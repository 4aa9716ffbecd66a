"""Which roles use which registry pages."""

from jisheng.accounts.roles import RoleCode

READ_ROLES = (
    RoleCode.VILLAGE_OFFICER,
    RoleCode.COUNTER_CLERK,
    RoleCode.TOWNSHIP_HEAD,
    RoleCode.COUNTY_STAFF,
    RoleCode.CITY_STAFF,
    RoleCode.AUDITOR,
)
IMPORT_ROLES = (RoleCode.VILLAGE_OFFICER, RoleCode.COUNTER_CLERK, RoleCode.COUNTY_STAFF)
DUPLICATE_ROLES = (RoleCode.COUNTER_CLERK, RoleCode.TOWNSHIP_HEAD, RoleCode.COUNTY_STAFF, RoleCode.AUDITOR)
