from typing import Any

from jisheng.certificates import services
from jisheng.certificates.models import Certificate


def make_objects(*, area: Any, marker: str) -> list[Certificate]:
    from jisheng.accounts.models import User

    clerk = User.objects.create_user(username=f"cert-{marker}", password="x", area=area.parent)
    certificate = services.certificate_issue(
        kind="生育服务证",
        area=area,
        issuer=area.parent,
        holder_name=marker,
        holder_id_number="411723199001011234",
        details={"备注": marker},
        source_ref=marker,
        by=clerk,
    )
    return [certificate]
