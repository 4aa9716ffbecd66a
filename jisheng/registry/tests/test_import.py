"""A messy spreadsheet, as village officers really send them, through the import engine."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from openpyxl import Workbook
from stdnum.cn import ric

from jisheng.audit.models import AuditEvent
from jisheng.registry.imports.engine import run_import
from jisheng.registry.models import Household, Person
from tests.factories import SETUP, make_id


def id_ending_in_x(birth: datetime.date) -> str:
    for seq in range(2, 999, 2):
        body = f"412827{birth:%Y%m%d}{seq:03d}"
        if ric.calc_check_digit(body + "0") == "X":
            return body + "X"
    raise AssertionError


@pytest.fixture
def messy_xlsx(tmp_path, areas):
    village = areas["village_a"].code
    x_id = id_ending_in_x(datetime.date(1985, 3, 2))
    book = Workbook()
    sheet = book.active
    sheet.append(["平舆县庙湾镇王庄村人口花名册"])  # a title row, merged over the header
    sheet.merge_cells("A1:G1")
    sheet.append(["姓名", "身份证号", "性别", "出生日期", "户号", "村代码", "联系电话"])
    good = [
        [
            "张 三",
            x_id.lower().replace("412827", "４１２８２７"),
            "女",
            "1985年3月2日",
            "H001",
            village,
            "13800000001",
        ],
        ["李四", make_id(datetime.date(1985, 3, 2), "1"), "男", "1985.3.2", "H001", village, ""],
        ["王五", make_id(datetime.date(1990, 7, 1), "1"), "男", "", "H002", village, ""],
        ["赵六", make_id(datetime.date(1972, 1, 9), "2"), "女", "1972/1/9", "", village, ""],
    ]
    for row in good:
        sheet.append(row)
    sheet.append(["钱七", 4.11723198503021e17, "男", "1985-03-02", "", village, ""])  # ID stored as a number
    sheet.append(
        ["孙八", "411723198503020000", "男", "1985-03-02", "", village, ""]
    )  # Excel's zeros, as text
    sheet.append(
        ["周九", make_id(datetime.date(1988, 8, 8), "1"), "女", "1988-08-08", "", village, ""]
    )  # wrong sex
    sheet.append(
        ["吴十", make_id(datetime.date(1988, 2, 28), "2"), "女", "1988年2月30日", "", village, ""]
    )  # no such date
    sheet["D5"] = 33055  # 王五's birth date as the bare Excel serial of 1990-07-01
    for _ in range(5):
        sheet.append(["", None, "", "", "", "", ""])  # trailing blank rows
    path = tmp_path / "messy.xlsx"
    book.save(path)
    return path


def test_the_dry_run_lists_every_refused_row_with_column_value_and_reason_in_chinese(messy_xlsx, areas):
    with translation.override("zh-hans"):
        result = run_import(path=messy_xlsx, kind="persons", by=SETUP, dry_run=True)
        lines = [str(error) for error in result.errors]
    assert result.total == 8 and result.accepted == 4
    assert {error.row for error in result.errors} == {7, 8, 9, 10}
    assert any(line.startswith("第 7 行，B(身份证号) 列") and "文本" in line for line in lines)
    assert any(line.startswith("第 8 行，B(身份证号) 列，值 411723198503020000") for line in lines)
    assert any(line.startswith("第 9 行，C(性别) 列") for line in lines)
    assert any(line.startswith("第 10 行，D(出生日期) 列，值 1988年2月30日") for line in lines)
    assert not Person.objects.exists()


def test_all_or_nothing_writes_nothing_when_a_row_is_refused(messy_xlsx, areas):
    result = run_import(path=messy_xlsx, kind="persons", by=SETUP, all_or_nothing=True)
    assert not result.written
    assert not Person.objects.exists() and not Household.objects.exists()


def test_accepted_rows_are_written_once_and_a_second_import_changes_nothing(messy_xlsx, areas):
    first = run_import(path=messy_xlsx, kind="persons", by=SETUP)
    assert first.written and first.created == 4
    assert Person.objects.count() == 4 and Household.objects.count() == 2
    zhang = Person.objects.get(name="张三")
    assert zhang.id_number.endswith("X") and zhang.id_number.startswith("412827")
    assert zhang.name_initials == "zs" and zhang.household.number == "H001"
    events = AuditEvent.objects.filter(action="registry.import")
    assert events.count() == 1 and events.get().after["sha256"] == first.sha256
    second = run_import(path=messy_xlsx, kind="persons", by=SETUP)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert Person.objects.count() == 4


def test_a_gbk_csv_from_chinese_excel_is_read(tmp_path, areas):
    number = make_id(datetime.date(1979, 12, 1), "1")
    text = f"姓名,身份证号,出生日期,村代码\r\n陈明,{number},19791201,{areas['village_a'].code}\r\n,,,\r\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    result = run_import(path=path, kind="persons", by=SETUP)
    assert result.created == 1 and not result.errors
    assert Person.objects.get().name == "陈明"


def test_staff_cannot_import_into_another_township(tmp_path, areas, make_user):
    number = make_id(datetime.date(1979, 12, 1), "1")
    path = tmp_path / "other.csv"
    path.write_text(f"姓名,身份证号,村代码\n陈明,{number},{areas['village_b'].code}\n", encoding="utf-8-sig")
    clerk = make_user(areas["township_a"], "counter_clerk")
    result = run_import(path=path, kind="persons", by=clerk)
    assert result.errors and not Person.objects.exists()


def test_the_command_prints_each_refused_row_and_a_summary(messy_xlsx, areas):
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("import", "persons", str(messy_xlsx), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "第 7 行" in text and "试导入，未写入任何数据" in text
    assert not Person.objects.exists()


def test_births_marriages_and_contraception_import_against_registered_persons(tmp_path, areas):
    from jisheng.registry.models import Birth, Contraception, Marriage
    from tests.factories import make_person

    village = areas["village_a"]
    husband = make_person(area=village, name="刘强", sex="1", birth=datetime.date(1985, 1, 1))
    wife = make_person(area=village, name="陈静", sex="2", birth=datetime.date(1987, 1, 1))
    (tmp_path / "m.csv").write_text(
        f"丈夫身份证号,妻子身份证号,结婚日期\n{husband.id_number},{wife.id_number},2010-05-01\n",
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        f"母亲身份证号,子女姓名,出生日期,性别,孩次\n{wife.id_number},刘一,2011-06-01,男,1\n{wife.id_number},刘二,2009-06-01,女,2\n{wife.id_number},刘三,1995-06-01,女,3\n",
        encoding="utf-8",
    )
    (tmp_path / "c.csv").write_text(
        f"身份证号,避孕方法,开始日期\n{wife.id_number},上环,2011-10-01\n", encoding="utf-8"
    )
    assert run_import(path=tmp_path / "m.csv", kind="marriages", by=SETUP).created == 1
    births = run_import(path=tmp_path / "b.csv", kind="births", by=SETUP)
    assert births.created == 1 and {e.row for e in births.errors} == {3, 4}
    assert run_import(path=tmp_path / "c.csv", kind="contraception", by=SETUP).created == 1
    assert Marriage.objects.count() == 1 and Birth.objects.count() == 1 and Contraception.objects.count() == 1
    assert Contraception.objects.get().method == "700"
    for kind, name in (("marriages", "m.csv"), ("births", "b.csv"), ("contraception", "c.csv")):
        assert run_import(path=tmp_path / name, kind=kind, by=SETUP).created == 0


def test_a_bad_value_repeated_on_many_rows_is_refused_on_each_row_and_good_repeats_are_kept(tmp_path, areas):
    village = areas["village_a"].code
    lines = ["姓名,身份证号,性别,村代码,地址"]
    births = [datetime.date(1980, 1, day) for day in range(1, 7)]
    for day, birth in enumerate(births, start=1):
        sex = "男" if day % 2 else "x"  # the same bad word on rows 3, 5 and 7
        lines.append(f"陈明,{make_id(birth, '1')},{sex},{village},1组")
    path = tmp_path / "repeats.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(path=path, kind="persons", by=SETUP)
    assert sorted(error.row for error in result.errors) == [3, 5, 7]
    assert result.created == 3
    assert set(Person.objects.values_list("address", flat=True)) == {"1组"}


def test_large_imports_commit_in_parts_each_audited_unless_all_or_nothing_is_chosen(
    tmp_path, areas, monkeypatch
):
    from jisheng.registry.imports import engine

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)  # 10 rows checked in batches of 2,
    monkeypatch.setattr(engine, "WRITE_ROWS", 4)  # written 4, 4 and 2 at a time
    village = areas["village_a"].code
    lines = ["姓名,身份证号,村代码"]
    for day in range(1, 11):
        lines.append(f"陈明,{make_id(datetime.date(1981, 2, day), '2')},{village}")
    path = tmp_path / "ten.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(path=path, kind="persons", by=SETUP)
    assert result.created == 10 and Person.objects.count() == 10
    parts = AuditEvent.objects.filter(action="registry.import").order_by("pk")
    # SQLite commits in parts, to let other writers in; PostgreSQL needs not.
    expected = [4, 4, 2] if connection.vendor == "sqlite" else [10]
    assert [event.after["created"] for event in parts] == expected
    Person.objects.all().delete()
    last = parts.last()
    assert last is not None  # the trail is append-only: count the events after the last one seen
    assert run_import(path=path, kind="persons", by=SETUP, all_or_nothing=True).created == 10
    again = AuditEvent.objects.filter(action="registry.import", pk__gt=last.pk)
    assert [event.after["created"] for event in again] == [10]


def test_all_or_nothing_undoes_batches_already_written_when_a_later_row_is_refused(
    tmp_path, areas, monkeypatch
):
    from jisheng.registry.imports import engine

    monkeypatch.setattr(engine, "BATCH_SIZE", 2)  # rows 2–3 and 4–5 are written before row 7 is seen
    village = areas["village_a"].code
    lines = ["姓名,身份证号,村代码,户号"]
    for day in range(1, 6):
        lines.append(f"陈明,{make_id(datetime.date(1981, 3, day), '1')},{village},H{day}")
    lines.append(f"陈明,411723198103069998,{village},H6")  # a wrong check digit (…9 is right)
    path = tmp_path / "late-error.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(path=path, kind="persons", by=SETUP, all_or_nothing=True)
    assert not result.written and [error.row for error in result.errors] == [7]
    assert not Person.objects.exists() and not Household.objects.exists()
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def test_refusals_checked_in_the_background_are_worded_in_the_callers_language(messy_xlsx, areas):
    with translation.override("en"):
        result = run_import(path=messy_xlsx, kind="persons", by=SETUP, dry_run=True)
        lines = [str(error) for error in result.errors]
    assert any(line.startswith("row 9, column C") and "does not agree" in line for line in lines)


def test_a_failure_while_checking_reaches_the_caller():
    from jisheng.registry.imports.pipeline import checked_batches

    def broken(cells):
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        list(checked_batches([(2, ["x"])], broken, 10))


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_chinese_without_a_traceback(tmp_path, areas):
    from django.core.management.base import CommandError

    path = tmp_path / "花名册.xlsx"
    path.write_bytes(b"not a zip file")
    with translation.override("zh-hans"), pytest.raises(CommandError, match="另存为 .xlsx"):
        call_command("import", "persons", str(path), stdout=io.StringIO())
    assert not Person.objects.exists()


def test_persons_already_registered_are_found_when_a_batch_is_looked_up_in_several_queries(
    tmp_path, areas, monkeypatch
):
    from jisheng.registry.imports import resolve

    monkeypatch.setattr(resolve, "LOOKUP_ROWS", 3)  # a batch of 10 looked up 3, 3, 3 and 1 at a time
    village = areas["village_a"].code
    lines = ["姓名,身份证号,村代码,联系电话"]
    for day in range(1, 11):
        lines.append(f"陈明,{make_id(datetime.date(1981, 2, day), '2')},{village},1380000{day:04d}")
    path = tmp_path / "ten.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_import(path=path, kind="persons", by=SETUP).created == 10
    again = run_import(path=path, kind="persons", by=SETUP)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    lines[-1] = lines[-1].replace("陈明", "陈敏")  # the last row's person, renamed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    renamed = run_import(path=path, kind="persons", by=SETUP)
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 9)
    assert Person.objects.count() == 10 and Person.objects.filter(name="陈敏").count() == 1
    assert Person.objects.get(name="陈敏").phone == "13800000010"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner setting")
def test_the_look_up_of_registered_persons_leaves_the_planners_settings_as_they_were(messy_xlsx, areas):
    from django.db import transaction

    run_import(path=messy_xlsx, kind="persons", by=SETUP)  # so the look-up finds its four persons
    with transaction.atomic(), connection.cursor() as cursor:
        result = run_import(path=messy_xlsx, kind="persons", by=SETUP, dry_run=True)
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
    assert result.accepted == 4 and result.unchanged == 4


def test_persons_updated_by_an_import_get_their_history_and_stay_findable(tmp_path, areas):
    """Updated rows are written back in a few statements, not saved one by one: each person still gets
    the history row a save gives, the sealed phone and the search columns of the new name."""
    village = areas["village_a"].code
    numbers = [make_id(datetime.date(1981, 3, day), "1") for day in (1, 2)]
    path = tmp_path / "two.csv"
    path.write_text(
        f"姓名,身份证号,村代码,联系电话\n陈明,{numbers[0]},{village},13800000001\n王强,{numbers[1]},{village},\n",
        encoding="utf-8",
    )
    assert run_import(path=path, kind="persons", by=SETUP).created == 2
    path.write_text(
        f"姓名,身份证号,村代码,联系电话\n陳敏,{numbers[0]},{village},13900000009\n王强,{numbers[1]},{village},\n",
        encoding="utf-8",
    )
    result = run_import(path=path, kind="persons", by=SETUP)
    assert (result.updated, result.unchanged) == (1, 1)
    renamed = Person.objects.get(name="陳敏")
    assert (
        renamed.phone == "13900000009" and renamed.name_simplified == "陈敏" and renamed.name_initials == "cm"
    )
    # (the import's creations are recorded by its audit event, written by COPY without history rows)
    assert [(h.name, h.history_type) for h in renamed.history.all()] == [("陳敏", "~")]
    assert Person.objects.get(name="王强").history.count() == 0


def test_households_and_marriages_corrected_by_a_file_are_written_back_with_their_history(tmp_path, areas):
    """A corrected address and a divorce recorded by a second file change those rows only, each with
    the history row a save gives (written back in a few statements, not one a row)."""
    from jisheng.registry.models import Marriage
    from tests.factories import make_person

    village = areas["village_a"].code
    husband = make_person(area=areas["village_a"], name="刘强", sex="1", birth=datetime.date(1985, 1, 1))
    wife = make_person(area=areas["village_a"], name="陈静", sex="2", birth=datetime.date(1987, 1, 1))
    homes, marriages = tmp_path / "h.csv", tmp_path / "m.csv"
    homes.write_text(f"户号,村代码,地址\nH001,{village},东街1号\nH002,{village},西街2号\n", encoding="utf-8")
    marriages.write_text(
        f"丈夫身份证号,妻子身份证号,结婚日期\n{husband.id_number},{wife.id_number},2010-05-01\n",
        encoding="utf-8",
    )
    assert run_import(path=homes, kind="households", by=SETUP).created == 2
    assert run_import(path=marriages, kind="marriages", by=SETUP).created == 1
    homes.write_text(f"户号,村代码,地址\nH001,{village},东街10号\nH002,{village},西街2号\n", encoding="utf-8")
    marriages.write_text(
        f"丈夫身份证号,妻子身份证号,结婚日期,离婚日期\n{husband.id_number},{wife.id_number},2010-05-01,2020-09-09\n",
        encoding="utf-8",
    )
    result = run_import(path=homes, kind="households", by=SETUP)
    assert (result.updated, result.unchanged) == (1, 1)
    assert run_import(path=marriages, kind="marriages", by=SETUP).updated == 1
    moved = Household.objects.get(number="H001")
    assert moved.address == "东街10号" and Household.objects.get(number="H002").address == "西街2号"
    assert [(h.address, h.history_type) for h in moved.history.all()] == [("东街10号", "~")]
    marriage = Marriage.objects.get()
    assert marriage.divorce_date == datetime.date(2020, 9, 9)
    assert [(h.divorce_date, h.history_type) for h in marriage.history.all()] == [
        (datetime.date(2020, 9, 9), "~")
    ]
