"""Residents arrive at the portal: the site root and the title bar lead there; staff sign in by a link."""

from __future__ import annotations

from typing import Any


def test_the_site_root_leads_a_resident_to_the_portal(client: Any, catalogue: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/portal/"
    portal = client.get("/portal/").content.decode()
    assert 'class="brand" href="/portal/"' in portal
    assert 'id="staff-sign-in" href="/accounts/login/"' in portal and "工作人员登录" in portal


def test_signed_in_staff_still_get_their_home_at_the_root(
    areas: Any, make_user: Any, client_for: Any
) -> None:
    clerk = client_for(make_user(areas["township_a"], "counter_clerk"))
    response = clerk.get("/")
    assert response.status_code == 200 and 'id="staff-sign-in"' not in response.content.decode()
