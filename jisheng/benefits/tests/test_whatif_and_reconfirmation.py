"""What-if by township, and the annual re-confirmation that stops benefits the registry no longer supports."""

import datetime
from decimal import Decimal

from jisheng.audit.models import AuditEvent
from jisheng.benefits import services, whatif
from jisheng.benefits.models import Enrolment
from jisheng.benefits.rules import get_programme
from jisheng.registry.models import Person

from .factories import person

D = datetime.date


def test_raising_childcare_subsidy_to_5000_shows_the_difference_by_township(areas):
    person(areas["village_a"], "甲", "1", D(2025, 1, 5))
    person(areas["village_a2"], "乙", "2", D(2022, 7, 20))  # 6 months in 2025
    person(areas["village_b"], "丙", "1", D(2024, 4, 4))
    comparison = whatif.compare(
        get_programme("childcare_subsidy"), 2025, areas["county"].code, Decimal("5000")
    )
    rows = {row.name: row for row in comparison.rows}
    assert rows["庙湾镇"].current_total == Decimal("5400.00")  # 3600 + 1800
    assert rows["庙湾镇"].draft_total == Decimal("7500.00")  # 5000 + 2500
    assert rows["射桥镇"].total_change == Decimal("1400.00")
    assert rows["庙湾镇"].persons_change == 0
    assert comparison.totals.total_change == Decimal("3500.00")


def test_reconfirmation_stops_the_dead_the_moved_and_those_over_the_age_limit_with_reasons(areas, make_user):
    village = areas["village_a"]
    officer = make_user(village, "village_officer")
    kept = person(village, "仍符合", "1", D(2024, 1, 1))
    died = person(village, "已故", "1", D(2024, 1, 1))
    moved = person(village, "迁出", "1", D(2024, 1, 1))
    grown = person(village, "满三岁", "1", D(2023, 1, 10))
    for who in (kept, died, moved, grown):
        Enrolment.objects.create(
            person=who, area=village, programme_id="childcare_subsidy", since_year=2025, confirmed_year=2025
        )
    Person.objects.filter(pk=died.pk).update(status="dead", death_date=D(2025, 10, 1))
    Person.objects.filter(pk=moved.pk).update(status="moved_out")
    counts = services.enrolments_reconfirm(
        programme_id="childcare_subsidy", year=2026, area=village, by=officer
    )
    assert counts == {"confirmed": 1, "stopped": 3}
    reasons = dict(Enrolment.objects.filter(status="stopped").values_list("person__name", "stop_reason"))
    assert "已死亡" in reasons["已故"] and "已迁出" in reasons["迁出"]
    assert "满 3 周岁当月起不计" in reasons["满三岁"]
    assert AuditEvent.objects.filter(action="benefits.enrolment_stop").count() == 3


def test_the_command_compares_a_draft_rule_file_and_prints_the_difference(areas, tmp_path, capsys):
    import json

    from django.core.management import call_command

    from jisheng.benefits.rules import RULES_DIR

    person(areas["village_b"], "丙", "1", D(2024, 4, 4))
    draft = tmp_path / "draft.toml"
    draft.write_text(
        (RULES_DIR / "childcare_subsidy.toml").read_text(encoding="utf-8").replace('"3600.00"', '"5000.00"'),
        encoding="utf-8",
    )
    call_command(
        "benefits", "whatif", "childcare_subsidy", "--year", "2025", "--area", "411723", "--draft", str(draft)
    )
    out = json.loads(capsys.readouterr().out)
    assert out["total"]["total_change"] == "1400.00"
    assert [row["name"] for row in out["rows"]] == ["射桥镇"]
