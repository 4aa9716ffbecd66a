"""Backup and restore of a whole deployment: the database plus the data directory's keys and uploads.

SQLite is copied with its online backup API (consistent while Jisheng keeps serving); PostgreSQL is
dumped with pg_dump's custom format. Either way one .tar.gz holds everything, so that a restore on a
new machine also brings back the certificate signing keys (without them old certificates no longer
verify) and the uploaded materials.
"""

from __future__ import annotations

import datetime
import io
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

DATA_MEMBERS = ("keys", "uploads", "secret_key")


def _database_settings() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def _pg_env_args() -> tuple[dict[str, str], list[str]]:
    db = _database_settings()
    env = {"PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = [
        "-h",
        str(db.get("HOST") or "127.0.0.1"),
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        str(db.get("USER")),
    ]
    return env, args


def backup(*, output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = output_dir / f"jisheng-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        if connection.vendor == "sqlite":
            dump = scratch_dir / "database.sqlite3"
            source = sqlite3.connect(str(_database_settings()["NAME"]))
            with sqlite3.connect(str(dump)) as destination:
                source.backup(destination)
            source.close()
        else:
            dump = scratch_dir / "database.pgdump"
            env, args = _pg_env_args()
            subprocess.run(
                ["pg_dump", "-Fc", *args, "-f", str(dump), str(_database_settings()["NAME"])],
                check=True,
                env={**env, "PATH": "/usr/bin:/bin"},
            )
        with tarfile.open(target, "w:gz") as archive:
            archive.add(dump, arcname=dump.name)
            for member in DATA_MEMBERS:
                path = settings.DATA_DIR / member
                if path.exists():
                    archive.add(path, arcname=f"data/{member}")
            archive.addfile(_manifest(connection.vendor), io.BytesIO(connection.vendor.encode()))
    target.chmod(0o600)
    return target


def _manifest(vendor: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo("VENDOR")
    info.size = len(vendor.encode())
    return info


def _drop_partitioned_tables() -> None:
    """Drop the partitioned tables (persons by county) with their partitions before ``pg_restore
    --clean``: its clean step drops each partition's copy of the parent's key on its own, which
    PostgreSQL refuses for an inherited constraint, and the restore would stop there. The archive
    creates them again, partitions included."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'p' AND n.nspname = current_schema()"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)} CASCADE")
    connections.close_all()


def restore(*, archive_path: Path) -> None:
    """Replace the current database and data files with the archive's. Stop the server first."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(scratch_dir, filter="data")
        vendor = (scratch_dir / "VENDOR").read_text()
        if vendor != connection.vendor:
            raise ValueError(f"备份来自 {vendor} 数据库，当前为 {connection.vendor}，不能直接恢复。")
        connections.close_all()
        if vendor == "sqlite":
            name = Path(str(_database_settings()["NAME"]))
            with (
                sqlite3.connect(str(scratch_dir / "database.sqlite3")) as source,
                sqlite3.connect(str(name)) as dest,
            ):
                source.backup(dest)
        else:
            _drop_partitioned_tables()
            env, args = _pg_env_args()
            subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    *args,
                    "-d",
                    str(_database_settings()["NAME"]),
                    str(scratch_dir / "database.pgdump"),
                ],
                check=True,
                env={**env, "PATH": "/usr/bin:/bin"},
            )
        for member in DATA_MEMBERS:
            extracted = scratch_dir / "data" / member
            if not extracted.exists():
                continue
            destination = settings.DATA_DIR / member
            if destination.is_dir():
                shutil.rmtree(destination)
            elif destination.exists():
                destination.unlink()
            shutil.move(str(extracted), str(destination))
