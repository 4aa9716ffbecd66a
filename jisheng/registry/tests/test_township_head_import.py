"""The township head imports the township's villages' data and reviews what the villages imported."""

import datetime

import pytest
from django.test import override_settings

from jisheng.registry.models import ImportJob, Person
from tests.factories import make_id


@pytest.fixture
def head(areas, make_user):
    return make_user(areas["township_a"], "township_head", username="township")


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_the_township_head_imports_persons_of_two_villages_and_none_of_a_sibling_township(
    tmp_path, areas, head, client_for
) -> None:
    client = client_for(head)
    assert client.get("/registry/import/").status_code == 200
    first, second, foreign = (make_id(datetime.date(1980, 1, n), "1") for n in (1, 2, 3))
    path = tmp_path / "township.csv"
    path.write_text(
        "姓名,身份证号,村代码\n"
        f"甲一,{first},{areas['village_a'].code}\n"
        f"乙二,{second},{areas['village_a2'].code}\n"
        f"丙三,{foreign},{areas['village_b'].code}\n",
        encoding="utf-8",
    )
    with path.open("rb") as handle:
        client.post("/registry/import/", {"kind": "persons", "file": handle})
    job = ImportJob.objects.get()
    assert job.area == areas["township_a"]
    client.post(
        f"/registry/import/{job.pk}/run/",
        {"action": "check", "map_name": "0", "map_id_number": "1", "map_village_code": "2"},
    )
    job.refresh_from_db()
    assert job.error_count == 1 and job.errors[0].startswith("第 4 行")
    client.post(f"/registry/import/{job.pk}/run/", {"action": "commit"})
    assert sorted(Person.objects.values_list("name", "residence_area_id")) == [
        ("乙二", areas["village_a2"].code),
        ("甲一", areas["village_a"].code),
    ]


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_the_township_head_sees_the_villages_imports_but_cannot_run_them(
    tmp_path, areas, head, make_user, client_for
) -> None:
    officer = make_user(areas["village_a"], "village_officer", username="village")
    foreign_officer = make_user(areas["village_b"], "village_officer", username="village-b")
    for user, name in ((officer, "王庄村名册.csv"), (foreign_officer, "张营村名册.csv")):
        path = tmp_path / name
        path.write_text(f"姓名,身份证号\n甲一,{make_id(datetime.date(1980, 1, 1), '1')}\n", encoding="utf-8")
        with path.open("rb") as handle:
            client_for(user).post("/registry/import/", {"kind": "persons", "file": handle})
    mine, foreign = ImportJob.objects.order_by("id")
    client = client_for(head)
    page = client.get("/registry/import/").content.decode()
    assert "王庄村名册.csv" in page and "张营村名册.csv" not in page
    assert client.get(f"/registry/import/{mine.pk}/").status_code == 200
    assert client.get(f"/registry/import/{foreign.pk}/").status_code == 404
    client.post(
        f"/registry/import/{mine.pk}/run/", {"action": "check", "map_name": "0", "map_id_number": "1"}
    )
    mine.refresh_from_db()
    assert mine.status == ImportJob.Status.UPLOADED
