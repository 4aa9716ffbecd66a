"""A certificate PDF carries the holder's full ID number: each download is logged as a disclosure."""

from typing import Any

from jisheng.audit.models import AuditEvent
from jisheng.certificates import services


def test_a_staff_download_of_a_certificate_leaves_a_disclosure_event(
    areas: dict[str, Any], make_user: Any, client_for: Any
) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    certificate = services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name="王小红",
        holder_id_number="411723199203154526",
        details={"配偶": "李强"},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )
    response = client_for(clerk).get(f"/certificates/{certificate.pk}/pdf")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="disclosure.certificate_pdf")
    assert event.actor_username == clerk.username
    assert event.object_repr == certificate.number
    assert event.after["count"] == 1 and "id_number" in event.after["fields"]
