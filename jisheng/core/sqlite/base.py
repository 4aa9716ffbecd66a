"""Django's SQLite backend, each transaction taking its writers' turn before ``BEGIN IMMEDIATE`` and
giving it back when it commits, rolls back or its connection closes (``turn``)."""

from __future__ import annotations

from django.db.backends.sqlite3 import base

from .turn import WritersTurn, turn_of


class DatabaseWrapper(base.DatabaseWrapper):
    _turn_held: WritersTurn | None = None

    def _start_transaction_under_autocommit(self) -> None:
        turn = self._writers_turn()
        if turn is not None and turn.take():
            self._turn_held = turn
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # Django's own, not in its stubs
        except BaseException:
            self._give_back_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # Django's own, not in its stubs
        finally:
            self._give_back_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # Django's own, not in its stubs
        finally:
            self._give_back_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # Django's own, not in its stubs
        finally:
            self._give_back_turn()

    def _writers_turn(self) -> WritersTurn | None:
        # An in-memory database (the tests') belongs to one process, whose threads SQLite serves alone.
        if self.is_in_memory_db() or getattr(self, "transaction_mode", None) != "IMMEDIATE":
            return None
        return turn_of(str(self.settings_dict["NAME"]))

    def _give_back_turn(self) -> None:
        turn, self._turn_held = self._turn_held, None
        if turn is not None:
            turn.give_back()
