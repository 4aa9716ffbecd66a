"""Every page the scoping harness visits speaks in words, not codes, in Chinese and in English.

The pages are rendered with the harness's objects of the signed-in user's own township (so every
detail page shows real data). On each HTML page the visible text (and the placeholder, title, label
and alt attributes) is checked:

* nowhere: "None", a snake_case word (a raw choice value such as ``moved_out``), or a 12-digit area
  code without the area's name beside it;
* in Chinese: no ASCII word outside a short allow-list (ID, PDF, Excel, …) and the usernames and file
  names the data itself holds;
* in English: no Chinese outside the data (names of people, areas, service items, policy files).
"""

from __future__ import annotations

import re
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from jisheng.accounts.models import User
from jisheng.accounts.roles import RoleCode
from tests.scoping_harness import PARAM, SKIP_PREFIXES, _candidate_values, scoped_object_makers, url_patterns

ALL_ROLES = [str(code) for code in RoleCode]
MARKER = "甲镇标记MARKA"

# ASCII a Chinese page may show: abbreviations Chinese offices use as they are, and the name of the
# other language on the language switch.
# fmt: off
ASCII_ALLOWED = {
    "ID", "PDF", "Excel", "API", "QR", "TOTP", "CSV", "csv", "xlsx", "xls", "pdf", "jpg", "png", "SMS",
    "English", "MARKA", "Bearer", "URL", "OpenAPI", "HTTPS", "GB", "T", "IUD", "PIN", "B", "A", "AB",
    "Ed", "SHA", "IP", "GBK", "UTF", "JSON",
    # the national algorithms by their standard names (SM2, SM3, SM4), as 密评 documents write them
    "SM",
    # the pinyin examples of the registry's search box (全拼 and 首字母 of 张三)
    "zhangsan", "zs",
}
# fmt: on
# Chinese an English page may show: the name of the other language, and the sample name in a search box.
CJK_ALLOWED = {"简体中文", "张三"}
FILE_NAME = re.compile(r"[\w.-]+\.(?:toml|xlsx|xls|csv|pdf|json|md)\b")
# Verbatim machine text (keys, hashes, JSON of an audit event) is evidence, shown as it is.
VERBATIM = ("script", "style", "pre", "code", "kbd", "samp")
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z_]*(?:'[a-z]+)?")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
AREA_CODE = re.compile(r"(?<!\d)\d{12}(?!\d)")
ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
POLICY_DIR = Path(__file__).resolve().parent.parent / "jisheng" / "policy"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VERBATIM:
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in VERBATIM and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def _data_text() -> str:
    """Every free-text value the database holds (not choice values, which must be shown as labels),
    and the policy files: Chinese here is data, not a system message."""
    chunks: list[str] = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if fields:
            for row in model._default_manager.values_list(*fields):
                chunks.extend(str(value) for value in row if value)
    for path in POLICY_DIR.rglob("*.toml"):
        chunks.append(path.read_text(encoding="utf-8"))
    return "\n".join(chunks)


def _area_names() -> dict[str, str]:
    from jisheng.areas.models import Area

    return dict(Area.objects.values_list("code", "name"))


def _fill(values: dict[str, str], default: str, match: re.Match[str]) -> str:
    return values.get(match.group("name"), default)


def problems(text: str, *, language: str, data: str, usernames: set[str], areas: dict[str, str]) -> list[str]:
    found: list[str] = []
    text = FILE_NAME.sub(" ", text)
    for part in text.split("\n"):
        # Python's None rendered into a page; in English "None." or "None recorded." is a sentence.
        if re.search(r"\bNone\b", part) and (
            language != "en" or not re.match(r"None\W*\w*\W*$", part) or part == "None"
        ):
            found.append(f'"None" in {part[:60]!r}')
    found.extend(f"code {word!r}" for word in sorted(set(SNAKE.findall(text))) if word not in data)
    for code in sorted(set(AREA_CODE.findall(text))):
        if code in areas and areas[code] not in text:
            found.append(f"area code {code} without its name {areas[code]}")
    if language == "zh-hans":
        for word in sorted(set(ASCII_WORD.findall(text))):
            if (
                word not in ASCII_ALLOWED
                and word not in usernames
                and word not in MARKER  # a masked marker (甲*****ARKA)
                and not _in_data_word(word, data)
            ):
                found.append(f"English {word!r}")
    else:
        for run in sorted(set(CJK_RUN.findall(text))):
            if run not in data and run not in CJK_ALLOWED:
                found.append(f"Chinese {run!r}")
    return found


def _in_data_word(word: str, data: str) -> bool:
    """An ASCII word the data holds as a word of its own (a username, a file name)."""
    return re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", data) is not None


def _setup(areas: dict[str, Any], make_user: Any, client_for: Any) -> tuple[Any, list[Any]]:
    user_a = make_user(areas["township_a"], *ALL_ROLES, username="staff_a", full_name=MARKER + "人")
    objects_a: list[Any] = [user_a]
    for make_objects in scoped_object_makers():
        objects_a.extend(make_objects(area=areas["village_a"], marker=MARKER))
    return client_for(user_a), objects_a


def scan(client: Any, objects: list[Any], language: str) -> list[str]:
    from jisheng.audit.models import AuditEvent

    client.cookies["django_language"] = language
    candidates = _candidate_values(objects)
    context: dict[str, Any] = {
        "data": _data_text(),
        "usernames": set(User.objects.values_list("username", flat=True)),
        "areas": _area_names(),
    }
    # Pages the harness's pks do not reach: the latest audit events (of the user's own township).
    urls = [f"/audit/{pk}/" for pk in AuditEvent.objects.order_by("-id").values_list("pk", flat=True)[:5]]
    for route in url_patterns():
        if route.startswith(SKIP_PREFIXES):
            continue
        if not PARAM.search(route):
            urls.append("/" + route)
            continue
        for values, default, _obj in candidates:
            urls.append("/" + PARAM.sub(partial(_fill, values, default), route))
    findings: list[str] = []
    for url in dict.fromkeys(urls):  # each once, in order
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text = visible_text(response.content.decode())
        findings.extend(f"{url}: {problem}" for problem in problems(text, language=language, **context))
    return findings


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_shows_words_not_codes_in_either_language(language, areas, make_user, client_for):
    client, objects = _setup(areas, make_user, client_for)
    findings = scan(client, objects, language)
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)


