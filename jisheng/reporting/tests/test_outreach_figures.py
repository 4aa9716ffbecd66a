"""The monthly report's screening and pre-pregnancy figures are counted from outreach's records."""

import datetime

from jisheng.core.actor import DEMO
from jisheng.outreach import services
from jisheng.outreach.models import PrePregnancyCheck, Screening
from jisheng.outreach.tests import factories
from jisheng.reporting import compute, definitions
from jisheng.reporting.periods import containing

DAY = datetime.date.today().replace(day=1)


def _screen(woman, kind, on):
    screening = services.screening_invite(by=DEMO, woman=woman, kind=kind, invited_on=on)
    services.screening_record(by=DEMO, screening=screening, screened_on=on, result="normal")


def test_the_monthly_screening_figures_equal_a_count_made_directly_in_the_database(areas):
    village, other = areas["village_a"], areas["village_b"]
    last_month = DAY - datetime.timedelta(days=1)
    both = factories.person(village, name="甲")
    _screen(both, "cervical", DAY)
    _screen(both, "breast", DAY)  # one woman, screened for both: one woman screened
    _screen(factories.person(village, name="乙"), "breast", DAY)
    _screen(factories.person(village, name="丙"), "breast", last_month)  # another month
    _screen(factories.person(other, name="丁"), "cervical", DAY)  # another township
    services.screening_invite(
        by=DEMO, woman=factories.person(village, name="戊"), kind="cervical", invited_on=DAY
    )
    for name in ("己", "庚"):
        check = services.prepregnancy_book(by=DEMO, wife=factories.person(village, name=name), booked_on=DAY)
        services.prepregnancy_done(by=DEMO, check=check, done_on=DAY, result="normal")
    services.prepregnancy_book(by=DEMO, wife=factories.person(village, name="辛"), booked_on=DAY)

    period = containing("month", DAY)
    figures = compute.compute_area(definitions.form_files()["village_month"], period, village)

    screened = (
        Screening.objects.filter(area=village, screened_on__range=(period.start, period.end))
        .values("woman_id")
        .distinct()
        .count()
    )
    checked = PrePregnancyCheck.objects.filter(
        area=village, status="done", done_on__range=(period.start, period.end)
    ).count()
    assert figures["cancer_screened"] == screened == 2
    assert figures["prepregnancy_checked"] == checked == 2
    county = compute.compute_area(definitions.form_files()["village_month"], period, areas["county"])
    assert county["cancer_screened"] == 3


