"""The installable app's own pages: a shell holding nobody's data, the service worker scoped to the app,
the manifest with its icons, and who is signed in (with the CSRF token the app sends records with)."""

from __future__ import annotations

from typing import Any

from django.test import Client


def test_the_shell_opens_for_anyone_and_holds_no_ones_data(db: Any) -> None:
    response = Client().get("/offline/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "offline-strings" in page and "村级采集" in page and "manifest.webmanifest" in page


def test_the_service_worker_is_scoped_to_the_app_and_lists_the_shell(db: Any) -> None:
    response = Client().get("/offline/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/offline/"
    body = response.content.decode()
    assert "const VERSION" in body and "/static/offline/app.js" in body


def test_the_manifest_names_the_app_in_chinese_with_its_icons(db: Any) -> None:
    manifest = Client().get("/offline/manifest.webmanifest").json()
    assert manifest["scope"] == "/offline/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert Client().get(icon["src"]).status_code == 200


def test_whoami_names_the_signed_in_officer_and_refuses_everyone_else(areas, make_user, client_for) -> None:
    assert Client().get("/offline/whoami").status_code == 401
    officer = make_user(areas["village_a"], "village_officer", full_name="王村干")
    answer = client_for(officer).get("/offline/whoami").json()
    assert answer["id"] == officer.pk and answer["name"] == "王村干" and answer["csrf"]
    auditor = make_user(areas["township_a"], "auditor")
    assert client_for(auditor).get("/offline/whoami").status_code == 403


def test_the_service_workers_version_changes_with_the_page_and_the_module_it_keeps(
    monkeypatch: Any, tmp_path: Any
) -> None:
    """A phone refreshes its kept shell only when the version changes: a new page or a new db.js under
    the same version would leave phones running the old one next to the new script."""
    import functools

    from django.contrib.staticfiles import finders

    from jisheng.offline import views

    real_find = finders.find
    module = tmp_path / "db.js"

    def find(name: str, *args: Any, **kwargs: Any) -> Any:
        return str(module) if name == "offline/db.js" else real_find(name, *args, **kwargs)

    monkeypatch.setattr(finders, "find", find)
    # A cache of its own: the process keeps its version, not one computed from a file that is gone.
    monkeypatch.setattr(views, "_files_version", functools.cache(views._files_version.__wrapped__))
    versions = []
    for text in ("export const A = 1;", "export const A = 2;"):
        module.write_text(text)
        views._files_version.cache_clear()
        versions.append(views._files_version())
    assert versions[0] != versions[1]
    page = Client().get("/offline/sw.js").content.decode()
    assert f'const VERSION = "{views._files_version()}"' in page
