"""One normalisation module: ID numbers (GB 11643), phones, names, numbers and dates cleaned the same way
for every form, import, API operation and look-up."""

import datetime
import decimal
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from jisheng.core.text import (
    ID_CHECK_CHARACTERS,
    ID_WEIGHTS,
    InputError,
    check_id_number,
    id_check_character,
    name_search_key,
    normalize_code,
    normalize_name,
    normalize_phone,
    normalize_text,
    parse_date,
    parse_number,
    parse_whole_number,
    simplified,
)


def with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


PINGYU_1988 = with_check("41172319880305123")  # 平舆县's code since 2000, a man born 1988-03-05


def test_the_check_character_follows_the_standards_worked_example():
    # GB 11643-1999 gives 11010519491231002X as its example.
    assert id_check_character("11010519491231002") == "X"
    assert check_id_number("11010519491231002X").number == "11010519491231002X"


def test_the_check_character_is_the_standards_weighted_sum_for_every_digit_in_every_place():
    # The standard's own computation, weight by weight: each digit 0-9 in each of the 17 places, over
    # a few thousand numbers drawn with a fixed seed.
    rng = random.Random(11643)
    bodies = ["".join(rng.choice("0123456789") for _place in range(17)) for _number in range(3000)]
    bodies += [
        body[:place] + digit + body[place + 1 :]
        for place in range(17)
        for digit in "0123456789"
        for body in bodies[:3]
    ]
    for body in bodies:
        total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS, strict=True))
        assert id_check_character(body) == ID_CHECK_CHARACTERS[total % 11], body


def test_an_id_number_in_another_scripts_digits_is_refused_for_its_shape():
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in "11010519491231002") + "X"
    with pytest.raises(InputError) as refused:
        check_id_number(arabic_indic)
    assert "18" in refused.value.reason


@pytest.mark.parametrize("body", ["1101051949123100", "1101051949123100a", "11010519491231００２", ""])
def test_the_check_character_is_refused_for_anything_but_seventeen_ascii_digits(body):
    with pytest.raises(ValueError):
        id_check_character(body)


def test_a_pingyu_resident_born_in_1988_with_the_countys_current_code_is_accepted_with_a_warning():
    with translation.override("zh-hans"):
        checked = check_id_number(PINGYU_1988)
    assert checked.number == PINGYU_1988
    assert checked.birth_date == datetime.date(1988, 3, 5) and checked.sex == "1"
    assert len(checked.warnings) == 1
    assert "411723" in checked.warnings[0] and "2000" in checked.warnings[0]
    assert "平舆县" in checked.warnings[0]


def test_a_code_in_use_in_the_birth_year_gives_no_warning():
    assert check_id_number(with_check("41282719880305123")).warnings == ()
    assert check_id_number(with_check("41172320050305123")).warnings == ()


def test_a_code_retired_before_the_birth_year_is_accepted_with_a_warning_of_its_own():
    with translation.override("zh-hans"):
        retired = check_id_number(with_check("41282720050305123")).warnings
        later = check_id_number(PINGYU_1988).warnings
    assert len(retired) == 1 and "412827" in retired[0] and "2000" in retired[0]
    assert retired[0] != later[0].replace("411723", "412827")
    assert "撤销" in retired[0] and "启用" in later[0]


def test_a_code_unknown_to_the_list_is_accepted_with_a_warning():
    with translation.override("zh-hans"):
        checked = check_id_number(with_check("99999919880305123"))
    assert checked.birth_date == datetime.date(1988, 3, 5)
    assert len(checked.warnings) == 1 and "999999" in checked.warnings[0]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("411723198803051230", "校验位"),  # wrong check digit
        (with_check("41172319880230123"), "出生日期"),  # 30 February
        (with_check("41172330880305123"), "出生日期"),  # born in 3088
        ("41172319880305", "18"),
    ],
)
def test_check_digit_and_birth_date_stay_strict_with_a_chinese_reason(typed, reason):
    with translation.override("zh-hans"), pytest.raises(InputError) as error:
        check_id_number(typed)
    assert isinstance(error.value, ValidationError)
    assert reason in error.value.reason
    assert error.value.value == typed


