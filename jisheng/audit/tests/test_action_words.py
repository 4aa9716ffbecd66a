"""Every action the code writes into the trail has words in the viewer, in Chinese: an auditor reading
"其他" or a dotted code cannot tell a care gift approved from a petition closed."""

import re
from pathlib import Path

from django.utils import translation

from jisheng.audit.actions import ACTIONS, KINDS, action_label, kind_label

PACKAGE = Path(__file__).resolve().parents[2]
WRITTEN = re.compile(r'action="([a-z_]+\.[a-z_]+)"')


def _actions_written_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found.update(WRITTEN.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_action_the_code_writes_is_named_and_its_kind_known() -> None:
    written = _actions_written_by_the_code()
    assert len(written) > 150  # the scan finds the services' actions
    assert sorted(written - set(ACTIONS)) == []
    assert sorted({code.split(".", 1)[0] for code in written} - set(KINDS)) == []


def test_the_new_apps_actions_read_as_chinese_words() -> None:
    with translation.override("zh-hans"):
        assert action_label("outreach.gift_approve") == "关怀慰问已批准"
        assert action_label("petitions.matter_close") == "信访事项已办结"
        assert kind_label("migrants.departure_record") == "流动人口"
        for code in _actions_written_by_the_code():
            label = action_label(code)
            assert re.search(r"[\u4e00-\u9fff]", label), (code, label)
