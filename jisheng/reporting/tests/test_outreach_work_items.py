"""The monthly form counts campaigns, publicity copies, contraceptive hand-outs, households visited and
pairings in force from outreach's records: the village officer no longer types them, the figures equal a
count made directly in the database, the rule on publicity copies per event holds on the counted figures,
and the records behind the contraceptive figure name no one (health data)."""

import datetime

import pytest
from django.db.models import Q, Sum

from jisheng.outreach import services as outreach
from jisheng.outreach.models import Campaign, Pairing, StockMovement, Visit
from jisheng.outreach.tests import factories
from jisheng.reporting import services
from jisheng.reporting.models import Report
from jisheng.reporting.verification import check_rules
from tests.factories import SETUP

from .helpers import fill_and_submit, on_time

DAY = datetime.date(2026, 10, 12)
BEFORE = datetime.date(2026, 9, 28)


def _campaign(area, on, name="关爱母亲"):
    return outreach.campaign_record(
        by=SETUP,
        area=area,
        name=name,
        kind="mothers",
        starts_on=on,
        ends_on=on,
        places="村委会广场",
        people_reached=40,
    )


@pytest.fixture
def outreach_month(areas, staff):
    """In village A in October: two events, 260 leaflets handed out (200 at an event, 60 to a person),
    contraceptives handed to two women three times; records of September and of village B beside them."""
    village, other = areas["village_a"], areas["village_b"]
    leaflets = outreach.supply_item_define(
        by=SETUP, code="leaflet", name="宣传册", kind="publicity", unit="册"
    )
    pills = outreach.supply_item_define(by=SETUP, code="pill", name="短效避孕药", kind="contraceptive")
    for area in (village, other):
        outreach.stock_receive(by=SETUP, area=area, item=leaflets, quantity=5000, received_on=BEFORE)
        outreach.stock_receive(
            by=SETUP,
            area=area,
            item=pills,
            quantity=50,
            received_on=BEFORE,
            expires_on=datetime.date(2028, 1, 1),
        )
    market = _campaign(village, DAY, "集市健康日")
    _campaign(village, DAY + datetime.timedelta(days=9))
    _campaign(village, BEFORE)  # September: not this month
    away = _campaign(other, DAY)  # another village
    outreach.stock_hand_out(
        by=SETUP, area=village, item=leaflets, quantity=200, moved_on=DAY, campaign=market
    )
    first, second = factories.person(village, name="李娟"), factories.person(village, name="赵敏")
    outreach.stock_hand_out(by=SETUP, area=village, item=leaflets, quantity=60, moved_on=DAY, person=first)
    outreach.stock_hand_out(
        by=SETUP, area=village, item=leaflets, quantity=30, moved_on=BEFORE, campaign=market
    )
    outreach.stock_hand_out(by=SETUP, area=other, item=leaflets, quantity=70, moved_on=DAY, campaign=away)
    for woman, quantity in ((first, 1), (first, 2), (second, 3)):
        outreach.stock_hand_out(
            by=SETUP, area=village, item=pills, quantity=quantity, moved_on=DAY, person=woman
        )
    outreach.stock_hand_out(by=SETUP, area=village, item=pills, quantity=5, moved_on=DAY, campaign=market)
    # Visits: one household twice and another once in October, a third in September; one pairing in
    # force at the month's end and one ended within it.
    homes = [factories.household(village) for _ in range(3)]
    for home, on in ((homes[0], DAY), (homes[0], DAY), (homes[1], DAY), (homes[2], BEFORE)):
        outreach.visit_record(
            by=SETUP, household=home, visited_on=on, met="户主", asked="", promised="", follow_up_due=None
        )
    cadre = staff["village"]
    outreach.pairing_start(by=SETUP, cadre=cadre, household=homes[0], difficulty="因病", started_on=BEFORE)
    ended = outreach.pairing_start(
        by=SETUP, cadre=cadre, household=homes[1], difficulty="因残", started_on=BEFORE
    )
    outreach.pairing_end(by=SETUP, pairing=ended, ended_on=DAY, reason="已脱困")
    return {"leaflets": leaflets, "market": market}


