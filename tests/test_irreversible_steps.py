"""Irreversible steps ask first: revoking a certificate (two people), merging persons and unlocking a
report need a ticked confirmation and a reason kept in the audit; full ID numbers are masked on case
and certificate pages and shown only through the registry's audited reveal."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.certificates import services
from jisheng.certificates.models import Certificate, RevocationRequest
from tests.factories import make_person

HOLDER_ID = "411723199203154526"


@pytest.fixture
def certificate(areas: dict[str, Any], make_user: Any) -> Certificate:
    clerk = make_user(areas["township_a"], "counter_clerk", username="issuer")
    return services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name="王小红",
        holder_id_number=HOLDER_ID,
        details={"配偶": "李强"},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )


@pytest.mark.django_db
def test_a_clerks_revocation_request_leaves_the_certificate_valid_until_a_township_head_approves(
    certificate, areas, make_user, client_for
):
    clerk = client_for(make_user(areas["township_a"], "counter_clerk", username="clerk"))
    head = client_for(make_user(areas["township_a"], "township_head", username="head"))
    url = f"/certificates/{certificate.pk}/"

    clerk.post(url + "revoke", {"reason": "骗取证件"})  # no confirmation ticked
    assert not RevocationRequest.objects.exists()
    clerk.post(url + "revoke", {"reason": "骗取证件", "confirm": "yes"})
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert AuditEvent.objects.filter(action="certificates.revoke_request", reason="骗取证件").exists()
    assert "骗取证件" in head.get(url).content.decode()

    head.post(url + "revoke/decide", {"decision": "approve", "confirm": "yes"})
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revoked_reason == "骗取证件"
    event = AuditEvent.objects.get(action="certificates.revoke")
    assert event.reason == "骗取证件" and event.actor_username == "head"
    assert event.after["requested_by"] == "clerk"


@pytest.mark.django_db
def test_the_requester_cannot_approve_their_own_revocation_and_a_clerk_cannot_approve_at_all(
    certificate, areas, make_user
):
    head = make_user(areas["township_a"], "township_head")
    clerk = make_user(areas["township_a"], "counter_clerk")
    revocation = services.certificate_revoke_request(certificate=certificate, reason="信息有误", by=head)
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.certificate_revoke_decide(revocation=revocation, approve=True, note="", by=head)
    with pytest.raises(PermissionDenied):
        services.certificate_revoke_decide(revocation=revocation, approve=True, note="", by=clerk)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


@pytest.mark.django_db
def test_a_rejection_says_why_and_the_certificate_stays_valid(certificate, areas, make_user):
    clerk = make_user(areas["township_a"], "counter_clerk")
    head = make_user(areas["township_a"], "township_head")
    revocation = services.certificate_revoke_request(certificate=certificate, reason="信息有误", by=clerk)
    with pytest.raises(ValidationError):
        services.certificate_revoke_decide(revocation=revocation, approve=False, note=" ", by=head)
    services.certificate_revoke_decide(
        revocation=revocation, approve=False, note="材料齐全，无需撤销", by=head
    )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert AuditEvent.objects.filter(
        action="certificates.revoke_reject", reason="材料齐全，无需撤销"
    ).exists()


@pytest.mark.django_db
def test_a_revocation_needs_a_reason(certificate, areas, make_user):
    clerk = make_user(areas["township_a"], "counter_clerk")
    with pytest.raises(ValidationError):
        services.certificate_revoke_request(certificate=certificate, reason="  ", by=clerk)


@pytest.mark.django_db
def test_the_certificate_page_masks_the_holders_id_and_reveals_it_through_the_registry(
    certificate, areas, make_user, client_for
):
    holder = make_person(area=areas["village_a"], name="王小红", sex="2", birth=datetime.date(1992, 3, 15))
    Certificate.objects.filter(pk=certificate.pk).update(holder_id_number=holder.id_number)
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert holder.id_number not in page
    assert holder.id_number[:6] + "********" + holder.id_number[-4:] in page
    assert f"/registry/persons/{holder.pk}/reveal/" in page
    shown = client.post(
        f"/registry/persons/{holder.pk}/reveal/", {"field": "id_number", "reason": "核对证件"}
    )
    assert holder.id_number in shown.content.decode()
    assert AuditEvent.objects.filter(action="person.reveal_id", reason="核对证件").exists()


@pytest.mark.django_db
def test_the_case_page_masks_the_applicants_id_and_phone(areas, make_user, client_for):
    from jisheng.hall.models import Application
    from jisheng.hall.tests.scoping import make_objects

    application = next(
        o for o in make_objects(area=areas["village_a"], marker="甲") if isinstance(o, Application)
    )
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    page = client.get(f"/hall/cases/{application.pk}/").content.decode()
    assert application.applicant_id_number not in page
    assert application.applicant_id_number[-4:] in page
    assert application.applicant_phone not in page
    assert f"/registry/persons/{application.person_id}/reveal/" in page


@pytest.mark.django_db
def test_merging_persons_needs_a_ticked_confirmation_and_a_reason(areas, make_user, client_for):
    from jisheng.registry.models import DuplicateCandidate

    birth = datetime.date(1990, 5, 1)
    one = make_person(area=areas["village_a"], name="陈红", sex="2", birth=birth)
    other = make_person(area=areas["village_a"], name="陈红", sex="2", birth=birth)
    pair = DuplicateCandidate.objects.create(
        person_a=one,
        person_b=other,
        reason=DuplicateCandidate.Reason.SAME_NAME_BIRTH,
        area=areas["village_a"],
    )
    client = client_for(make_user(areas["county"], "county_staff"))
    url = f"/registry/duplicates/{pair.pk}/decide/"
    client.post(url, {"decision": "merge", "survivor": one.pk, "note": "同一人"})
    client.post(url, {"decision": "merge", "survivor": one.pk, "note": "", "confirm": "yes"})
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.PENDING
    client.post(url, {"decision": "merge", "survivor": one.pk, "note": "同一人", "confirm": "yes"})
    pair.refresh_from_db()
    assert pair.status != DuplicateCandidate.Status.PENDING
    assert AuditEvent.objects.filter(action="registry.duplicate_merge", reason="同一人").exists()