# Targeted checks: the coded values a scan of text cannot tell from ordinary numbers.


@pytest.mark.django_db
def test_a_persons_page_names_the_ethnic_group_not_its_gb3304_code(areas, make_user, client_for):
    from jisheng.registry.models import Person

    client, objects = _setup(areas, make_user, client_for)
    person = next(o for o in objects if isinstance(o, Person))
    Person.objects.filter(pk=person.pk).update(ethnicity="03")
    page = visible_text(client.get(f"/registry/persons/{person.pk}/").content.decode())
    assert "回族" in page
    client.cookies["django_language"] = "en"
    assert "Hui" in visible_text(client.get(f"/registry/persons/{person.pk}/").content.decode())


def test_the_ethnic_group_table_has_the_56_groups_of_gb3304():
    from jisheng.registry.ethnicities import table

    groups = {code: names for code, names in table().items() if int(code) <= 56}
    assert len(groups) == 56 and groups["01"][0] == "汉族" and groups["56"][0] == "基诺族"


@pytest.mark.django_db
def test_the_audit_trail_speaks_in_words_and_filters_by_kind(areas, make_user, client_for):
    client, _objects = _setup(areas, make_user, client_for)
    page = visible_text(client.get("/audit/").content.decode())
    assert "王庄村" in page  # the area by name
    assert "registry.person_create" not in page and "hall.submit" not in page
    hall_only = visible_text(client.get("/audit/", {"kind": "hall"}).content.decode())
    assert "受理申请" in hall_only
    assert "发放证件" not in hall_only
    certificates_only = visible_text(client.get("/audit/", {"kind": "certificates"}).content.decode())
    assert "发放证件" in certificates_only and "受理申请" not in certificates_only


@pytest.mark.django_db
def test_holidays_are_named_in_chinese(areas, make_user, client_for):
    from jisheng.workdays.models import CalendarDay

    admin = make_user(areas["county"], "system_admin")
    CalendarDay.objects.filter(date="2026-10-01").update(note="National Day")  # as an older seed stored it
    page = visible_text(client_for(admin).get("/workdays/", {"year": 2026}).content.decode())
    assert "国庆节" in page and "National Day" not in page


@pytest.mark.django_db
def test_403_and_404_are_in_the_shell_in_chinese_with_a_way_back(areas, make_user, client_for):
    client = client_for(make_user(areas["village_a"], "village_officer"))
    missing = client.get("/registry/persons/999999/")
    assert missing.status_code == 404
    text = missing.content.decode()
    assert "您访问的页面不存在" in text and 'class="topbar"' in text and "返回上一页" in text
    forbidden = client.get("/audit/", headers={"Referer": "http://testserver/registry/"})
    assert forbidden.status_code == 403
    text = forbidden.content.decode()
    assert "您无权打开此页面" in text and 'href="http://testserver/registry/"' in text
    client.cookies["django_language"] = "en"
    assert "This page does not exist" in client.get("/registry/persons/999999/").content.decode()


@pytest.mark.django_db
def test_a_persons_name_is_labelled_xingming_and_a_handover_names_its_target(areas, make_user, client_for):
    admin = make_user(areas["county"], "security_admin")
    page = visible_text(client_for(admin).get("/accounts/users/").content.decode())
    assert "姓名" in page and "名称" not in page


def test_benefit_programmes_cite_policy_not_seed_material():
    for path in (POLICY_DIR / "benefits").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert "种子材料" not in text, path.name
        source = re.search(r'^source = "(.*)"$', text, re.M)
        assert source and ("《" in source.group(1) or "地方" in source.group(1)), path.name


@pytest.mark.django_db
def test_the_person_timeline_shows_the_day_in_shanghai_not_in_utc(areas, make_user, client_for):
    import datetime

    from jisheng.hall.models import Application

    client, objects = _setup(areas, make_user, client_for)
    application = next(o for o in objects if isinstance(o, Application))
    late_evening_utc = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)  # 01:30 on 2 March in 平舆
    Application.objects.filter(pk=application.pk).update(received_at=late_evening_utc)
    page = visible_text(client.get(f"/registry/persons/{application.person_id}/").content.decode())
    assert "2026-03-02" in page and "2026-03-01" not in page


def test_an_import_reads_every_ethnic_group_by_its_name():
    from jisheng.registry.imports.rows import parse_ethnicity

    assert (
        parse_ethnicity("傈僳族") == "20"
        and parse_ethnicity("基诺") == "56"
        and parse_ethnicity("汉族") == "01"
    )


@pytest.mark.django_db
def test_a_form_sent_from_an_expired_page_gets_the_chinese_403_page(areas, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(areas["township_a"], "counter_clerk"))
    refused = client.post("/accounts/logout/")
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "表单未能提交" in text and 'class="topbar"' in text and "返回上一页" in text


def test_a_persons_name_is_xingming_wherever_the_registry_names_the_field():
    from django.utils import translation

    from jisheng.registry.forms import PersonForm
    from jisheng.registry.validation import field_label

    with translation.override("zh-hans"):
        assert field_label("name") == "姓名"
        assert str(PersonForm.base_fields["name"].label) == "姓名"
