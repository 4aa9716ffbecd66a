"""Twenty "create person" requests with one ID number create one person.

The database keeps one live person per ID number (a conditional unique constraint: merged records
and persons without an ID are exempt), and the service turns a violation into a Chinese refusal that
names the person already registered. A form submitted twice with its hidden key runs once.

SQLite's test database lives in memory, where parallel connections cannot share it: the threaded
runs against the test database need PostgreSQL (``DATABASE_URL``); on SQLite a child process runs the
twenty threads against a file database configured as production is, and the sequential double submit
and the race made deterministic run in the test database.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.test import Client

from conftest import sign_in
from jisheng.registry import services
from jisheng.registry.models import Person
from jisheng.registry.validation import Refusal
from tests.factories import make_id, make_person

BIRTH = datetime.date(1990, 5, 5)
REPO = Path(__file__).resolve().parents[3]
NEEDS_SERVER_DATABASE = (
    "parallel connections to the test database need PostgreSQL (SQLite's test database is in memory)"
)


def form(number: str, area: Any, key: str = "") -> dict[str, str]:
    data = {"name": "赵六", "id_number": number, "village": area.code, "phone": "", "address": ""}
    if key:
        data["idempotency_key"] = key
    return data


def test_the_database_keeps_one_live_person_per_id_number(areas):
    first = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            name="赵六",
            id_number=first.id_number,
            sex="1",
            birth_date=BIRTH,
            residence_area=areas["village_b"],
        )
    merged = Person.objects.create(
        name="赵六", id_number="", sex="1", birth_date=BIRTH, residence_area=areas["village_b"]
    )
    merged.id_number, merged.merged_into = first.id_number, first
    merged.save()  # a merged record keeps its number
    for _ in range(2):
        Person.objects.create(
            name="无证", id_number="", sex="1", birth_date=BIRTH, residence_area=areas["village_a"]
        )


def test_a_second_registration_is_refused_naming_the_person_already_registered(areas, make_user):
    officer = make_user(areas["township_a"], "township_head")
    number = make_id(BIRTH, "1")
    services.person_create(by=officer, name="赵六", id_number=number, residence_area=areas["village_a"])
    with pytest.raises(Refusal) as refused:
        services.person_create(by=officer, name="赵六", id_number=number, residence_area=areas["village_a2"])
    assert refused.value.reason == "该身份证号已登记：王庄村的赵六"
    township_b = make_user(areas["township_b"], "township_head")
    with pytest.raises(Refusal) as elsewhere:
        services.person_create(
            by=township_b, name="赵六", id_number=number, residence_area=areas["village_b"]
        )
    assert elsewhere.value.reason == "此身份证号已登记"  # who and where stay hidden outside one's area
    assert Person.objects.filter(id_number=number).count() == 1


def test_a_registration_committed_by_another_request_mid_create_is_refused_not_duplicated(
    areas, make_user, monkeypatch
):
    """The race made deterministic: the other request's person is committed, but this request's
    check ran before it was (its "exists" said no); the constraint refuses the insert, and the caller
    gets the refusal naming the person, not a server error."""
    officer = make_user(areas["township_a"], "township_head")
    number = make_id(BIRTH, "1")
    Person.objects.create(
        name="赵六", id_number=number, sex="1", birth_date=BIRTH, residence_area=areas["village_a2"]
    )
    checked: list[bool] = []
    real_exists = QuerySet.exists

    def exists_before_the_other_commit(self):
        if not checked:
            checked.append(True)
            return False
        return real_exists(self)

    monkeypatch.setattr(QuerySet, "exists", exists_before_the_other_commit)
    with pytest.raises(Refusal) as refused:
        services.person_create(by=officer, name="赵六", id_number=number, residence_area=areas["village_a"])
    assert checked and refused.value.reason == "该身份证号已登记：李楼村的赵六"
    assert Person.objects.filter(id_number=number).count() == 1


def test_a_double_submitted_person_form_creates_one_person_and_both_answers_lead_to_it(
    areas, make_user, client_for
):
    officer = client_for(make_user(areas["village_a"], "village_officer"))
    data = form(make_id(BIRTH, "1"), areas["village_a"], key="double-click")
    first = officer.post("/registry/persons/new/", data)
    second = officer.post("/registry/persons/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Person.objects.filter(name="赵六").count() == 1


def test_a_second_form_for_the_same_id_shows_the_refusal_and_keeps_the_values(areas, make_user, client_for):
    officer = client_for(make_user(areas["village_a"], "village_officer"))
    number = make_id(BIRTH, "1")
    officer.post("/registry/persons/new/", form(number, areas["village_a"], key="one"))
    again = officer.post("/registry/persons/new/", form(number, areas["village_a"], key="two"))
    page = again.content.decode()
    assert again.status_code == 200 and "已登记" in page and "赵六" in page and number in page
    assert Person.objects.filter(id_number=number).count() == 1


def fire_twenty(areas: Any, user: Any, data_for: Any) -> list[object]:
    barrier = threading.Barrier(20)
    results: list[object] = []

    def request(n: int) -> None:
        client = sign_in(Client(), user)
        barrier.wait()
        try:
            response = client.post("/registry/persons/new/", data_for(n))
            results.append((response.status_code, response.get("Location", "")))
        except Exception as exc:  # noqa: BLE001 - any failure is counted and shown
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creates_with_one_id_and_twenty_keys_make_one_person_on_postgresql(
    areas, make_user
):
    if connection.vendor != "postgresql":
        pytest.skip(NEEDS_SERVER_DATABASE)
    user = make_user(areas["village_a"], "village_officer")
    number = make_id(BIRTH, "1")
    results = fire_twenty(areas, user, lambda n: form(number, areas["village_a"], key=f"key-{n}"))
    assert Person.objects.filter(id_number=number).count() == 1
    created = [r for r in results if isinstance(r, tuple) and r[0] == 302]
    refused = [r for r in results if isinstance(r, tuple) and r[0] == 200]
    assert len(created) == 1 and len(refused) == 19, results


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creates_with_one_key_make_one_person_and_give_one_answer_on_postgresql(
    areas, make_user
):
    if connection.vendor != "postgresql":
        pytest.skip(NEEDS_SERVER_DATABASE)
    user = make_user(areas["village_a"], "village_officer")
    number = make_id(BIRTH, "1")
    results = fire_twenty(areas, user, lambda n: form(number, areas["village_a"], key="the-same-key"))
    person = Person.objects.get(id_number=number)
    assert results == [(302, f"/registry/persons/{person.pk}/")] * 20, results


def test_a_birth_whose_child_id_is_already_registered_is_refused_by_name(areas, make_user):
    officer = make_user(areas["township_a"], "township_head")
    mother = make_person(area=areas["village_a"], name="李秀英", sex="2", birth=datetime.date(1995, 5, 1))
    child_number = make_id(datetime.date(2025, 3, 15), "1")
    services.person_create(
        by=officer, name="张小宝", id_number=child_number, residence_area=areas["village_a"]
    )
    with pytest.raises(Refusal) as refused:
        services.birth_record(
            mother=mother, date=datetime.date(2025, 3, 15), sex="1", child_name="张小宝",
            child_id_number=child_number, by=officer,
        )  # fmt: skip
    assert refused.value.reason == "该身份证号已登记：王庄村的张小宝"
    assert Person.objects.filter(id_number=child_number).count() == 1


CHILD_PROCESS = r"""
import datetime, json, os, threading
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
# the tables straight from the models: this run is about concurrency, not about migrations
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
from jisheng.accounts.models import User
from jisheng.accounts.services import roles_for
from jisheng.areas.models import Area
from jisheng.registry import services
from jisheng.registry.models import Person
county = Area.objects.create(code="411723000000", name="平舆县", level=3)
township = Area.objects.create(code="411723101000", name="庙湾镇", level=4, parent=county)
village = Area.objects.create(code="411723101201", name="王庄村", level=5, parent=township)
user = User.objects.create_user(username="officer", password="x-Long#Pass2026", area=village)
user.roles.set(roles_for(["village_officer"]))
connection.close()
def fire(target):
    barrier = threading.Barrier(20)
    results = []
    def run(n):
        barrier.wait()
        try:
            results.append(target(n))
        except Exception as exc:
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
def by_service(n):
    return services.person_create(by=user, name="赵六", id_number="%(first)s", residence_area=village).pk
