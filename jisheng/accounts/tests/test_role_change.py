"""A staff member's roles change on the administrators' page, and what the old roles allowed stops at
once: the member's sessions end and their API tokens are revoked, in the change's transaction."""

from django.test import Client

from jisheng.accounts.models import AccessToken, User
from jisheng.accounts.services import token_create
from jisheng.audit.models import AuditEvent


def test_changing_a_members_roles_ends_their_sessions_and_revokes_their_tokens(areas, make_user, client_for):
    admin = make_user(areas["county"], "system_admin", username="sys")
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerkx")
    clerk_client = client_for(clerk)
    assert clerk_client.get("/hall/").status_code == 200
    token, key = token_create(user=clerk, name="终端", by=clerk)

    page = client_for(admin).post(f"/accounts/users/{clerk.pk}/roles/", {"roles": ["village_officer"]})

    assert page.status_code == 302
    assert User.objects.get(pk=clerk.pk).role_codes() == {"village_officer"}
    assert clerk_client.get("/hall/").url.startswith("/accounts/login/")  # the old session is gone
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None
    assert Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    event = AuditEvent.objects.get(action="account.roles_change")
    assert (event.actor_username, event.before, event.after) == (
        "sys",
        {"roles": ["counter_clerk"]},
        {"roles": ["village_officer"]},
    )


def test_nobody_changes_their_own_roles_and_nobody_outside_the_area_changes_anyones(
    areas, make_user, client_for
):
    admin = make_user(areas["township_a"], "security_admin")
    other_township = make_user(areas["township_b"], "counter_clerk")
    own = client_for(admin).post(f"/accounts/users/{admin.pk}/roles/", {"roles": ["system_admin"]})
    assert own.status_code == 200 and "不能更改本人的角色" in own.content.decode()
    outside = client_for(admin).post(f"/accounts/users/{other_township.pk}/roles/", {"roles": ["auditor"]})
    assert outside.status_code == 404
    clerk = make_user(areas["village_a"], "village_officer")
    assert client_for(clerk).get(f"/accounts/users/{clerk.pk}/roles/").status_code == 403
    assert User.objects.get(pk=admin.pk).role_codes() == {"security_admin"}
    assert User.objects.get(pk=other_township.pk).role_codes() == {"counter_clerk"}
