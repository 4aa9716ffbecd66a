"""`jisheng serve` keeps gunicorn's control socket per instance and supervises the scheduler."""

import sys
from io import StringIO
from pathlib import Path
from unittest import mock

from jisheng.core.management.commands import serve


def test_the_control_socket_lives_in_the_data_directory_or_is_turned_off_when_the_path_is_too_long() -> None:
    assert serve.control_socket_options(Path("/srv/jisheng/data")) == {
        "control_socket": "/srv/jisheng/data/gunicorn.ctl"
    }
    assert serve.control_socket_options(Path("/srv/" + "x" * 120)) == {"control_socket_disable": True}


def test_a_scheduler_that_dies_is_started_again_and_serve_ends_with_the_web_servers_status(tmp_path) -> None:
    runs = tmp_path / "runs"
    scheduler = [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('x')"]
    web = [sys.executable, "-c", "import time, sys; time.sleep(4); sys.exit(3)"]
    with mock.patch.object(serve, "RESTART_PAUSE_SECONDS", 0):
        status = serve.Supervisor(StringIO()).run(web, scheduler)
    assert status == 3
    assert len(runs.read_text()) >= 2


def test_the_job_worker_runs_beside_the_scheduler_and_is_started_again_when_it_dies(tmp_path) -> None:
    runs = tmp_path / "worker-runs"
    scheduler = [sys.executable, "-c", "import time; time.sleep(30)"]
    worker = [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('w')"]
    web = [sys.executable, "-c", "import time, sys; time.sleep(4); sys.exit(0)"]
    supervisor = serve.Supervisor(StringIO())
    with mock.patch.object(serve, "RESTART_PAUSE_SECONDS", 0):
        status = supervisor.run(web, scheduler, worker)
    assert status == 0
    assert len(runs.read_text()) >= 2
    assert all(child is None or child.poll() is not None for child in supervisor.helpers.values())


def test_the_workers_and_threads_default_to_the_settled_counts_unless_the_environment_says_otherwise(
    monkeypatch,
) -> None:
    monkeypatch.delenv("JISHENG_WORKERS", raising=False)
    monkeypatch.delenv("JISHENG_THREADS", raising=False)
    parser = serve.Command().create_parser("jisheng", "serve")
    options = parser.parse_args([])
    assert (options.workers, options.threads) == (serve.DEFAULT_WORKERS, serve.DEFAULT_THREADS)
    monkeypatch.setenv("JISHENG_WORKERS", "2")
    monkeypatch.setenv("JISHENG_THREADS", "8")
    options = serve.Command().create_parser("jisheng", "serve").parse_args([])
    assert (options.workers, options.threads) == (2, 8)
    assert serve.Command().create_parser("jisheng", "serve").parse_args(["--threads", "3"]).threads == 3


def test_an_idle_connection_is_kept_longer_than_a_client_pacing_every_two_seconds_waits() -> None:
    """A client asking every two seconds must not send on a connection the server is closing: its
    POST would be lost (gunicorn's own default keeps an idle connection two seconds)."""
    options = {"host": "127.0.0.1", "port": 8000, "workers": 3, "threads": 4}
    config = serve.gunicorn_settings(options)
    assert config["keepalive"] > 2 and config["worker_class"] == "gthread"
    from gunicorn.config import Config

    checked = Config()
    for key in ("keepalive", "workers", "threads", "timeout", "graceful_timeout"):
        checked.set(key, config[key])
    assert checked.keepalive == serve.KEEPALIVE_SECONDS
