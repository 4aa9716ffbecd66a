"""Two real Jisheng deployments on loopback that trust each other: for the two-instance tests (through
``tests/exchange_instances.py``) and the exchange benchmark.

Each instance is a ``python -m jisheng serve`` process (gunicorn, without the scheduler unless asked, so a
test decides when the periodic sending runs) with its own ``JISHENG_DATA_DIR`` and SQLite database,
migrated (once: both start from a copy of one freshly migrated database), a small area tree, its own Ed25519 key
pair, and the other configured as its peer::

    with loopback_pair(tmp_dir) as (henan, guangdong):
        guangdong.shell_json("result = ...")      # Python run in `jisheng shell -c` on that instance
        henan.command("exchange-send", "--now")   # any management command
        guangdong.stop(); guangdong.start()

Instance A is 平舆县 (411723, Henan: two townships, a village each), instance B 东莞市 (441900,
Guangdong: two streets, a community each). ``test.echo`` is registered on both
(JISHENG_EXCHANGE_TEST_KINDS=1); ``extra_env`` adds settings (e.g. to switch on a domain app's own kinds).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AREAS_A = [
    ("410000000000", "河南省"),
    ("411700000000", "驻马店市"),
    ("411723000000", "平舆县"),
    ("411723101000", "庙湾镇"),
    ("411723101201", "王庄村"),
    ("411723102000", "射桥镇"),
    ("411723102201", "张营村"),
]
AREAS_B = [
    ("440000000000", "广东省"),
    ("441900000000", "东莞市"),
    ("441900003000", "东城街道"),
    ("441900003001", "东城社区"),
    ("441900004000", "南城街道"),
    ("441900004001", "南城社区"),
]

RESULT_MARK = "@@result@@"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    name: str
    code: str  # the deployment's area code, e.g. "411723"
    areas: list[tuple[str, str]]
    data_dir: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    scheduler: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.update(
            JISHENG_DATA_DIR=str(self.data_dir),
            JISHENG_PUBLIC_URL=self.url,
            JISHENG_ALLOWED_HOSTS="127.0.0.1,localhost",
            JISHENG_EXCHANGE_SELF_CODE=self.code,
            JISHENG_EXCHANGE_TEST_KINDS="1",
            JISHENG_LOG_LEVEL="ERROR",
            **self.extra_env,
        )
        return env

    def command(self, *arguments: str, check: bool = True, timeout: float = 600) -> str:
        """Run ``jisheng <arguments>`` on this instance; its output (stdout and stderr)."""
        completed = subprocess.run(
            [sys.executable, "-m", "jisheng", *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = completed.stdout + completed.stderr
        if check and completed.returncode != 0:
            raise RuntimeError(f"{self.name}: jisheng {' '.join(arguments)} failed:\n{output}")
        return output

    def shell(self, code: str, *, timeout: float = 600) -> str:
        """Run Python in ``jisheng shell -c`` on this instance (Django set up); its output."""
        return self.command("shell", "-c", textwrap.dedent(code), timeout=timeout)

    def shell_json(self, code: str, *, timeout: float = 600) -> Any:
        """Run Python that sets ``result``; ``result`` as it comes back through JSON."""
        script = (
            textwrap.dedent(code)
            + f"\nimport json as _j\nprint({RESULT_MARK!r} + _j.dumps(result, default=str))\n"
        )
        output = self.shell(script, timeout=timeout)
        for line in reversed(output.splitlines()):
            if line.startswith(RESULT_MARK):
                return json.loads(line[len(RESULT_MARK) :])
        raise RuntimeError(f"{self.name}: no result in:\n{output}")

    def start(self, *, timeout: float = 120) -> None:
        arguments = ["serve", "--host=127.0.0.1", f"--port={self.port}", "--workers=1", "--threads=4"]
        if not self.scheduler:
            arguments.append("--no-scheduler")
        log = (self.data_dir / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jisheng", *arguments],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer /healthz in time:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        path = self.data_dir / "serve.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def prepare(self, template_db: Path | None = None) -> dict[str, str]:
        """Migrate (or copy a freshly migrated database), load the area tree, make the key pair; this
        instance's peer entry."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if template_db is not None:
            shutil.copyfile(template_db, self.data_dir / "jisheng.sqlite3")
        else:
            self.command("migrate", "--no-input", "-v", "0")
        rows = json.dumps([list(row) for row in self.areas], ensure_ascii=False)
        entry: dict[str, str] = self.shell_json(
            f"""
            from jisheng.areas.services import areas_import
            from jisheng.core.actor import COMMAND_LINE
            from jisheng.exchange import identity
            areas_import(rows={rows}, by=COMMAND_LINE)
            result = identity.current().as_peer_entry()
            """
        )
        return entry

    def trust(self, entry: dict[str, str]) -> None:
        self.command(
            "exchange-peer",
            "add",
            f"--code={entry['code']}",
            f"--name={entry['name']}",
            f"--area-prefixes={entry['area_prefixes']}",
            f"--base-url={entry['base_url']}",
            f"--public-key={entry['public_key']}",
        )


def migrated_database(base_dir: Path) -> Path:
    """A freshly migrated SQLite database under ``base_dir`` (made once, then reused): each instance
    starts from a copy instead of running every migration itself."""
    template = Instance("template", "411723", [], base_dir / "template")
    database = template.data_dir / "jisheng.sqlite3"
    if not (template.data_dir / "migrated").exists():
        template.data_dir.mkdir(parents=True, exist_ok=True)
        template.command("migrate", "--no-input", "-v", "0")
        (template.data_dir / "migrated").write_text("1\n")
    return database


def make_pair(
    base_dir: Path, *, extra_env: dict[str, str] | None = None, template_db: Path | None = None
) -> tuple[Instance, Instance]:
    """Two prepared instances that trust each other (not started)."""
    template_db = template_db or migrated_database(base_dir)
    a = Instance("平舆县", "411723", AREAS_A, base_dir / "a", extra_env=dict(extra_env or {}))
    b = Instance("东莞市", "441900", AREAS_B, base_dir / "b", extra_env=dict(extra_env or {}))
    entry_a = a.prepare(template_db)
    entry_b = b.prepare(template_db)
    a.trust(entry_b)
    b.trust(entry_a)
    return a, b


@contextmanager
def loopback_pair(
    base_dir: Path, *, extra_env: dict[str, str] | None = None, template_db: Path | None = None
) -> Iterator[tuple[Instance, Instance]]:
    """Two running instances that trust each other; both stopped on leaving."""
    a, b = make_pair(base_dir, extra_env=extra_env, template_db=template_db)
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()
