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
