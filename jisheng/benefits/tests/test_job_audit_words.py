"""The audit trail names what the background jobs write in words, not codes."""

import pytest
from django.utils import translation

from jisheng.audit.actions import action_label

JOB_ACTIONS = [
    "benefits.batch_job_start",
    "benefits.batch_job_update",
    "reporting.job_start",
    "reporting.job_update",
    "exchange.message_send",
    "exchange.messages_acknowledged",
    "exchange.message_failed",
    "exchange.outbox_retry",
]


@pytest.mark.parametrize("action", JOB_ACTIONS)
def test_each_action_a_job_writes_has_chinese_words_in_the_audit_viewer(action):
    with translation.override("zh-hans"):
        label = action_label(action)
    assert label not in ("奖励扶助", "统计报表", "数据交换", action) and "." not in label
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label)
