"""`jisheng serve`: Jisheng under gunicorn, the production server, with static files from whitenoise.

It also runs the periodic work (`jisheng scheduler`: deadline sweeps and warnings, message sending) so
that one command is a whole office, and the background jobs (`jisheng worker`: imports; see
jisheng.core.jobs). The scheduler and the job worker run once per `serve`, never once per web worker:
`serve` is a small supervisor with three children, gunicorn (`serve --web-only`), the scheduler and the
job worker. A scheduler or job worker that dies is started again after a pause; when gunicorn ends,
they are stopped and `serve` exits with gunicorn's status (with `--no-scheduler`, neither runs here). Signals (TERM, INT, HUP for a graceful reload) are passed on.

The supervisor is a separate parent rather than a thread or a child of gunicorn's arbiter: the arbiter
reaps every child it has (it would take the scheduler's exit status from us), and a thread in the
arbiter would be running while gunicorn forks its workers.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

# A Unix socket path must fit in sun_path (108 bytes on Linux, with its terminating NUL).
MAX_SOCKET_PATH = 100
RESTART_PAUSE_SECONDS = 10
# gunicorn's workers and threads on the office's two cores, unless JISHENG_WORKERS / JISHENG_THREADS or
# --workers / --threads say otherwise (docs/benchmarks.md, HTTP: the sweep).
DEFAULT_WORKERS = 3
DEFAULT_THREADS = 4
# How long an idle kept-alive connection stays open. gunicorn's default, 2 s, closes a connection just
# as a client that asks every two seconds sends its next request on it; a POST sent on a connection the
# server has closed is not sent again by the client, and the resident or clerk gets no answer (the
# 100 requests/s load run lost 3 of 3,000 that way, all of them POSTs).
KEEPALIVE_SECONDS = 5


def default_workers() -> int:
    return int(os.environ.get("JISHENG_WORKERS", str(DEFAULT_WORKERS)))


def default_threads() -> int:
    return int(os.environ.get("JISHENG_THREADS", str(DEFAULT_THREADS)))


def control_socket_options(data_dir: Path) -> dict[str, Any]:
    """gunicorn's control socket lives in the data directory, so two instances on one host never share
    one (its default is a single path under the user's home); a path too long for a socket turns it off."""
    path = data_dir / "gunicorn.ctl"
    if len(str(path).encode()) > MAX_SOCKET_PATH:
        return {"control_socket_disable": True}
    return {"control_socket": str(path)}


def _jisheng_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "jisheng", *arguments]


class Command(BaseCommand):
    help = "Serve Jisheng with gunicorn (threads, several workers) and run the periodic work alongside."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--threads", type=int, default=default_threads())
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not run the periodic work here (another host or a system timer runs it)",
        )
        parser.add_argument("--web-only", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: object, **options: Any) -> None:
        if options["web_only"] or options["no_scheduler"]:
            self.stdout.write(f"Jisheng: http://{options['host']}:{options['port']}/")
            self.stdout.flush()
            self._gunicorn(options)
            return
        web_arguments = [
            "serve",
            "--web-only",
            f"--host={options['host']}",
            f"--port={options['port']}",
            f"--workers={options['workers']}",
            f"--threads={options['threads']}",
        ]
        sys.exit(
            Supervisor(self.stdout).run(
                _jisheng_command(*web_arguments), _jisheng_command("scheduler"), _jisheng_command("worker")
            )
        )

    def _gunicorn(self, options: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication

        from jisheng.wsgi import application

        class _Gunicorn(BaseApplication):  # type: ignore[misc]
            def __init__(self, config: dict[str, Any]) -> None:
                self.config = config
                super().__init__()

            def load_config(self) -> None:
                for key, value in self.config.items():
                    # The control-socket settings exist only in recent gunicorn; an older one has no socket.
                    if key in self.cfg.settings:
                        self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        _Gunicorn(gunicorn_settings(options)).run()


def gunicorn_settings(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "bind": f"{options['host']}:{options['port']}",
        "workers": options["workers"],
        "threads": options["threads"],
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": KEEPALIVE_SECONDS,
        **control_socket_options(Path(settings.DATA_DIR)),
    }


class Supervisor:
    """Runs the web server, the scheduler and the job worker as children; see the module's docstring."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.stopping = False
        self.web: subprocess.Popen[bytes] | None = None
        self.helpers: dict[str, subprocess.Popen[bytes] | None] = {}

    def _forward(self, signum: int, _frame: object) -> None:
        if signum != signal.SIGHUP:
            self.stopping = True
        for child in (self.web, *self.helpers.values()):
            if child is not None and child.poll() is None:
                child.send_signal(signum)

    def run(
        self, web_command: list[str], scheduler_command: list[str], worker_command: list[str] | None = None
    ) -> int:
        """Run until the web server ends; the scheduler and the worker (background jobs) are started
        again after a pause when they die (a worker that starts again resumes its dead predecessor's jobs)."""
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._forward)
        commands = {"scheduler": scheduler_command}
        if worker_command is not None:
            commands["worker"] = worker_command
        self.web = subprocess.Popen(web_command)
        self.helpers = {name: subprocess.Popen(command) for name, command in commands.items()}
        restart_at = dict.fromkeys(commands, 0.0)
        while True:
            status = self.web.poll()
            if status is not None:
                self._stop_helpers()
                return status
            for name, command in commands.items():
                child = self.helpers[name]
                if child is None and not self.stopping and time.monotonic() >= restart_at[name]:
                    self.out.write(f"{name}: starting again")
                    self.helpers[name] = subprocess.Popen(command)
                elif child is not None and child.poll() is not None and not self.stopping:
                    self.out.write(f"{name}: exited with {child.returncode}; restarting shortly")
                    self.helpers[name] = None
                    restart_at[name] = time.monotonic() + RESTART_PAUSE_SECONDS
            time.sleep(1)

    @property
    def scheduler(self) -> subprocess.Popen[bytes] | None:
        return self.helpers.get("scheduler")

    def _stop_helpers(self) -> None:
        running = [child for child in self.helpers.values() if child is not None and child.poll() is None]
        for child in running:
            child.terminate()
        for child in running:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
