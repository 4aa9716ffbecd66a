"""A service guide is a 办事指南: conditions, materials with originals/copies and blank forms, legal and
committed limits, special steps, visits, fee and basis, where and when, following online, complaints."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jisheng.hall import policy, services
from tests.factories import SETUP


def test_a_guide_names_everything_a_resident_needs_before_coming(client: Any, catalogue: Any) -> None:
    page = client.get("/portal/items/only-child-honour/").content.decode()
    for expected in (
        "申请条件",
        "2016年1月1日前只生育一个子女",
        "原件",
        "复印件",
        "下载空白表格",
        "法定时限",
        "承诺时限",
        "公示",
        "不计入时限",
        "最多跑一次",
        "免费",
        "发放《独生子女父母光荣证》不收取工本费",
        "庙湾镇人民政府便民服务中心一楼",
        "办公时间",
        "12320",
        "网上查询",
        "监督投诉",
        "12345",
    ):
        assert expected in page, expected


def test_an_online_item_says_no_visit_is_needed(client: Any, catalogue: Any) -> None:
    page = client.get("/portal/items/birth-registration/").content.decode()
    assert "零跑腿" in page and "法律法规未规定办理时限" in page


def test_the_blank_form_downloads_as_a_chinese_pdf(client: Any, catalogue: Any, tmp_path: Path) -> None:
    response = client.get("/portal/items/birth-registration/forms/registration-form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "生育登记表" in text and "女方公民身份号码" in text and "申请人签字" in text
    assert client.get("/portal/items/birth-registration/forms/id-cards.pdf").status_code == 404


def test_an_ended_item_is_off_the_pledge_page_and_cannot_be_applied_for(client: Any, catalogue: Any) -> None:
    pledges = client.get("/portal/pledges/").content.decode()
    assert "生育登记" in pledges and "再生育审批" not in pledges and "计划生育服务手册" not in pledges
    assert "12345" in pledges and "监督投诉" in pledges
    guide = client.get("/portal/items/additional-birth-approval/").content.decode()
    assert 'id="not-in-force"' in guide and 'id="apply"' not in guide
    refused = client.get("/portal/items/additional-birth-approval/apply", follow=True)
    assert refused.redirect_chain[-1][0] == "/portal/items/additional-birth-approval/"
    assert "本事项已停止办理" in refused.content.decode()


def test_the_apply_page_marks_required_materials(client: Any, catalogue: Any) -> None:
    page = client.get("/portal/items/migrant-marital-certificate/apply").content.decode()
    photo = page[page.index("近期一寸免冠照片") :][:300]
    assert "必交" in photo and 'aria-required="true"' in photo


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copytree(policy.POLICY_DIR, tmp_path / "hall")
    items = tmp_path / "hall" / "items.toml"
    text = items.read_text(encoding="utf-8")
    assert old in text
    items.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "hall"


def test_a_policy_file_with_a_mistake_is_refused_naming_the_line(tmp_path: Path, db: Any) -> None:
    directory = _broken_copy(tmp_path, 'fee_basis = "免费。生育登记', 'fee_basisx = "免费。生育登记')
    with pytest.raises(ValidationError) as refused:
        services.catalogue_load(by=SETUP, directory=directory)
    messages = " ".join(refused.value.messages)
    line = next(
        n
        for n, text in enumerate((directory / "items.toml").read_text().splitlines(), start=1)
        if text.startswith("fee_basisx")
    )
    assert f"items.toml:{line}:" in messages and "fee_basisx" in messages and "收费或免费的依据" in messages
    from jisheng.hall.models import ServiceItem

    assert not ServiceItem.objects.exists()


def test_a_committed_limit_beyond_the_legal_one_is_refused(tmp_path: Path, db: Any) -> None:
    directory = _broken_copy(tmp_path, "time_limit_counter = 20", "time_limit_counter = 25")
    with pytest.raises(ValidationError, match="承诺时限不得超过法定时限"):
        services.catalogue_load(by=SETUP, directory=directory)


def test_a_policy_file_mistake_is_named_in_english_in_english_mode(tmp_path: Path, db: Any) -> None:
    from django.utils import translation

    directory = _broken_copy(tmp_path, "time_limit_counter = 20", "time_limit_counter = 25")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.catalogue_load(by=SETUP, directory=directory)
    messages = " ".join(refused.value.messages)
    assert "may not exceed the legal one" in messages
    assert "承诺" not in messages
