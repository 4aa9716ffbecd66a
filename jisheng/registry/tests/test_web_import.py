"""The web import: upload, guessed column mapping, dry run with the error list, commit."""

import datetime
import re

import pytest
from django.test import override_settings

from jisheng.registry.models import ImportJob, Person
from tests.factories import make_id


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_an_officer_maps_columns_checks_and_commits_a_file(tmp_path, areas, officer, client_for):
    client = client_for(officer)
    good = make_id(datetime.date(1980, 1, 1), "1")
    text = f"名册\n姓名,公民身份号码,电话\n甲一,{good},\n乙二,4.1172319850302E+17,\n"
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8-sig")
    with path.open("rb") as handle:
        response = client.post("/registry/import/", {"kind": "persons", "file": handle})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.mapping == {"name": 0, "id_number": 1, "phone": 2}
    page = client.get(f"/registry/import/{job.pk}/").content.decode()
    assert "公民身份号码" in page
    client.post(f"/registry/import/{job.pk}/run/", {"action": "check", "map_name": "0", "map_id_number": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.error_count == 1
    assert job.errors[0].startswith("第 4 行") and not Person.objects.exists()
    client.post(f"/registry/import/{job.pk}/run/", {"action": "commit"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert list(Person.objects.values_list("name", "residence_area_id")) == [
        ("甲一", areas["village_a"].code)
    ]


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_with_all_or_nothing_a_refused_row_blocks_the_commit(tmp_path, areas, officer, client_for):
    client = client_for(officer)
    path = tmp_path / "people.csv"
    path.write_text(
        f"姓名,身份证号\n甲一,{make_id(datetime.date(1980, 1, 1), '1')}\n乙二,123\n", encoding="utf-8"
    )
    with path.open("rb") as handle:
        client.post("/registry/import/", {"kind": "persons", "file": handle})
    job = ImportJob.objects.get()
    client.post(
        f"/registry/import/{job.pk}/run/",
        {"action": "check", "map_name": "0", "map_id_number": "1", "all_or_nothing": "1"},
    )
    client.post(f"/registry/import/{job.pk}/run/", {"action": "commit"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert not Person.objects.exists()


def test_the_progress_bar_shows_what_the_running_import_has_reached(tmp_path, areas, officer, client_for):
    from jisheng.registry.services import import_job_progress

    stored = tmp_path / "upload.xlsx"
    stored.write_bytes(b"")
    job = ImportJob.objects.create(
        kind="persons",
        file_name="花名册.xlsx",
        stored_path=str(stored),
        area=areas["village_a"],
        created_by=officer,
        status=ImportJob.Status.IMPORTING,
        total_rows=0,
    )
    import_job_progress(job=job, done=2500, total=10000)
    page = client_for(officer).get(f"/registry/import/{job.pk}/progress/").content.decode()
    assert "2500" in page and "10000" in page and 'value="25"' in page
    job.status = ImportJob.Status.DONE
    job.done_rows = job.total_rows = 10000
    job.save()
    page = client_for(officer).get(f"/registry/import/{job.pk}/progress/").content.decode()
    assert 'value="100"' in page


def test_the_poll_of_a_running_import_redraws_its_figures_and_leaves_the_cancel_button_alone(
    tmp_path, areas, officer, client_for
):
    from jisheng.registry.services import import_job_progress

    stored = tmp_path / "upload.xlsx"
    stored.write_bytes(b"")
    job = ImportJob.objects.create(
        kind="persons",
        file_name="花名册.xlsx",
        stored_path=str(stored),
        area=areas["village_a"],
        created_by=officer,
        status=ImportJob.Status.CHECKING,
    )
    import_job_progress(job=job, done=40, total=100)
    client = client_for(officer)
    cancel = f'action="/registry/import/{job.pk}/cancel/"'
    assert cancel in client.get(f"/registry/import/{job.pk}/").content.decode()
    response = client.get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert part.startswith('<div id="progress-live" hx-get=') and 'value="40"' in part and "检查中" in part
    assert "<form" not in part and "<button" not in part and 'id="progress"' not in part
    assert 'id="import-work"' not in part and "map_id_number" not in part
    assert "HX-Retarget" not in response


def ended_job(tmp_path, areas, officer, status, **fields):
    """A job whose upload was read (its columns stored beside it) and whose check or import has ended."""
    stored = tmp_path / "upload.xlsx"
    stored.write_bytes(b"")
    (tmp_path / "upload.xlsx.columns.json").write_text(
        '{"headers": ["姓名", "身份证号"], "labels": ["姓名", "身份证号"]}', encoding="utf-8"
    )
    return ImportJob.objects.create(
        kind="persons",
        file_name="花名册.xlsx",
        stored_path=str(stored),
        area=areas["village_a"],
        created_by=officer,
        status=status,
        mapping={"name": 0, "id_number": 1},
        total_rows=3,
        done_rows=3,
        **fields,
    )


def without_csrf_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_poll_of_an_ended_check_redraws_the_mapping_and_the_card_once_with_the_import_button(
    tmp_path, areas, officer, client_for
):
    job = ended_job(tmp_path, areas, officer, ImportJob.Status.CHECKED)
    response = client_for(officer).get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert response["HX-Retarget"] == "#import-work"
    assert response["HX-Reswap"] == "outerHTML show:#progress:top"  # the card stays in view on a phone
    assert part.startswith('<div id="import-work">') and part.count('id="import-work"') == 1
    assert part.count('id="progress"') == 1 and 'id="progress-live"' in part
    assert '<option value="1" selected>B · 身份证号</option>' in part  # the mapping the check used
    assert 'name="all_or_nothing"' in part and 'value="check"' in part and 'value="commit"' in part
    assert "/cancel/" not in part and "hx-trigger" not in part


def test_the_poll_of_an_ended_check_answers_what_a_reload_of_the_page_shows(
    tmp_path, areas, officer, client_for
):
    job = ended_job(
        tmp_path, areas, officer, ImportJob.Status.CHECKED, error_count=1, errors=["第 3 行：号码"]
    )
    client = client_for(officer)
    part = client.get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    page = client.get(f"/registry/import/{job.pk}/").content.decode()
    assert "第 3 行：号码" in part
    assert without_csrf_tokens(part).strip() in without_csrf_tokens(page)


def test_the_poll_of_a_failed_check_brings_back_the_mapping_to_check_again(
    tmp_path, areas, officer, client_for
):
    job = ended_job(tmp_path, areas, officer, ImportJob.Status.FAILED, message="已由 officer 取消")
    response = client_for(officer).get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert response["HX-Retarget"] == "#import-work"
    assert "map_id_number" in part and 'value="check"' in part and "已由 officer 取消" in part
    assert 'value="commit"' not in part and "/cancel/" not in part


def test_the_poll_of_a_finished_import_redraws_the_card_without_the_mapping(
    tmp_path, areas, officer, client_for
):
    job = ended_job(tmp_path, areas, officer, ImportJob.Status.DONE)
    response = client_for(officer).get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert response["HX-Retarget"] == "#import-work" and response["HX-Reswap"] == "outerHTML"
    assert 'id="progress"' in part and "已完成" in part
    assert "map_id_number" not in part and 'value="check"' not in part and 'value="commit"' not in part


def test_an_all_or_nothing_check_that_refused_rows_tells_the_clerk_she_may_check_again_without_it(
    tmp_path, areas, officer, client_for
):
    job = ended_job(tmp_path, areas, officer, ImportJob.Status.CHECKED, all_or_nothing=True, error_count=1)
    part = (
        client_for(officer)
        .get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "取消上方的“全部或全不”后重新检查" in part and 'value="commit"' not in part
    assert 'name="all_or_nothing" value="1" checked' in part and 'value="check"' in part
