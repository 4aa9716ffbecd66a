"""Sealing (or re-sealing) whole columns in place, in batches: used by the migrations that seal a
column of a database already holding data, and by ``jisheng crypto-rotate`` after a key rotation
(``reindex_table``: the blind index columns after an index key rotation).

Works with the cursor, not the ORM, so a migration's historical models and a million rows cost one
SELECT and one UPDATE per batch (``executemany``). Works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .fields import seal, seal_equal, unseal

BATCH = 2000


@dataclass(frozen=True)
class Column:
    name: str
    purpose: str
    equal: bool  # True: sealed deterministically (seal_equal), False: seal with a random nonce


def reseal_table(
    connection: Any,
    table: str,
    pk: str,
    columns: list[Column],
    *,
    derived: Callable[[dict[str, str]], dict[str, str]] | None = None,
    open_only: bool = False,
) -> int:
    """Seal every non-empty value of ``columns`` under the current key version (plaintext and values
    sealed under an older version alike; ``open_only`` writes them back in the clear, for a reversed
    migration). ``derived(plain values) -> {column: value}`` adds columns computed from the plaintext.
    Returns the number of rows written."""
    extra = list(derived({c.name: "" for c in columns})) if derived else []

    def sealed(plain: dict[str, str]) -> list[str]:
        values = []
        for column in columns:
            text = plain[column.name]
            if open_only or text == "":
                values.append(text)
            elif column.equal:
                values.append(seal_equal(text, purpose=column.purpose))
            else:
                values.append(seal(text, purpose=column.purpose))
        if derived:
            values.extend(derived(plain).values())
        return values

    return _rewrite(connection, table, pk, columns, [c.name for c in columns] + extra, sealed)


def reindex_table(
    connection: Any,
    table: str,
    pk: str,
    sources: list[Column],
    derived: Callable[[dict[str, str]], dict[str, str]],
) -> int:
    """Recompute blind index columns from the plaintext of ``sources`` (opened, never re-sealed):
    ``derived(plain values) -> {index column: value}``, in batches as ``reseal_table``. Used by
    ``jisheng crypto-rotate --index`` after a new index key is made current. Returns rows written."""
    targets = list(derived({c.name: "" for c in sources}))

    def indexed(plain: dict[str, str]) -> list[str]:
        values = derived(plain)
        return [values[name] for name in targets]

    return _rewrite(connection, table, pk, sources, targets, indexed)


def _rewrite(
    connection: Any,
    table: str,
    pk: str,
    sources: list[Column],
    targets: list[str],
    compute: Callable[[dict[str, str]], list[str]],
) -> int:
    """Walk ``table`` in primary-key order, a batch at a time: open ``sources`` of each row and write
    ``compute(plain values)`` into ``targets`` (one SELECT and one ``executemany`` UPDATE a batch)."""
    quote = connection.ops.quote_name
    select = (
        f"SELECT {quote(pk)}, {', '.join(quote(c.name) for c in sources)} FROM {quote(table)} "
        f"WHERE {quote(pk)} > %s ORDER BY {quote(pk)}"
    )
    assignments = ", ".join(f"{quote(n)} = %s" for n in targets)
    update = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)} = %s"
    written = 0
    last: Any = -1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select + f" LIMIT {BATCH}", [last])
            rows = cursor.fetchall()
            if not rows:
                return written
            changes = []
            for row in rows:
                last = row[0]
                plain = {
                    column.name: unseal(value or "", purpose=column.purpose)
                    for column, value in zip(sources, row[1:], strict=True)
                }
                changes.append([*compute(plain), row[0]])
            cursor.executemany(update, changes)
            written += len(changes)