def test_outreach_work_figures_and_the_dashboard_card_equal_counts_made_directly_in_the_database(
    areas, forms, make_user, client_for
):
    from django.db.models import Sum

    from jisheng.outreach import queries as outreach_queries
    from jisheng.outreach.models import Campaign, Pairing, StockMovement, Visit
    from jisheng.reporting.measures import MEASURES, count_by_village

    village, other = areas["village_a"], areas["village_b"]
    today = datetime.date.today()
    start = today.replace(day=1)
    before = start - datetime.timedelta(days=3)
    for area, on, reached in (
        (village, today, 120),
        (village, start, 30),
        (other, today, 7),
        (village, before, 99),
    ):
        services.campaign_record(
            by=DEMO,
            area=area,
            name="关爱母亲",
            kind="mothers",
            starts_on=on,
            ends_on=on,
            places="集市",
            people_reached=reached,
        )
    leaflets = services.supply_item_define(
        by=DEMO, code="leaflet", name="宣传册", kind="publicity", unit="册"
    )
    pills = services.supply_item_define(by=DEMO, code="pill", name="避孕药", kind="contraceptive")
    for area in (village, other):
        services.stock_receive(by=DEMO, area=area, item=leaflets, quantity=500, received_on=before)
        services.stock_receive(
            by=DEMO,
            area=area,
            item=pills,
            quantity=50,
            received_on=before,
            expires_on=today + datetime.timedelta(days=400),
        )
    campaign = Campaign.objects.filter(area=village, starts_on=today).get()
    services.stock_hand_out(
        by=DEMO, area=village, item=leaflets, quantity=60, moved_on=today, campaign=campaign
    )
    services.stock_hand_out(
        by=DEMO, area=other, item=leaflets, quantity=15, moved_on=today, campaign=campaign
    )
    services.stock_hand_out(
        by=DEMO, area=village, item=leaflets, quantity=9, moved_on=before, campaign=campaign
    )
    for quantity in (1, 3):
        woman = factories.person(village, name="领药")
        services.stock_hand_out(
            by=DEMO, area=village, item=pills, quantity=quantity, moved_on=today, person=woman
        )
    home, next_door = factories.household(village), factories.household(village)
    for household in (home, home, next_door):
        services.visit_record(
            by=DEMO,
            household=household,
            visited_on=today,
            met="户主",
            asked="",
            promised="",
            follow_up_due=None,
        )
    cadre = make_user(village, "village_officer")
    services.pairing_start(by=DEMO, cadre=cadre, household=home, difficulty="因病", started_on=start)
    ended = services.pairing_start(
        by=DEMO, cadre=cadre, household=next_door, difficulty="因残", started_on=start
    )
    services.pairing_end(by=DEMO, pairing=ended, ended_on=today, reason="已脱困")

    def measured(code, area):
        counts = count_by_village(MEASURES[code], start, today, area.prefix, [])
        return sum(sum(grouped.values()) for grouped in counts.values())

    handouts = StockMovement.objects.filter(moved_on__range=(start, today), kind__startswith="handout")
    direct = {
        "outreach_campaigns_held": Campaign.objects.filter(
            area=village, starts_on__range=(start, today)
        ).count(),
        "outreach_people_reached": Campaign.objects.filter(
            area=village, starts_on__range=(start, today)
        ).aggregate(n=Sum("people_reached"))["n"],
        "outreach_publicity_handed_out": -handouts.filter(area=village, item__kind="publicity").aggregate(
            n=Sum("quantity")
        )["n"],
        "outreach_contraceptive_handouts": handouts.filter(
            area=village, item__kind="contraceptive", person__isnull=False
        ).count(),
        "outreach_households_visited": Visit.objects.filter(area=village, visited_on__range=(start, today))
        .values("household_id")
        .distinct()
        .count(),
        "outreach_pairings_active": Pairing.objects.filter(area=village, ended_on__isnull=True).count(),
    }
    assert direct == {
        "outreach_campaigns_held": 2,
        "outreach_people_reached": 150,
        "outreach_publicity_handed_out": 60,
        "outreach_contraceptive_handouts": 2,
        "outreach_households_visited": 2,
        "outreach_pairings_active": 1,
    }
    assert {code: measured(code, village) for code in direct} == direct
    assert measured("outreach_people_reached", areas["county"]) == 157
    assert measured("outreach_publicity_handed_out", areas["county"]) == 75

    # The dashboard's outreach card shows the same figures for the county.
    figures = outreach_queries.figures(areas["county"].prefix, start, today)
    assert figures["households_visited"] == 2 and figures["pairings_active"] == 1
    assert figures["handed_out"] == 60 + 15 + 4
    client = client_for(make_user(areas["county"], "county_staff"))
    html = client.get(f"/reporting/dashboard/?period={today:%Y}-M{today.month:02d}").content.decode()
    assert 'data-figure="households_visited"><strong>2</strong>' in html
    assert 'data-figure="handed_out"><strong>79</strong>' in html


def test_the_dashboards_outreach_card_is_kept_between_views_and_follows_a_visit_at_the_next_view(
    areas, forms, make_user, client_for, monkeypatch
):
    from jisheng.outreach import queries as outreach_queries
    from jisheng.reporting import live

    live.clear()
    today = datetime.date.today()
    village = areas["village_a"]
    counted: list[str] = []
    original = outreach_queries.figures

    def counting(prefix, start, end):
        counted.append(prefix)
        return original(prefix, start, end)

    monkeypatch.setattr(outreach_queries, "figures", counting)
    client = client_for(make_user(areas["county"], "county_staff"))
    url = f"/reporting/dashboard/?period={today:%Y}-M{today.month:02d}"

    first = client.get(url).content.decode()
    second = client.get(url).content.decode()
    services.visit_record(
        by=DEMO,
        household=factories.household(village),
        visited_on=today,
        met="户主",
        asked="",
        promised="",
        follow_up_due=None,
    )
    third = client.get(url).content.decode()

    assert 'data-figure="households_visited"><strong>0</strong>' in first
    assert 'data-figure="households_visited"><strong>0</strong>' in second
    assert 'data-figure="households_visited"><strong>1</strong>' in third
    assert len(counted) == 2  # the first view and the one after the visit; the second read what was kept
