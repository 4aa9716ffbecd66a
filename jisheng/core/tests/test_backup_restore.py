"""A backup taken while Jisheng runs restores the database, the keys and the audit chain intact."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _jisheng(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"JISHENG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "jisheng", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def _count_users(data_dir: Path) -> str:
    code = "from jisheng.accounts.models import User; print(User.objects.count())"
    return _jisheng(data_dir, "shell", "--no-imports", "-c", code).stdout.strip()


def test_a_backup_restores_data_keys_and_an_intact_audit_chain(tmp_path):
    data = tmp_path / "data"
    assert _jisheng(data, "migrate", "-v", "0").returncode == 0
    assert _jisheng(data, "demo", "--persons", "0").returncode == 0
    users_before = _count_users(data)
    assert int(users_before) >= 11
    (data / "keys").mkdir(exist_ok=True)
    (data / "keys" / "signing.key").write_text("secret-key-material")
    made = _jisheng(data, "backup", "--output-dir", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip())
    assert archive.exists()

    # Disaster: the database is gone and the key is overwritten.
    for leftover in data.glob("jisheng.sqlite3*"):
        leftover.unlink()
    (data / "keys" / "signing.key").write_text("lost")

    restored = _jisheng(data, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "审计链完整" in restored.stdout
    assert _count_users(data) == users_before
    assert (data / "keys" / "signing.key").read_text() == "secret-key-material"