def _direct(village, month):
    """The three figures counted straight from outreach's tables."""
    within = {"moved_on__range": (month.start, month.end), "area": village}
    return {
        "campaign_sessions": Campaign.objects.filter(
            area=village, starts_on__range=(month.start, month.end)
        ).count(),
        "materials_distributed": -StockMovement.objects.filter(
            **within, item__kind="publicity", kind__startswith="handout"
        ).aggregate(n=Sum("quantity"))["n"],
        "contraceptives_distributed": StockMovement.objects.filter(
            **within, item__kind="contraceptive", kind=StockMovement.Kind.HANDOUT_PERSON
        ).count(),
        "households_visited": Visit.objects.filter(area=village, visited_on__range=(month.start, month.end))
        .values("household_id")
        .distinct()
        .count(),
        "pairings_active": Pairing.objects.filter(area=village, started_on__lte=month.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=month.end))
        .count(),
    }


@pytest.mark.django_db
def test_the_village_officer_finds_the_outreach_figures_counted_and_types_only_what_no_record_holds(
    areas, forms, month, staff, client_for, outreach_month
):
    village = areas["village_a"]
    client = client_for(staff["village"])
    opened = client.post("/reporting/open/", {"form": "village_month", "period": month.key})
    assert opened.status_code == 302, opened.content[:500]
    report = Report.objects.get(form=forms["village_month"], area=village, period_key=month.key)

    direct = _direct(village, month)
    assert direct == {
        "campaign_sessions": 2,
        "materials_distributed": 260,
        "contraceptives_distributed": 3,
        "households_visited": 2,
        "pairings_active": 1,
    }
    assert {code: report.values[code] for code in direct} == direct
    assert {code: report.registry_values[code] for code in direct} == direct
    html = client.get(f"/reporting/{report.pk}/").content.decode()
    for code, value in direct.items():
        assert f'name="{code}" value="{value}"' in html

    # The hand-entered items are the only ones left to type; then the report goes in.
    fill_and_submit(report, staff["village"], on_time(month))
    report.refresh_from_db()
    assert report.status == "submitted"
    assert {code: report.values[code] for code in direct} == direct

    # The township's compiled report adds its villages' counted figures.
    for other, officer in (("village_a2", "village2"),):
        below = services.report_open(
            form=forms["village_month"], period=month, area=areas[other], by=staff[officer]
        )
        fill_and_submit(below, staff[officer], on_time(month))
        services.report_approve(report=below, by=staff["clerk"])
    services.report_approve(report=report, by=staff["clerk"])
    township = services.report_compile(
        form=forms["village_month"], period=month, area=areas["township_a"], by=staff["clerk"]
    )
    assert {code: township.values[code] for code in direct} == direct


@pytest.mark.django_db
def test_more_publicity_copies_than_the_events_explain_is_flagged_on_the_counted_figures(
    areas, forms, month, staff, outreach_month
):
    village = areas["village_a"]
    report = services.report_open(
        form=forms["village_month"], period=month, area=village, by=staff["village"]
    )
    assert check_rules(forms["village_month"].spec(), report.values) == []  # 260 copies, 2 events

    # 4,000 more copies at the market day: 4,260 for two events is more than 2 × 2,000.
    outreach.stock_hand_out(
        by=SETUP,
        area=village,
        item=outreach_month["leaflets"],
        quantity=4000,
        moved_on=DAY,
        campaign=outreach_month["market"],
    )
    report.delete()
    report = services.report_open(
        form=forms["village_month"], period=month, area=village, by=staff["village"]
    )
    assert report.values["materials_distributed"] == _direct(village, month)["materials_distributed"] == 4260
    findings = check_rules(forms["village_month"].spec(), report.values)
    assert [finding["code"] for finding in findings] == ["materials_with_activity"]
    assert findings[0]["message"] == "宣传品发放份数（4260）与活动场次相比异常偏多（超过 4000 份）"


@pytest.mark.django_db
def test_the_records_behind_the_contraceptive_figure_name_no_one(
    areas, forms, month, staff, client_for, outreach_month
):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    client = client_for(staff["clerk"])
    html = client.get(f"/reporting/{report.pk}/records/contraceptives_distributed/").content.decode()
    assert html.count("<tr>") == 1 + 3  # the header and the three hand-outs to a person
    assert "李娟" not in html and "赵敏" not in html
    assert "隐藏" in html  # the person's column says the name is hidden (health data)
    campaigns = client.get(f"/reporting/{report.pk}/records/campaign_sessions/").content.decode()
    assert "集市健康日" in campaigns and "关爱母亲" in campaigns
