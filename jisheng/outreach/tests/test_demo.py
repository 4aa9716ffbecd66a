import datetime
import io

from jisheng.outreach import demo
from jisheng.outreach.models import Handoff, Project, Screening, Visit

from . import factories


def test_the_demo_step_fills_the_pages_once_and_a_second_run_changes_nothing(areas, make_user):
    make_user(areas["village_a"], "village_officer", full_name="王村干")
    for index in range(3):
        household = factories.household(areas["village_a"])
        factories.person(
            areas["village_a"], name=f"刘{index}", household=household, born=datetime.date(1980, 1, 1)
        )
        factories.person(areas["village_a"], name=f"陈{index}", born=datetime.date(2000, 1, 1))
    out = io.StringIO()
    demo.populate(persons=10, seed=1, out=out)
    assert Visit.objects.count() == 3 and Screening.objects.count() == 3
    assert Project.objects.exists() and "走访服务" in out.getvalue()
    counts = (Visit.objects.count(), Handoff.objects.count(), Screening.objects.count())
    demo.populate(persons=10, seed=1, out=out)
    assert (Visit.objects.count(), Handoff.objects.count(), Screening.objects.count()) == counts


def test_the_demo_step_passes_over_a_woman_whose_check_the_hall_already_booked(areas, make_user):
    from jisheng.core.actor import DEMO
    from jisheng.outreach import services
    from jisheng.outreach.models import PrePregnancyCheck

    make_user(areas["village_a"], "village_officer", full_name="王村干")
    factories.household(areas["village_a"])
    wife = factories.person(areas["village_a"], name="陈芳", born=datetime.date(2000, 1, 1))
    services.prepregnancy_book(by=DEMO, wife=wife, booked_on=datetime.date.today())
    demo.populate(persons=10, seed=1, out=io.StringIO())
    assert PrePregnancyCheck.objects.filter(wife=wife).count() == 1
