"""Twenty "propose batch" requests at once make one batch: a conditional unique constraint allows one
open batch per programme, area and year, and the service turns a violation into the open batch.

SQLite's test database lives in memory, where parallel connections cannot wait for each other; the
SQLite run therefore uses a file database in a child process, configured as production is (WAL,
BEGIN IMMEDIATE). On PostgreSQL the threads share the test database directly.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from jisheng.benefits import engine, services
from jisheng.benefits.models import Batch, Line

from .factories import person

D = datetime.date
REPO = Path(__file__).resolve().parents[3]


def open_batch(area, status="proposed"):
    return Batch.objects.create(
        programme_id="childcare_subsidy",
        programme_name="育儿补贴",
        version="2025",
        year=2025,
        area=area,
        status=status,
    )


def test_the_database_allows_one_open_batch_per_programme_area_and_year(areas):
    open_batch(areas["township_a"], status="closed")
    open_batch(areas["township_a"], status="rejected")
    open_batch(areas["township_a"])
    open_batch(areas["township_b"])
    with pytest.raises(IntegrityError), transaction.atomic():
        open_batch(areas["township_a"], status="notice")


def test_proposing_again_returns_the_batch_already_open(areas, make_user):
    person(areas["village_a"], "王小一", "1", D(2025, 3, 1))
    township = make_user(areas["township_a"], "township_head")
    first = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
    )
    again = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
    )
    assert again.pk == first.pk and Batch.objects.count() == 1 and Line.objects.count() == 1


def test_a_batch_committed_by_another_request_mid_proposal_is_returned_not_duplicated(
    areas, make_user, monkeypatch
):
    """The race itself, made deterministic: another request's batch appears between this request's
    check and its insert; the constraint refuses the insert and the other batch comes back."""
    person(areas["village_a"], "王小一", "1", D(2025, 3, 1))
    real_run = engine.run
    competing: list[Batch] = []

    def run_while_another_request_commits(*args, **kwargs):
        competing.append(open_batch(areas["township_a"]))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(engine, "run", run_while_another_request_commits)
    township = make_user(areas["township_a"], "township_head")
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
    )
    assert batch.pk == competing[0].pk and Batch.objects.count() == 1


CHILD_PROCESS = r"""
import datetime, json, os, threading
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
# the tables straight from the models: this run is about concurrency, not about migrations
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
from jisheng.accounts.models import User
from jisheng.accounts.services import roles_for
from jisheng.areas.models import Area
from jisheng.benefits import services
from jisheng.benefits.models import Batch, Line
from jisheng.registry.models import Person
county = Area.objects.create(code="411723000000", name="平舆县", level=3)
township = Area.objects.create(code="411723101000", name="庙湾镇", level=4, parent=county)
village = Area.objects.create(code="411723101201", name="王庄村", level=5, parent=township)
user = User.objects.create_user(username="township", password="x-Long#Pass2026", area=township)
user.roles.set(roles_for(["township_head"]))
for n in range(5):
    Person.objects.create(name=f"孩子{n}", sex="1", birth_date=datetime.date(2025, 3, n + 1),
                          residence_area=village, id_number=f"4117232025030{n + 1}00{n}X"[:18])
connection.close()
barrier = threading.Barrier(20)
results = []
def request():
    barrier.wait()
    try:
        batch = services.batch_propose(programme_id="childcare_subsidy", year=2025, area=township, by=user)
        results.append(batch.pk)
    except Exception as exc:
        results.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
threads = [threading.Thread(target=request) for _ in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"results": results, "batches": Batch.objects.count(), "lines": Line.objects.count()}))
"""


def test_twenty_concurrent_proposals_make_one_batch_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["JISHENG_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CHILD_PROCESS], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["batches"] == 1 and outcome["lines"] == 5
    assert len(outcome["results"]) == 20 and len(set(outcome["results"])) == 1, outcome["results"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_proposals_make_one_batch_on_postgresql(areas, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections to the test database need a server database")
    for n in range(5):
        person(areas["village_a"], f"孩子{n}", "1", D(2025, 3, n + 1))
    township = make_user(areas["township_a"], "township_head")
    barrier = threading.Barrier(20)
    results: list[object] = []

    def request() -> None:
        barrier.wait()
        try:
            batch = services.batch_propose(
                programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
            )
            results.append(batch.pk)
        except Exception as exc:  # noqa: BLE001 - any failure is counted and shown
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Batch.objects.count() == 1 and Line.objects.count() == 5
    assert len(results) == 20 and len(set(results)) == 1, results
