"""Background jobs: queued in the database, run by `jisheng worker`, resumed or failed when a worker
dies, cancelled on request; the parser's child process has a memory limit."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from jisheng.core import jobs
from jisheng.core.limits import ChildFailed, run_limited

ABANDONED: list[tuple[list, str]] = []


@task()
def add_numbers(first: int, second: int) -> int:
    return first + second


@task()
def never_finishes() -> None:  # only queued in these tests, never run
    raise AssertionError


@jobs.on_abandoned("jisheng.core.tests.test_jobs.never_finishes")
def _note(args: list, kwargs: dict, reason: str) -> None:
    ABANDONED.append((args, reason))


def _dead_worker_id() -> str:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return jobs.this_worker_id().rsplit(":", 1)[0] + f":{finished.pid}"


def _running_job(worker_ids: list[str]) -> DBTaskResult:
    result = never_finishes.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status=jobs.RUNNING, worker_ids=worker_ids)
    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_is_run_by_the_worker_and_its_result_kept() -> None:
    result = add_numbers.enqueue(2, 3)
    assert jobs.status_of(str(result.id)) == jobs.READY
    call_command("worker", batch=True, interval=0)
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == jobs.SUCCESSFUL and stored.return_value == 5
    assert stored.worker_ids == [jobs.this_worker_id()]


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_queued_again_then_failed_with_the_reason() -> None:
    ABANDONED.clear()
    job = _running_job([_dead_worker_id()])
    assert jobs.recover() == [str(job.pk)]
    job.refresh_from_db()
    assert job.status == jobs.READY and not ABANDONED  # the first death: run again

    DBTaskResult.objects.filter(pk=job.pk).update(
        status=jobs.RUNNING, worker_ids=[*job.worker_ids, _dead_worker_id()]
    )
    assert jobs.recover() == [str(job.pk)]
    job.refresh_from_db()
    assert job.status == jobs.FAILED and "WorkerDied" in job.exception_class_path
    assert len(ABANDONED) == 1 and "后台" in ABANDONED[0][1] and "2" in ABANDONED[0][1]


@pytest.mark.django_db
def test_a_job_of_a_live_worker_is_left_alone() -> None:
    job = _running_job([jobs.this_worker_id()])
    assert jobs.recover() == []
    job.refresh_from_db()
    assert job.status == jobs.RUNNING


@pytest.mark.django_db
def test_cancel_takes_a_queued_job_out_and_asks_a_running_one_to_stop(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    queued = never_finishes.enqueue()
    assert jobs.cancel(str(queued.id), asked_by="王芳") == jobs.FAILED
    assert jobs.status_of(str(queued.id)) == jobs.FAILED
    running = _running_job([jobs.this_worker_id()])
    assert jobs.cancel_requested(str(running.pk)) is None
    assert jobs.cancel(str(running.pk), asked_by="王芳") == jobs.RUNNING
    assert jobs.cancel_requested(str(running.pk)) == "王芳"
    jobs.forget_cancel(str(running.pk))
    assert jobs.cancel_requested(str(running.pk)) is None


def _allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def _fail() -> None:
    raise ValueError("表格损坏")


def test_the_child_returns_its_value_and_its_peak_memory() -> None:
    outcome = run_limited(_allocate, memory_mb=256, megabytes=50)
    assert outcome.value == 50 * 1024 * 1024 and outcome.peak_rss_bytes >= 50 * 1024 * 1024


def test_a_child_asking_for_more_than_its_limit_fails_alone() -> None:
    with pytest.raises(ChildFailed, match="memory"):
        run_limited(_allocate, memory_mb=64, megabytes=4096)
    assert run_limited(_allocate, memory_mb=64, megabytes=1).value == 1024 * 1024  # the parent is fine


def test_a_childs_exception_is_raised_in_the_parent() -> None:
    with pytest.raises(ValueError, match="表格损坏"):
        run_limited(_fail, memory_mb=64)
