"""The calendar a server process holds is loaded once, not once per thread that waited for it (issue 17).

Under load the four threads of a worker asked for an expired calendar at the same moment; each one
that waited for the lock loaded the whole table again after the first had just done so.
"""

import threading
import time
from unittest import mock

from jisheng.workdays import calendar


def test_a_thread_that_waited_for_the_load_uses_it_instead_of_loading_again() -> None:
    held = calendar._Calendar()
    done = threading.Event()
    loads: list[str] = []

    def wait_then_ensure() -> None:
        held.ensure()
        done.set()

    def load(*_fields: str) -> mock.MagicMock:
        loads.append("loaded")
        return mock.MagicMock()

    with (
        mock.patch("jisheng.workdays.models.CalendarDay.objects") as table,
        mock.patch("jisheng.workdays.calendar._fill_missing_years"),  # (its own test)
    ):
        table.order_by.side_effect = load  # the load reads the table in date order
        with held.lock:  # another thread is loading the calendar
            waiting = threading.Thread(target=wait_then_ensure)
            waiting.start()
            time.sleep(0.1)
            assert not done.is_set()
            held.years = frozenset({2026})
            held.loaded_at = time.monotonic()
        waiting.join(5)
    assert done.is_set()
    assert loads == []
