"""Demo step: one staff account for every role, all with the documented demo password."""

from typing import Any

from django.db import transaction

from jisheng.areas.models import Area
from jisheng.core.actor import DEMO

from .models import User
from .roles import RoleCode
from .services import user_create

ORDER = 20
DEMO_PASSWORD = "Jisheng#2026"

# username, area code, roles, full name
DEMO_STAFF = [
    ("village", "411723101201", [RoleCode.VILLAGE_OFFICER], "王秀兰"),
    ("clerk", "411723101000", [RoleCode.COUNTER_CLERK], "李红梅"),
    ("clerk2", "411723101000", [RoleCode.COUNTER_CLERK], "赵丽娟"),
    ("township", "411723101000", [RoleCode.TOWNSHIP_HEAD], "张建国"),
    ("clerk-sheqiao", "411723102000", [RoleCode.COUNTER_CLERK], "孙亚楠"),
    ("county", "411723000000", [RoleCode.COUNTY_STAFF], "刘志强"),
    # a second county officer: four eyes — the one who approves a batch or report does not pay it
    ("county2", "411723000000", [RoleCode.COUNTY_STAFF], "黄海燕"),
    ("city", "411700000000", [RoleCode.CITY_STAFF], "陈卫东"),
    ("auditor", "411723000000", [RoleCode.AUDITOR], "周敏"),
    ("sysadmin", "411723000000", [RoleCode.SYSTEM_ADMIN], "吴磊"),
    ("secadmin", "411723000000", [RoleCode.SECURITY_ADMIN], "郑洁"),
    ("auditadmin", "411723000000", [RoleCode.AUDIT_ADMIN], "冯涛"),
]


@transaction.atomic
def populate(*, persons: int, seed: int, out: Any) -> None:
    created = 0
    for username, code, roles, full_name in DEMO_STAFF:
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            area=Area.objects.get(code=code),
            roles=[str(role) for role in roles],
            full_name=full_name,
            by=DEMO,
            validate=False,
        )
        created += 1
    out.write(f"工作人员账号: 新增 {created}, 共 {len(DEMO_STAFF)}")
