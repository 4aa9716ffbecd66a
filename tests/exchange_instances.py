"""Two real Jisheng deployments on loopback for end-to-end tests of the exchange (pytest fixtures).

``exchange_pair`` gives ``(henan, guangdong)``: two ``jisheng serve`` processes, 平舆县 (411723, Henan)
and 东莞市 (441900, Guangdong), each with its own data directory and SQLite database (migrated, with a
small area tree: two townships or streets with a village or community each), its own Ed25519 key pair,
and the other configured as its peer (``exchange-peer add`` with the other's ``exchange-identity``).
The scheduler does not run: a test sends with ``henan.command("exchange-send", "--now")`` (messages are
also tried right after the commit that queued them). The kind ``test.echo`` is registered on both.

To reuse it (the migrants app's end-to-end story), make the fixtures visible in your tests' conftest.py
and mark the tests ``smoke`` (servers in subprocesses: they run with the SQLite suite, not the
PostgreSQL one)::

    # jisheng/migrants/tests/conftest.py
    from tests.exchange_instances import exchange_pair, exchange_pair_module, exchange_template  # noqa: F401

    # jisheng/migrants/tests/test_exchange_story.py
    pytestmark = pytest.mark.smoke

    def test_a_woman_leaves_pingyu_for_dongguan(exchange_pair):
        henan, guangdong = exchange_pair
        person = henan.shell_json('''
            from jisheng.registry import services  # anything, as in `jisheng shell`
            ...
            result = {"id": person.pk}
        ''')
        henan.command("exchange-send", "--now")
        guangdong.stop(); ...; guangdong.start()

Helpers on each ``Instance`` (``jisheng.exchange.instances``): ``shell_json(code)`` runs Python in
``jisheng shell -c`` there and returns what the code put in ``result`` (through JSON); ``shell(code)``
and ``command(*arguments)`` return the output; ``stop()``, ``start()``, ``restart()``; ``url``,
``data_dir``, ``log_tail()``. The pair is module-scoped (one pair per test module: give each test its own
subject keys and persons), and an instance a test stopped is started again for the next test. For settings of
your own (e.g. a flag that registers your kinds), make a fixture of your own with
``loopback_pair(dir, extra_env={...}, template_db=exchange_template)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jisheng.exchange.instances import Instance, loopback_pair, migrated_database


@pytest.fixture(scope="session")
def exchange_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly migrated SQLite database per test session; every instance starts from a copy."""
    return migrated_database(tmp_path_factory.mktemp("exchange-template"))


@pytest.fixture(scope="module")
def exchange_pair_module(
    tmp_path_factory: pytest.TempPathFactory, exchange_template: Path
) -> Iterator[tuple[Instance, Instance]]:
    with loopback_pair(tmp_path_factory.mktemp("exchange-pair"), template_db=exchange_template) as pair:
        yield pair


@pytest.fixture
def exchange_pair(exchange_pair_module: tuple[Instance, Instance]) -> tuple[Instance, Instance]:
    """The module's pair, both running (an instance a previous test stopped is started again)."""
    for instance in exchange_pair_module:
        if not instance.running:
            instance.start()
    return exchange_pair_module
