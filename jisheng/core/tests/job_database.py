"""The database the kill -9 tests' own processes (setup, workers, state readers) share.

On SQLite (no ``DATABASE_URL``, or not PostgreSQL) it is the file in the test's data directory. Under
PostgreSQL (the CI's second run sets ``DATABASE_URL``) it is a throwaway database of its own on the
same server, created empty and dropped afterwards, so the same kill tests run on both engines and never
touch the test database pytest holds open."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


@contextmanager
def subprocess_env(base: dict[str, str]) -> Iterator[dict[str, str]]:
    """``base`` (an environment) with the database the subprocesses are to use."""
    url = os.environ.get("DATABASE_URL", "")
    env = {key: value for key, value in base.items() if key != "DATABASE_URL"}
    if not is_postgresql(url):
        yield env
        return
    import psycopg

    parts = urlsplit(url)
    name = f"jisheng_kill_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
