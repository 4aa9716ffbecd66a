import re

from django.test import Client


def test_healthz_answers_200_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_openapi_document_is_served(db):
    document = Client().get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "计生服务管理系统 API"
    assert "/api/v1/accounts/me" in document["paths"]


def test_the_api_docs_page_loads_nothing_from_another_host(db):
    page = Client().get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(not source.startswith(("http:", "https:", "//")) for source in sources), sources


def test_every_page_carries_a_content_security_policy_without_other_hosts(db):
    response = Client().get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "http" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_template_or_static_file_loads_anything_from_a_cdn():
    from pathlib import Path

    package = Path(__file__).resolve().parents[2]
    offenders = []
    for path in list(package.glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        if re.search(r'(?:src|href)="(?:https?:)?//', text):
            offenders.append(str(path))
    assert not offenders, offenders


def test_the_staff_home_tells_each_role_what_to_do_next(areas, make_user, client_for):
    clerk = make_user(areas["township_a"], "counter_clerk", full_name="李红梅")
    page = client_for(clerk).get("/").content.decode()
    assert "欢迎，李红梅" in page
    assert "受理申请，一次性告知所缺材料" in page


def test_htmx_and_echarts_are_served_by_jisheng_itself(db):
    client = Client()
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
