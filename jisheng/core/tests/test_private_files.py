"""The service's files are readable by its own user only; no page may be kept by a browser cache."""

import os
import stat
import subprocess
import sys


def test_the_database_the_command_creates_is_readable_by_its_owner_only(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # as an older release, or a hand-made directory, left it
    env = {**os.environ, "JISHENG_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "jisheng", "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        timeout=600,
    )
    database = data / "jisheng.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_pages_are_marked_not_to_be_stored(areas, make_user, client_for):
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    assert client.get("/registry/").headers["Cache-Control"] == "no-store"
    assert client.get("/portal/").headers.get("Cache-Control") == "no-store"
