"""The exchange benchmark runs end to end on a small number of messages (the figures are taken elsewhere)."""

import pytest

from jisheng.exchange import bench

pytestmark = pytest.mark.smoke


def test_the_benchmark_exchanges_every_message_between_two_instances(tmp_path, exchange_template):
    result = bench.exchange_end_to_end(40, tmp_path, log=lambda line: None, template_db=exchange_template)
    assert result["states"]["acked"] == 40 and result["applied"] == 40
    assert result["seconds"] > 0


def test_the_bare_signing_cost_is_measured_on_the_same_number_of_messages():
    assert bench.bare_signing(20) > 0


def test_the_module_measures_nothing_when_the_exchange_is_not_asked_for():
    from jisheng.core.bench import BenchContext

    assert list(bench.measures(BenchContext(persons=0, only={"registry"}))) == []
