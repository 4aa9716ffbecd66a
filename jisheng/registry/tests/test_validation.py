import datetime

import pytest
from django.utils import translation

from jisheng.registry.validation import (
    Refusal,
    check_birth,
    check_identity,
    mask_id,
    name_readings,
    normalize_id_number,
    parse_date,
)

VALID = "11010519491231002X"


def test_full_width_digits_spaces_and_lowercase_x_are_normalised():
    assert normalize_id_number("１１０１０５ 1949 1231 002x") == VALID


def test_a_wrong_check_digit_is_refused_in_chinese_naming_the_field():
    with translation.override("zh-hans"), pytest.raises(Refusal) as refusal:
        normalize_id_number("110105194912310021")
    assert refusal.value.field == "身份证号"
    assert "校验位" in refusal.value.reason


def test_an_id_number_stored_as_a_number_is_refused_with_advice_to_format_the_column_as_text():
    for value in (4.11723198503021e17, "4.1172319850302E+17", "411723198503020000"):
        with translation.override("zh-hans"), pytest.raises(Refusal) as refusal:
            normalize_id_number(value)
        assert "文本" in refusal.value.reason


def test_birth_date_and_sex_must_agree_with_the_id_number():
    identity = check_identity(id_number=VALID, birth_date="1949年12月31日", sex="女")
    assert identity.birth_date == datetime.date(1949, 12, 31) and identity.sex == "2"
    with pytest.raises(Refusal):
        check_identity(id_number=VALID, birth_date="1949.12.30")
    with pytest.raises(Refusal):
        check_identity(id_number=VALID, sex="男")


@pytest.mark.parametrize(
    "raw",
    [
        "1985年3月2日",
        "1985.3.2",
        "1985/3/2",
        "1985-03-02",
        "19850302",
        31108,
        "31108",
        datetime.date(1985, 3, 2),
    ],
)
def test_dates_are_read_in_every_way_spreadsheets_write_them(raw):
    assert parse_date(raw) == datetime.date(1985, 3, 2)


def test_an_impossible_date_is_refused():
    with pytest.raises(Refusal):
        parse_date("1985年2月30日")


def test_a_mother_aged_nine_is_refused():
    with translation.override("zh-hans"), pytest.raises(Refusal) as refusal:
        check_birth(
            mother_birth_date=datetime.date(2000, 1, 1),
            date=datetime.date(2009, 6, 1),
            birth_order=1,
            other_births=[],
        )
    assert "9" in refusal.value.reason


def test_a_second_birth_before_the_first_is_refused():
    with pytest.raises(Refusal):
        check_birth(
            mother_birth_date=datetime.date(1980, 1, 1),
            date=datetime.date(2005, 1, 1),
            birth_order=2,
            other_births=[(datetime.date(2008, 1, 1), 1)],
        )
    check_birth(
        mother_birth_date=datetime.date(1980, 1, 1),
        date=datetime.date(2010, 1, 1),
        birth_order=2,
        other_births=[(datetime.date(2008, 1, 1), 1)],
    )


def test_heteronym_surnames_are_indexed_under_both_readings():
    assert name_readings("张三")[:2] == ("zhangsan", "zs")
    pinyin, initials, alt_pinyin, alt_initials = name_readings("单田芳")
    assert (pinyin, initials) == ("shantianfang", "stf")
    assert (alt_pinyin, alt_initials) == ("dantianfang", "dtf")


def test_a_masked_id_shows_the_area_and_the_last_four_digits():
    assert mask_id("411723198503021234") == "411723********1234"
