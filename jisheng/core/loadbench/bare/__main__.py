"""``python -m jisheng.core.loadbench.bare setup N`` prints JSON {"sessions": [...], "codes": [...]};
``python -m jisheng.core.loadbench.bare serve --port P --workers W --threads T`` serves it with
Jisheng's gunicorn settings; ``drop`` removes its table."""

from __future__ import annotations

import argparse
import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.core.loadbench.bare.settings"

ITEMS = 10_000


def setup(sessions: int) -> dict[str, list[str]]:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection

    from .models import Item

    tables = connection.introspection.table_names()
    with connection.schema_editor() as editor:
        if Session._meta.db_table not in tables:
            editor.create_model(Session)
        if Item._meta.db_table not in tables:
            editor.create_model(Item)
    if Item.objects.count() < ITEMS:
        Item.objects.all().delete()
        Item.objects.bulk_create(
            Item(code=f"B{index:05d}", name=f"事项 {index}", note="办理条件\n所需材料\n办理时限")
            for index in range(ITEMS)
        )
    keys = []
    for index in range(sessions):
        store = SessionStore()
        store["visits"] = index
        store.create()
        keys.append(str(store.session_key))
    return {"sessions": keys, "codes": [f"B{index:05d}" for index in range(0, ITEMS, 7)]}


def drop() -> None:
    from django.db import connection

    from .models import Item

    if Item._meta.db_table in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.delete_model(Item)


def main(argv: list[str]) -> None:
    import django

    parser = argparse.ArgumentParser(prog="python -m jisheng.core.loadbench.bare")
    parser.add_argument("action", choices=["setup", "serve", "drop"])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args(argv)
    django.setup()
    if options.action == "setup":
        print(json.dumps(setup(options.sessions)))
    elif options.action == "drop":
        drop()
    else:
        from jisheng.core.management.commands.serve import Command

        # `jisheng serve --web-only` itself, so the server settings are the same by construction: its
        # WSGI module (jisheng.wsgi) only sets a default settings module, and this one is already set.
        Command()._gunicorn(
            {
                "host": options.host,
                "port": options.port,
                "workers": options.workers,
                "threads": options.threads,
            }
        )


if __name__ == "__main__":
    main(sys.argv[1:])
