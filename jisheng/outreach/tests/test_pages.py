"""The outreach pages: the phone forms call the services, health data stay masked on every list and in
the export unless a reason is given, and list pages take a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import DEMO
from jisheng.outreach import services
from jisheng.outreach.models import Handoff, Screening, StockMovement, Visit

from . import factories

TODAY = datetime.date.today()
NEXT_YEAR = TODAY + datetime.timedelta(days=365)


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer", full_name="李干部")


def _screenings(areas, n):
    for index in range(n):
        woman = factories.person(areas["village_a"], name=f"赵{index}")
        screening = services.screening_invite(by=DEMO, woman=woman, kind="cervical", invited_on=TODAY)
        services.screening_record(
            by=DEMO, screening=screening, screened_on=TODAY, result="suspected", referral="县医院肿瘤科"
        )


def test_a_village_officer_records_a_visit_from_the_phone_form(areas, officer, client_for):
    household = factories.household(areas["village_a"], number="H0001")
    client = client_for(officer)
    response = client.post(
        reverse("outreach:visit_new"),
        {
            "household": "h 0001",
            "visited_on": TODAY.isoformat(),
            "met": "户主",
            "asked": "危房改造",
            "promised": "",
            "follow_up_due": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    visit = Visit.objects.get()
    assert visit.household == household and Handoff.objects.get().visit == visit
    page = client.get(reverse("outreach:household", args=[household.pk])).content.decode()
    assert "危房改造" in page


def test_an_unknown_household_number_is_refused_on_its_field(areas, officer, client_for):
    response = client_for(officer).post(
        reverse("outreach:visit_new"), {"household": "NOPE", "visited_on": TODAY.isoformat()}
    )
    assert (
        response.status_code == 200
        and "No household" in response.content.decode()
        or "户" in response.content.decode()
    )
    assert not Visit.objects.exists()


def test_health_data_are_masked_on_the_list_and_shown_with_a_reason_that_is_audited(
    areas, officer, client_for
):
    _screenings(areas, 1)
    client = client_for(officer)
    page = client.get(reverse("outreach:health") + "?kind=screening").content.decode()
    assert "县医院肿瘤科" not in page and "●●●" in page
    screening = Screening.objects.get()
    shown = client.post(
        reverse("outreach:health_reveal", args=["screening", screening.pk]), {"reason": "转诊随访"}
    )
    assert "县医院肿瘤科" in shown.content.decode()
    assert AuditEvent.objects.filter(action="outreach.health_reveal", reason="转诊随访").exists()


def test_the_health_export_is_masked_unless_a_reason_is_given_and_both_are_disclosures(
    areas, officer, client_for
):
    _screenings(areas, 2)
    client = client_for(officer)
    masked = client.get(reverse("outreach:health_export") + "?kind=screening").content.decode()
    assert "县医院肿瘤科" not in masked and masked.count("●●●") == 4
    revealed = client.get(
        reverse("outreach:health_export") + "?kind=screening&reason=上报卫健委"
    ).content.decode()
    assert revealed.count("县医院肿瘤科") == 2
    kinds = list(AuditEvent.objects.filter(action__startswith="disclosure.").values_list("action", "reason"))
    assert ("disclosure.outreach_health_masked", "") in kinds and (
        "disclosure.outreach_health",
        "上报卫健委",
    ) in kinds


def test_a_hand_out_from_the_phone_form_is_on_the_persons_file_without_its_contents(
    areas, officer, client_for
):
    item = services.supply_item_define(by=DEMO, code="pill", name="口服避孕药", kind="contraceptive")
    services.stock_receive(
        by=DEMO, area=areas["village_a"], item=item, quantity=10, received_on=TODAY, expires_on=NEXT_YEAR
    )
    woman = factories.person(areas["village_a"])
    client = client_for(officer)
    response = client.post(
        reverse("outreach:handout_new"),
        {"item": str(item.pk), "quantity": "2", "person_id": woman.id_number, "moved_on": TODAY.isoformat()},
    )
    assert response.status_code == 302, response.content.decode()
    assert StockMovement.objects.get(kind="handout_person").person == woman
    from django.apps import apps

    entries = apps.get_app_config("outreach").person_timeline(woman, officer)
    assert len(entries) == 1 and entries[0]["date"] == TODAY and "口服避孕药" not in str(entries)


LIST_PAGES = [
    ("visits", ""),
    ("handoffs", ""),
    ("health", "?kind=screening"),
    ("health", "?kind=prepregnancy"),
    ("health", "?kind=referral"),
    ("supplies", ""),
    ("campaigns", ""),
    ("gifts", ""),
    ("pairings", ""),
    ("projects", ""),
    ("project_audit", ""),
]


def _rows(areas, item, n):
    village = areas["village_a"]
    _screenings(areas, n)
    for index in range(n):
        household = factories.household(village)
        woman = factories.person(village, household=household)
        visit = services.visit_record(
            by=DEMO,
            household=household,
            visited_on=TODAY,
            met="",
            asked="修路",
            promised="",
            follow_up_due=None,
        )
        services.gift_propose(by=DEMO, visit=visit, occasion="5.29", money="100")
        services.campaign_record(
            by=DEMO,
            area=village,
            name=f"集市{index}",
            kind="market_day",
            starts_on=TODAY,
            ends_on=TODAY,
            places="集市",
        )
        services.stock_hand_out(by=DEMO, area=village, item=item, quantity=1, moved_on=TODAY, person=woman)
        services.prepregnancy_book(by=DEMO, wife=woman, booked_on=TODAY)
        services.referral_record(
            by=DEMO, person=woman, kind="infertility", referred_on=TODAY, referred_to="市医院"
        )
        services.pairing_start(
            by=DEMO, cadre=areas["cadre"], household=household, difficulty="因病", started_on=TODAY
        )
        services.need_submit(
            by=DEMO, area=village, year=TODAY.year, kind="boards", title=f"宣传栏{index}", cost="1000"
        )


def test_the_list_pages_take_the_same_number_of_queries_for_one_row_as_for_six(areas, make_user, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = make_user(areas["village_a"], "village_officer", "township_head", "auditor")
    areas = {**areas, "cadre": officer}
    item = services.supply_item_define(by=DEMO, code="pill", name="口服避孕药", kind="contraceptive")
    services.stock_receive(
        by=DEMO, area=areas["village_a"], item=item, quantity=100, received_on=TODAY, expires_on=NEXT_YEAR
    )
    client = client_for(officer)

    def counts():
        found = {}
        for name, query in LIST_PAGES:
            with CaptureQueriesContext(connection) as context:
                assert client.get(reverse(f"outreach:{name}") + query).status_code == 200, name
            found[name + query] = len(context.captured_queries)
        return found

    _rows(areas, item, 1)
    client.get(reverse("outreach:index"))  # the first request of a session costs its own queries
    one = counts()
    _rows(areas, item, 5)
    assert counts() == one
    assert max(one.values()) <= 14, one


def test_every_outreach_page_opens_for_a_county_officer(areas, make_user, client_for):
    county = make_user(areas["county"], "county_staff")
    client = client_for(county)
    for name in [
        "index",
        "visits",
        "visit_new",
        "handoffs",
        "pairings",
        "health",
        "screening_new",
        "prepregnancy_new",
        "referral_new",
        "supplies",
        "receive",
        "transfer",
        "handout_new",
        "campaigns",
        "campaign_new",
        "gifts",
        "projects",
        "allocate",
        "project_audit",
    ]:
        assert client.get(reverse(f"outreach:{name}")).status_code == 200, name