def test_the_sex_is_read_from_the_seventeenth_digit():
    assert check_id_number(with_check("41172319880305124")).sex == "2"


def test_a_full_width_id_with_a_lower_case_x_and_spaces_is_normalised():
    assert check_id_number("１１０１０５ １９４９１２３１ ００２ｘ").number == "11010519491231002X"
    assert check_id_number("11010519491231002x").number == "11010519491231002X"


def test_an_id_typed_into_a_number_cell_is_refused_with_advice():
    with translation.override("zh-hans"), pytest.raises(InputError) as error:
        check_id_number(4.11723198503021e17)
    assert "文本" in error.value.reason


def test_codes_are_half_width_upper_case_without_spaces():
    assert normalize_code(" jz２０２６－0001 ") == "JZ2026-0001"
    assert normalize_code(None) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "１３８００１３８０００",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086 13800138000",
        "8613800138000",
    ],
)
def test_mobile_numbers_lose_their_country_prefix_spaces_and_full_width_digits(typed):
    assert normalize_phone(typed) == "13800138000"


def test_landlines_and_spreadsheet_numbers_are_kept_as_digits():
    assert normalize_phone("(0396) 123-4567") == "03961234567"
    assert normalize_phone(13800138000.0) == "13800138000"
    assert normalize_phone("") == ""
    with translation.override("zh-hans"), pytest.raises(InputError) as error:
        normalize_phone("138OO13")
    assert "电话" in error.value.reason


def test_names_are_kept_as_written_without_spaces_and_with_one_kind_of_dot():
    assert normalize_name(" 張 偉 ") == "張偉"
    assert normalize_name("阿依古丽•买买提") == "阿依古丽·买买提"
    assert normalize_name("阿依古丽．买买提") == "阿依古丽·买买提"
    with pytest.raises(InputError):
        normalize_name("  ")


def test_a_traditional_name_has_a_simplified_search_key_and_a_simplified_one_has_none():
    assert name_search_key("張偉") == "张伟"
    assert name_search_key("劉德華") == "刘德华"
    assert name_search_key("张伟") is None
    assert simplified("zhangwei") == "zhangwei"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1,234", 1234), ("１２", 12), (3.0, 3), ("3.0", 3), ("1 234", 1234), (7, 7), ("１，２３４", 1234)],
)
def test_whole_numbers_are_read_however_they_are_typed(typed, expected):
    assert parse_whole_number(typed) == expected


def test_numbers_outside_the_range_or_not_whole_are_refused():
    assert parse_number("1,234.50") == decimal.Decimal("1234.50")
    assert parse_whole_number("", required=False) is None
    with translation.override("zh-hans"):
        with pytest.raises(InputError):
            parse_whole_number("3.5")
        with pytest.raises(InputError):
            parse_whole_number("25", low=1, high=20)
        with pytest.raises(InputError):
            parse_number("三")


@pytest.mark.parametrize(
    "typed",
    [
        "1988年3月5日",
        "1988 年 3 月 5 日",
        "1988.3.5",
        "1988/03/05",
        "1988-03-05",
        "19880305",
        "１９８８．３．５",
        32207,
        "32207",
        datetime.datetime(1988, 3, 5, 0, 0),
    ],
)
def test_dates_are_read_however_they_are_typed(typed):
    assert parse_date(typed) == datetime.date(1988, 3, 5)


def test_a_form_field_can_refuse_excel_serials():
    with pytest.raises(InputError):
        parse_date("32207", serials=False)
    assert parse_date("", required=False) is None
    with translation.override("zh-hans"), pytest.raises(InputError) as error:
        parse_date("1988年2月30日")
    assert "日期" in error.value.reason


def test_normalize_text_keeps_working_as_before():
    assert normalize_text("  ＡＢＣ１２３\u3000 张三  ") == "ABC123 张三"
