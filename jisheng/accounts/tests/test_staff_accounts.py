from jisheng.accounts.models import User
from jisheng.audit.models import AuditEvent


def test_the_system_administrator_creates_an_account_that_must_change_its_password(
    areas, make_user, client_for
):
    admin = make_user(areas["county"], "system_admin", username="sys")
    client = client_for(admin)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "newclerk",
            "full_name": "新窗口",
            "area": areas["township_a"].code,
            "roles": ["counter_clerk"],
            "password": "Start#2026pw",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="newclerk")
    assert created.must_change_password and created.has_role("counter_clerk")
    assert AuditEvent.objects.filter(action="account.create", actor_username="sys").exists()
    fresh = client_for(created)
    assert fresh.get("/").url == "/accounts/password/"


def test_an_account_cannot_be_placed_outside_the_administrators_area(areas, make_user, client_for):
    admin = make_user(areas["township_a"], "system_admin")
    response = client_for(admin).post(
        "/accounts/users/new/",
        {
            "username": "x1",
            "full_name": "越界",
            "area": areas["township_b"].code,
            "roles": ["counter_clerk"],
            "password": "Start#2026pw",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="x1").exists()


def test_a_weak_initial_password_is_refused(areas, make_user, client_for):
    admin = make_user(areas["county"], "system_admin")
    response = client_for(admin).post(
        "/accounts/users/new/",
        {
            "username": "weakuser",
            "full_name": "弱密码",
            "area": areas["township_a"].code,
            "roles": ["counter_clerk"],
            "password": "abcdefgh",
        },
    )
    assert "密码须至少包含" in response.content.decode()
    assert not User.objects.filter(username="weakuser").exists()


def test_the_audit_administrator_cannot_manage_accounts(areas, make_user, client_for):
    auditadmin = make_user(areas["county"], "audit_admin")
    assert client_for(auditadmin).get("/accounts/users/new/").status_code == 403