service = fire(by_service)
def by_form(n):
    client = Client()
    client.force_login(user)
    response = client.post("/registry/persons/new/", {"name": "钱七", "id_number": "%(second)s",
        "village": village.code, "phone": "", "address": "", "idempotency_key": "the-same-key"})
    return [response.status_code, response.get("Location", "")]
form = fire(by_form)
print(json.dumps({"service": service, "form": form,
    "first": Person.objects.filter(id_number="%(first)s").count(),
    "second": Person.objects.filter(id_number="%(second)s").count()}))
"""


def test_twenty_concurrent_creates_with_one_id_make_one_person_on_sqlite(tmp_path):
    """SQLite as production runs it (a file database, WAL, BEGIN IMMEDIATE), in a child process."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["JISHENG_DATA_DIR"] = str(tmp_path)
    first, second = make_id(BIRTH, "1"), make_id(BIRTH, "2")
    script = CHILD_PROCESS % {"first": first, "second": second}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["first"] == 1 and outcome["second"] == 1, outcome
    created = [r for r in outcome["service"] if isinstance(r, int)]
    refused = [r for r in outcome["service"] if isinstance(r, str) and r.startswith("Refusal")]
    assert len(created) == 1 and len(refused) == 19, outcome["service"]
    assert len({tuple(r) for r in outcome["form"]}) == 1 and outcome["form"][0][0] == 302, outcome["form"]
