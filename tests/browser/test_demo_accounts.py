"""A person can sign in as every demo account in Chromium and reaches a home in Chinese."""

import io

import pytest

from jisheng.accounts.demo import DEMO_PASSWORD, DEMO_STAFF
from jisheng.accounts.demo import populate as populate_staff
from jisheng.areas.demo import populate as populate_areas
from tests.browser.conftest import login


@pytest.mark.django_db(transaction=True)
def test_every_demo_account_signs_in_and_sees_its_home(page):
    populate_areas(persons=0, seed=1, out=io.StringIO())
    populate_staff(persons=0, seed=1, out=io.StringIO())
    for username, _code, _roles, full_name in DEMO_STAFF:
        page.context.clear_cookies()
        login(page, username, DEMO_PASSWORD)
        heading = page.locator("h1").inner_text()
        assert heading.startswith(f"欢迎，{full_name}"), (username, heading)
