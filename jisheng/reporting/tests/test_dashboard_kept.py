"""The dashboard's body is kept between views (``live.page``): never shown to a viewer of another scope or
language, and drawn again at the first view after a change it shows, a registry row or an audited report
step alike."""

import datetime
import re
import uuid

import pytest

from jisheng.reporting import dashboard, live, services

from .helpers import births, fill_and_submit, on_time

URL = "/reporting/dashboard/?period=2026-M10"


@pytest.fixture
def drawings(monkeypatch):
    """The body of each drawing of the page."""
    drawn: list[str] = []
    original = dashboard._dashboard_body

    def counting(*args):
        body = original(*args)
        drawn.append(body)
        return body

    monkeypatch.setattr(dashboard, "_dashboard_body", counting)
    return drawn


@pytest.fixture
def nothing_changes(monkeypatch):
    """The stamp held still: these tests count drawings to show with whom a kept page is shared (that the
    stamp's moves draw it again is what the tests of changes check)."""
    still = (1, uuid.uuid4().hex)  # this test's own: pages kept by another test never match
    monkeypatch.setattr(live._shared, "stamp", lambda: still)


def _areas_shown(html: str) -> set[str]:
    return set(re.findall(r'<tr data-area="(\d+)"', html))


def _heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found
    return found.group(1)


@pytest.mark.django_db
def test_two_townships_never_get_each_others_kept_dashboard(
    registry, make_user, client_for, drawings, nothing_changes
):
    township_a, township_b = registry["township_a"], registry["township_b"]
    first_a = client_for(make_user(township_a, "township_head"))
    second_a = client_for(make_user(township_a, "township_head"))
    only_b = client_for(make_user(township_b, "township_head"))

    html_a = first_a.get(URL).content.decode()
    html_b = only_b.get(URL).content.decode()
    again_a = second_a.get(URL).content.decode()
    again_b = only_b.get(URL).content.decode()

    assert len(drawings) == 2  # one drawing per scope; the second officer of A got A's kept page
    assert township_a.name in _heading(html_a) and township_a.name in _heading(again_a)
    assert township_b.name in _heading(html_b) and township_b.name in _heading(again_b)
    villages_a = {code for code in _areas_shown(html_a) if code.startswith(township_a.prefix)}
    villages_b = {code for code in _areas_shown(html_b) if code.startswith(township_b.prefix)}
    assert villages_a and villages_b
    assert _areas_shown(html_a) == _areas_shown(again_a) == villages_a
    assert _areas_shown(html_b) == _areas_shown(again_b) == villages_b
    # Asking for the other township's page by its code is refused, kept page or not.
    assert only_b.get(f"{URL}&area={township_a.code}").status_code == 404
    assert len(drawings) == 2


@pytest.mark.django_db
def test_a_county_officer_looking_at_a_township_does_not_get_the_townships_own_page(
    registry, make_user, client_for, drawings, nothing_changes
):
    township = registry["township_a"]
    own = client_for(make_user(township, "township_head")).get(URL).content.decode()
    from_above = client_for(make_user(registry["county"], "county_staff"))
    html = from_above.get(f"{URL}&area={township.code}").content.decode()
    assert len(drawings) == 2  # the breadcrumb differs: from the county down, or the township alone
    assert registry["county"].name not in _heading(own)
    assert f"?area={registry['county'].code}&period=" in html
    assert f"?area={registry['county'].code}&period=" not in own


@pytest.mark.django_db
def test_each_language_gets_its_own_kept_dashboard(
    registry, make_user, client_for, drawings, nothing_changes
):
    county = client_for(make_user(registry["county"], "county_staff"))
    chinese = county.get(URL).content.decode()
    county.cookies["django_language"] = "en"
    english = county.get(URL).content.decode()
    assert "数据看板" in _heading(chinese) and "Dashboard" in _heading(english)
    assert len(drawings) == 2


@pytest.mark.django_db
def test_a_registry_change_the_dashboard_shows_is_shown_at_the_next_view(
    registry, make_user, client_for, drawings
):
    county = client_for(make_user(registry["county"], "county_staff"))
    before = county.get(URL).content.decode()
    kept = county.get(URL).content.decode()
    drawn = len(drawings)
    births(registry["village_b"], datetime.date(2026, 10, 20), male=1)
    after = county.get(URL).content.decode()

    township_b = registry["township_b"].code
    assert re.search(rf'<tr data-area="{township_b}">.*?<td>19</td>', before, re.S)
    assert re.search(rf'<tr data-area="{township_b}">.*?<td>19</td>', kept, re.S)
    assert re.search(rf'<tr data-area="{township_b}">.*?<td>20</td>', after, re.S)
    assert len(drawings) == drawn + 1


@pytest.mark.django_db
def test_a_report_submitted_is_counted_in_the_completeness_table_at_the_next_view(
    registry, forms, month, make_user, client_for, drawings
):
    village = registry["village_a"]
    officer = make_user(village, "village_officer")
    county = client_for(make_user(registry["county"], "county_staff"))

    def submitted(html: str) -> str:
        row = re.search(
            rf'<table id="completeness">.*?<tr data-area="{registry["township_a"].code}">'
            r"<td>[^<]*</td><td>(\d+)</td><td>(\d+)</td>",
            html,
            re.S,
        )
        assert row
        return row.group(2)

    assert submitted(county.get(URL).content.decode()) == "0"
    assert submitted(county.get(URL).content.decode()) == "0"
    drawn = len(drawings)
    report = services.report_open(form=forms["village_month"], period=month, area=village, by=officer)
    fill_and_submit(report, officer, on_time(month))
    assert submitted(county.get(URL).content.decode()) == "1"
    assert len(drawings) == drawn + 1


@pytest.mark.django_db
def test_forgetting_the_kept_figures_forgets_the_kept_pages(registry, make_user, client_for, drawings):
    county = client_for(make_user(registry["county"], "county_staff"))
    county.get(URL)
    live.clear()
    county.get(URL)
    assert len(drawings) == 2


@pytest.mark.django_db
def test_a_kept_dashboard_outlives_a_cache_full_of_other_figures(
    registry, make_user, client_for, drawings, nothing_changes
):
    """The file cache deletes a random third of its entries at each write once it holds its maximum
    (Django's default, 300): a county's figures passed that, and kept pages vanished at random."""
    from django.core.cache import cache

    county = client_for(make_user(registry["county"], "county_staff"))
    county.get(URL)
    for number in range(400):  # a county's villages, townships and months of figures
        cache.set(f"reporting.live.other.{number}", number)
    live._shared._local.clear()  # another worker process: only the shared cache holds the page
    county.get(URL)
    assert len(drawings) == 1
