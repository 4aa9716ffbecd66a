"""The petitions figures of the reporting forms roll up the area tree: a matter handled at a village
counts for the village, its township and the county; one handled at a township (its own office) for the
township and the county, never for a village; one handled at the county for the county alone. Each
total equals a count made directly in the database — nothing lost, nothing counted twice."""

from __future__ import annotations

from django.utils import timezone

from jisheng.areas.codes import code_range
from jisheng.petitions import services
from jisheng.petitions.models import Matter
from jisheng.reporting import compute, periods
from jisheng.reporting.definitions import Form

from .conftest import receive

FORM = Form.from_data(
    {
        "code": "petitions_test",
        "name": "信访月报",
        "period_type": "month",
        "items": [
            {"code": "received", "label": "受理", "measure": "petitions_received"},
            {
                "code": "received_online",
                "label": "网上",
                "measure": "petitions_received",
                "where": {"channel": "online"},
            },
        ],
    }
)


def test_matters_handled_at_a_township_or_the_county_count_once_in_their_own_total_and_every_one_above(
    areas, staff, petitioner
) -> None:
    county_file = services.file_open(
        area=areas["county"], kind="person", name="王秀英", phone="13800138000", by=staff["county"]
    )
    for _i in range(2):
        receive(petitioner, areas["village_a"], staff["clerk"])
    receive(petitioner, areas["township_a"], staff["clerk"], channel="online")
    receive(petitioner, areas["township_a"], staff["clerk"])
    for _i in range(3):
        receive(county_file, areas["county"], staff["county"])
    period = periods.containing("month", timezone.localdate())

    def direct(prefix: str) -> int:
        return Matter.objects.filter(
            area__code__range=code_range(prefix), received_on__range=(period.start, period.end)
        ).count()

    tree = compute.compute_tree(FORM, period, areas["county"])
    for name in ("county", "township_a", "township_b", "village_a", "village_a2"):
        area = areas[name]
        assert tree[area.code]["received"] == direct(area.prefix), name
        assert compute.compute_area(FORM, period, area)["received"] == direct(area.prefix), name
    assert tree[areas["county"].code]["received"] == 7  # 2 at a village + 2 at its township + 3 at the county
    assert tree[areas["township_a"].code]["received"] == 4
    assert tree[areas["village_a"].code]["received"] == 2 and tree[areas["village_a2"].code]["received"] == 0
    assert tree[areas["township_a"].code]["received_online"] == 1
    # The city above sees the same seven.
    assert compute.compute_area(FORM, period, areas["city"])["received"] == 7
