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
from tests.factories import SETUP

VALID = "11010519491231002X"


def test_full_width_digits_spaces_and_lowercase_x_are_normalised():
    assert normalize_id_number("１１０１０５ 1949 1231 002x") == VALID


def test_a_wrong_check_digit_is_refused_in_chinese_naming_the_field():
    with translation.override("zh-hans"), pytest.raises(Refusal) as refusal:
        normalize_id_number("110105194912310021")
    assert refusal.value.field == "公民身份号码"
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


# ---- issue: ID numbers of people registered after a county's code changed -------------------------


def current_code_id(birth: datetime.date, sequence: int = 123) -> str:
    """An ID carrying 平舆县's current code 411723 (in use since 2000), whatever the birth year."""
    from jisheng.core.text import id_check_character

    body = f"411723{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_character(body)


def test_a_pingyu_resident_born_in_1988_is_accepted_and_the_area_code_is_a_warning():
    number = current_code_id(datetime.date(1988, 3, 5))
    assert normalize_id_number(number) == number
    with translation.override("zh-hans"):
        identity = check_identity(id_number=number, birth_date="1988年3月5日", sex="男")
    assert identity.birth_date == datetime.date(1988, 3, 5) and identity.sex == "1"
    assert len(identity.warnings) == 1 and "411723" in identity.warnings[0]


def test_the_check_digit_birth_date_and_sex_of_such_an_id_stay_strict():
    number = current_code_id(datetime.date(1988, 3, 5))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(Refusal):
        normalize_id_number(wrong)
    with pytest.raises(Refusal):
        check_identity(id_number=number, birth_date="1988-03-06")
    with pytest.raises(Refusal):
        check_identity(id_number=number, sex="女")


def test_an_import_row_with_the_current_code_is_accepted_and_carries_its_warning():
    from jisheng.registry.imports.rows import row_checker

    number = current_code_id(datetime.date(1988, 3, 5))
    check = row_checker("persons", {"name": 0, "id_number": 1, "sex": 2})
    with translation.override("zh-hans"):
        clean = check(["王建国", number, "男"])
    assert clean["id_number"] == number and clean["birth_date"] == datetime.date(1988, 3, 5)
    [(key, value, warning)] = clean["warnings"]
    assert (key, value) == ("id_number", number) and "411723" in warning


def test_a_register_of_residents_born_1975_to_2005_with_the_current_code_imports(tmp_path, areas):
    from jisheng.registry.imports.engine import run_import
    from jisheng.registry.models import Person

    village = areas["village_a"].code
    lines = ["姓名,身份证号,性别,出生日期,村代码"]
    for offset, year in enumerate(range(1975, 2006, 5)):
        birth = datetime.date(year, 6, 1)
        lines.append(
            f"居民{offset},{current_code_id(birth, 100 + offset * 2)},女,{birth:%Y年%-m月%-d日},{village}"
        )
    path = tmp_path / "register.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    result = run_import(path=path, kind="persons", by=SETUP)
    assert not result.errors and result.created == 7
    assert (
        sum(number.startswith("411723") for number in Person.objects.values_list("id_number", flat=True)) == 7
    )


def test_the_counter_form_accepts_a_full_width_id_and_shows_the_area_warning_after_saving(
    areas, make_user, client_for
):
    from jisheng.registry.models import Person

    number = current_code_id(datetime.date(1988, 3, 5), 124)  # a woman: even sequence
    typed = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    client = client_for(make_user(areas["village_a"], "village_officer"))
    response = client.post(
        "/registry/persons/new/",
        {
            "name": "張麗",
            "id_number": typed,
            "village": areas["village_a"].code,
            "phone": "+86 138 0013 8000",
        },
        follow=True,
    )
    person = Person.objects.get(id_number=number)
    assert person.name == "張麗" and person.phone == "13800138000"
    page = response.content.decode()
    assert "411723" in page and "2000" in page  # the warning, on the person page after saving


def test_a_refused_id_on_the_counter_form_keeps_every_value_the_clerk_typed(areas, make_user, client_for):
    from jisheng.registry.models import Person

    number = current_code_id(datetime.date(1988, 3, 5), 124)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    client = client_for(make_user(areas["village_a"], "village_officer"))
    response = client.post(
        "/registry/persons/new/",
        {
            "name": "張麗",
            "id_number": wrong,
            "village": areas["village_a"].code,
            "phone": "13800138000",
            "address": "王庄村三组",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Person.objects.exists()
    assert "校验位不正确" in page
    for value in ("張麗", wrong, "13800138000", "王庄村三组", f'value="{areas["village_a"].code}" selected'):
        assert value in page
