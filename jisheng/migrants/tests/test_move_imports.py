"""Moves arriving by import: a township clerk uploads a file of departures or arrivals on the page; each
row goes through the same service as the form, and a file with a refused row writes nothing."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from jisheng.audit.models import AuditEvent
from jisheng.migrants.models import Arrival, Departure, MoveImport, Notice
from jisheng.registry.codes import PersonStatus
from jisheng.registry.models import Person
from tests.factories import make_id

from .conftest import make_woman

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def workbook(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "流出.xlsx"
    return buffer


def upload(client: Any, kind: str, data: io.BytesIO) -> Any:
    with override_settings(MIGRANTS_IMPORT_SYNC=True):
        return client.post(reverse("migrants:move_imports"), {"kind": kind, "file": data}, follow=True)


@pytest.fixture
def two_women(areas: dict[str, Any]) -> list[Any]:
    return [make_woman(areas["village_a"]), make_woman(areas["village_a2"], name="陈秀英")]


def messy_departures(women: list[Any], *, duplicate: bool) -> io.BytesIO:
    left = timezone.localdate() - datetime.timedelta(days=10)
    header = ["身份证号码", "姓 名", "外出日期", " 去向 ", "外出原因", "工作单位", "联系电话", "是否签订协议"]
    rows: list[list[Any]] = [
        ["庙湾镇流出人员登记表（2026年）"],  # a title above the header
        header,
        # traditional characters for 刘, the date a real date, the phone typed as a number
        [women[0].id_number, "劉桂芝", left, "441900 东莞市", "务工", "东莞某电子厂", 13912345678, "是"],
        [
            f" {women[1].id_number} ",
            " 陈 秀英 ",
            left.strftime("%Y年%m月%d日"),
            "330100",
            "經商",
            "",
            "",
            "否",
        ],
    ]
    if duplicate:
        rows.append([women[0].id_number, "刘桂芝", left, "441900", "务工", "", "", "否"])
    return workbook(rows)


def test_a_file_with_a_duplicate_row_writes_nothing_and_names_the_row_and_the_column_as_typed(
    client_for: Any, staff: dict[str, Any], two_women: list[Any]
) -> None:
    page = upload(client_for(staff["clerk"]), "departures", messy_departures(two_women, duplicate=True))
    assert page.status_code == 200
    job = MoveImport.objects.get()
    assert job.status == MoveImport.Status.REFUSED
    assert job.errors == [f"第5行“身份证号码”：“{two_women[0].id_number}”已在第3行"] or (
        len(job.errors) == 1 and "5" in job.errors[0] and "身份证号码" in job.errors[0]
    )
    text = page.content.decode()
    assert "身份证号码" in text and "5" in text
    assert not Departure.objects.exists()
    assert not Notice.objects.exists()
    assert all(p.status == PersonStatus.ALIVE for p in Person.objects.all())
    assert AuditEvent.objects.filter(action="migrants.move_import_refused").count() == 1


def test_messy_departures_are_recorded_through_the_same_service_as_the_form(
    client_for: Any, staff: dict[str, Any], two_women: list[Any]
) -> None:
    page = upload(client_for(staff["clerk"]), "departures", messy_departures(two_women, duplicate=False))
    job = MoveImport.objects.get()
    assert job.status == MoveImport.Status.DONE, job.errors
    assert (job.total_rows, job.written_rows) == (2, 2)
    assert "2" in page.content.decode()
    first = Departure.objects.get(person=two_women[0])
    assert (first.destination_code, first.phone, first.reason) == ("441900000000", "13912345678", "work")
    assert first.agreement_signed_on == first.left_on
    second = Departure.objects.get(person=two_women[1])
    assert (second.destination_province, second.reason, second.agreement_signed_on) == (
        "33",
        "business",
        None,
    )
    for woman in two_women:
        woman.refresh_from_db()
        assert woman.status == PersonStatus.AWAY
    assert AuditEvent.objects.filter(action="migrants.departure_record").count() == 2
    assert AuditEvent.objects.filter(action="migrants.move_import_write").count() == 1


def test_an_arrival_in_an_unknown_village_refuses_the_file_and_writes_no_one(
    client_for: Any, staff: dict[str, Any]
) -> None:
    day = timezone.localdate() - datetime.timedelta(days=2)
    newcomer = make_id(datetime.date(1996, 4, 4), "2")
    rows: list[list[Any]] = [
        ["村名", "身份证号", "姓名", "流入日期", "户籍地", "联系电话", "是否怀孕"],
        ["王庄村", newcomer, "赵丽", day.isoformat(), "510100 成都市", 13712345678, "否"],
        ["不存在村", make_id(datetime.date(1990, 1, 1), "2"), "钱芳", day.isoformat(), "510100", "", "否"],
    ]
    upload(client_for(staff["clerk"]), "arrivals", workbook(rows))
    job = MoveImport.objects.get()
    assert job.status == MoveImport.Status.REFUSED
    assert len(job.errors) == 1
    assert "3" in job.errors[0] and "村名" in job.errors[0] and "不存在村" in job.errors[0]
    assert not Arrival.objects.exists()
    assert not Person.objects.filter(id_number=newcomer).exists()

    rows.pop()
    upload(client_for(staff["clerk"]), "arrivals", workbook(rows))
    done = MoveImport.objects.order_by("-pk").first()
    assert done is not None and done.status == MoveImport.Status.DONE, done.errors
    arrival = Arrival.objects.get()
    assert (arrival.area.name, arrival.origin_code[:6]) == ("王庄村", "510100")


def test_the_template_has_the_chinese_headers_and_can_be_imported_as_it_is_filled_in(
    client_for: Any, staff: dict[str, Any]
) -> None:
    response = client_for(staff["clerk"]).get(reverse("migrants:move_import_template", args=["departures"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["身份证号", "姓名", "外出日期", "去向"]


def test_a_workbook_declaring_too_many_rows_is_refused_before_it_is_parsed(
    client_for: Any, staff: dict[str, Any]
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        source = zipfile.ZipFile(workbook([["身份证号", "外出日期", "去向"]]))
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C1" />', b'<dimension ref="A1:C9000000" />')
            book.writestr(item, data)
    buffer.seek(0)
    buffer.name = "大.xlsx"
    upload(client_for(staff["clerk"]), "departures", buffer)
    job = MoveImport.objects.get()
    assert job.status == MoveImport.Status.FAILED
    assert job.message
    assert not Departure.objects.exists()


def test_a_clerk_of_another_township_cannot_see_the_import(
    client_for: Any, staff: dict[str, Any], two_women: list[Any]
) -> None:
    upload(client_for(staff["clerk"]), "departures", messy_departures(two_women, duplicate=False))
    job = MoveImport.objects.get()
    assert client_for(staff["clerk_b"]).get(reverse("migrants:move_import", args=[job.pk])).status_code == 404
    listing = client_for(staff["clerk_b"]).get(reverse("migrants:move_imports"))
    assert job.file_name not in listing.content.decode()


def test_the_upload_page_lists_recent_imports_in_a_fixed_number_of_queries(
    client_for: Any, staff: dict[str, Any], two_women: list[Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(staff["clerk"])
    upload(client, "departures", messy_departures(two_women, duplicate=True))
    upload(client, "departures", messy_departures(two_women, duplicate=True))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("migrants:move_imports"))
    assert page.content.decode().count("流出.xlsx") == 2


def test_the_poll_of_a_running_import_redraws_its_figures_and_of_an_ended_one_the_whole_card(
    client_for: Any, staff: dict[str, Any], two_women: list[Any]
) -> None:
    client = client_for(staff["clerk"])
    upload(client, "departures", messy_departures(two_women, duplicate=True))
    job = MoveImport.objects.get()
    assert job.status == MoveImport.Status.REFUSED and job.errors
    address = reverse("migrants:move_import", args=[job.pk])
    ended = client.get(address, HTTP_HX_REQUEST="true")
    assert ended["HX-Retarget"] == "#progress" and ended["HX-Reswap"] == "outerHTML"
    card = ended.content.decode()
    assert card.startswith('<div id="progress" class="card">') and 'id="import-errors"' in card
    assert "hx-trigger" not in card
    MoveImport.objects.filter(pk=job.pk).update(status=MoveImport.Status.RUNNING)
    running = client.get(address, HTTP_HX_REQUEST="true")
    part = running.content.decode()
    assert part.startswith('<div id="progress-live" hx-get=') and 'hx-trigger="every 2s"' in part
    assert 'id="import-errors"' not in part and 'id="progress"' not in part and "HX-Retarget" not in running


def test_an_import_that_ends_while_its_page_is_open_brings_the_link_to_its_list_with_the_card(
    client_for: Any, staff: dict[str, Any], two_women: list[Any]
) -> None:
    """The card is drawn once when the job ends: the link to the list it filled comes with it, so the
    clerk does not have to reload the page to find it."""
    client = client_for(staff["clerk"])
    upload(client, "departures", messy_departures(two_women, duplicate=False))
    job = MoveImport.objects.get()
    assert job.status == MoveImport.Status.DONE, job.errors
    ended = client.get(reverse("migrants:move_import", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert ended["HX-Retarget"] == "#progress"
    assert f'id="import-list" href="{reverse("migrants:away")}"' in ended.content.decode()
    MoveImport.objects.filter(pk=job.pk).update(status=MoveImport.Status.RUNNING)
    running = client.get(reverse("migrants:move_import", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'id="import-list"' not in running.content.decode()
