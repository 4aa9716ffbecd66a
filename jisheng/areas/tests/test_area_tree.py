import datetime

import pytest
from django.core.exceptions import ValidationError

from jisheng.areas.codes import code_range, level_of, normalize_code, parent_code_of
from jisheng.areas.demo import DEMO_COUNTY_CSV
from jisheng.areas.models import Area, AreaEvent, Level
from jisheng.areas.services import area_merge, areas_import, areas_import_file, name_on
from tests.factories import SETUP


def test_codes_are_padded_to_twelve_digits_and_their_level_read_from_the_zeros():
    assert normalize_code("411723") == "411723000000"
    assert normalize_code("４１１７２３１０１") == "411723101000"
    assert level_of("410000000000") == Level.PROVINCE
    assert level_of("411700000000") == Level.CITY
    assert level_of("411723000000") == Level.COUNTY
    assert level_of("411723101000") == Level.TOWNSHIP
    assert level_of("411723101201") == Level.VILLAGE
    assert parent_code_of("411723101201") == "411723101000"


def test_a_code_of_the_wrong_length_is_refused_in_chinese():
    with pytest.raises(ValidationError, match="应为 2、4、6、9 或 12 位数字"):
        normalize_code("41172")


def test_everything_below_an_area_is_one_range_of_codes():
    assert code_range("411723101") == ("411723101000", "411723101999")


def test_the_demo_county_has_19_townships_and_221_villages(db):
    result = areas_import_file(path=DEMO_COUNTY_CSV, by=SETUP)
    assert not result.errors
    county = Area.objects.get(code="411723000000")
    assert county.name == "平舆县"
    townships = Area.objects.filter(level=Level.TOWNSHIP, code__range=code_range(county.prefix))
    villages = Area.objects.filter(level=Level.VILLAGE, code__range=code_range(county.prefix))
    assert townships.count() == 19
    assert villages.count() == 221
    assert all(village.parent.level == Level.TOWNSHIP for village in villages)


def test_importing_the_same_file_twice_changes_nothing(db):
    areas_import_file(path=DEMO_COUNTY_CSV, by=SETUP)
    again = areas_import_file(path=DEMO_COUNTY_CSV, by=SETUP)
    assert (again.created, again.renamed) == (0, 0)


def test_a_bad_row_aborts_the_whole_import_naming_the_row(db):
    rows = [["code", "name"], ["410000", "河南省"], ["4117", ""], ["41172X", "坏代码"]]
    result = areas_import(rows=rows, by=SETUP)
    assert Area.objects.count() == 0
    assert result.errors == [
        "第 3 行，名称列：名称为空。",
        "第 4 行，代码列：区划代码“41172X”应为 2、4、6、9 或 12 位数字。",
    ]


def test_an_area_whose_parent_is_unknown_is_refused(db):
    result = areas_import(rows=[["411723101201", "孤村"]], by=SETUP)
    assert "其上级区划 411723101000 不存在" in result.errors[0]
    assert not Area.objects.exists()


def test_a_renamed_area_keeps_its_code_and_remembers_its_old_name(db):
    areas_import(rows=[["410000", "河南省"], ["411700", "驻马店地区"]], by=SETUP)
    areas_import(rows=[["411700", "驻马店市", "2000-06-08"]], by=SETUP)
    city = Area.objects.get(code="411700000000")
    assert city.name == "驻马店市"
    assert name_on(city, datetime.date(1999, 1, 1)) == "驻马店地区"
    assert name_on(city, datetime.date(2001, 1, 1)) == "驻马店市"
    assert city.events.filter(kind=AreaEvent.Kind.RENAMED).count() == 1


def test_a_merged_area_is_retired_but_still_resolves_to_its_successor(areas):
    area_merge(
        retired=[areas["village_a2"]], into=areas["village_a"], date=datetime.date(2026, 1, 1), by=SETUP
    )
    retired = Area.objects.get(code=areas["village_a2"].code)
    assert not retired.is_current
    assert retired.successor == areas["village_a"]
    assert retired.events.filter(kind=AreaEvent.Kind.MERGED).exists()
