"""`jisheng worker`: runs the background jobs queued in the database (see ``jisheng.core.jobs``).

``jisheng serve`` starts one and starts it again when it dies. When it starts, and then every half
minute, it puts back in the queue (or fails, after the allowed attempts) the jobs whose worker died, so
a killed worker leaves nothing "running".
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from jisheng.core import jobs

logger = logging.getLogger("jisheng.jobs")


def _sweep_forever(stop: threading.Event) -> None:
    while not stop.wait(jobs.SWEEP_SECONDS):
        try:
            jobs.recover()
        except Exception:  # a busy database: the next sweep tries again
            logger.exception("the sweep of abandoned jobs failed")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run the background jobs (imports) queued in the database; resumes jobs whose worker died."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at an empty queue"
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args: object, **options: Any) -> None:
        if not logger.handlers:
            logger.addHandler(logging.StreamHandler(self.stdout))
            logger.setLevel(logging.INFO)
        recovered = jobs.recover()
        if recovered:
            self.stdout.write(f"worker: {len(recovered)} job(s) of a dead worker queued again or failed")
        self.stdout.write(f"worker {jobs.this_worker_id()}: waiting for jobs")
        self.stdout.flush()
        stop = threading.Event()
        threading.Thread(target=_sweep_forever, args=(stop,), name="job-sweep", daemon=True).start()
        worker = Worker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=jobs.this_worker_id(),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
