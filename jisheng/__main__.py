"""The `jisheng` command: Django's management commands plus Jisheng's own."""

import os
import sys


def main() -> None:
    # Files the service creates (the SQLite database and its journal, keys, uploads, backups, logs)
    # are readable by the service's own user only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jisheng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jisheng", *sys.argv[1:]])


if __name__ == "__main__":
    main()
