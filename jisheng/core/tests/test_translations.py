"""Every user-facing string has a Simplified Chinese translation: none missing, none fuzzy, none stale."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs gettext's xgettext (installed by scripts/test)"
)
def test_every_string_in_the_code_is_translated_into_simplified_chinese(tmp_path):
    # Extract from a copy so that the check never rewrites the working tree.
    copy = tmp_path / "jisheng"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    result = subprocess.run(
        [sys.executable, "-m", "jisheng", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    problems = []
    for po_path in sorted(copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        catalogue = polib.pofile(str(po_path))
        relative = po_path.relative_to(copy)
        problems += [
            f"{relative}: untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()
        ]
        problems += [f"{relative}: fuzzy: {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    assert not problems, (
        "Run `cd jisheng && jisheng makemessages -l zh_Hans --no-obsolete` and translate:\n"
        + "\n".join(problems)
    )


def test_pages_speak_simplified_chinese_by_default(client, db):
    page = client.get("/accounts/login/")
    assert "工作人员登录" in page.content.decode()
    assert page.headers["Content-Language"] == "zh-hans"


def test_a_browser_set_to_english_still_gets_chinese_until_the_user_switches(db):
    from django.test import Client

    client = Client(headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "工作人员登录" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Staff sign-in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "工作人员登录" in client.get("/accounts/login/").content.decode()
