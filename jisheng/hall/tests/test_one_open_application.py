"""One open application per person and service item: a second is refused naming the open case, the
database holds the rule too, and twenty submissions at once make one case.

SQLite's test database lives in memory, where parallel connections cannot wait for each other; the
concurrent run therefore uses a file database in a child process, configured as production is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jisheng.hall import services
from jisheng.hall.models import Application, ApplicationStatus, Channel
from jisheng.hall.tests.conftest import catalogue, make_person, staff  # noqa: F401

REPO = Path(__file__).resolve().parents[3]
PHONE = "13800000001"


def _first_item(catalogue):  # noqa: F811
    return catalogue["birth-registration"]


def _submit(item, person, clerk):
    return services.application_submit(
        item=item, person=person, channel=Channel.COUNTER, phone=PHONE, by=clerk
    )


def test_a_second_open_application_for_the_same_item_is_refused_naming_the_open_case(
    areas,
    catalogue,  # noqa: F811
    staff,  # noqa: F811
):
    person = make_person(areas["village_a"])
    item = _first_item(catalogue)
    first = _submit(item, person, staff["clerk"])
    with pytest.raises(ValidationError) as refused:
        _submit(item, person, staff["clerk2"])
    message = refused.value.messages[0]
    assert (
        first.number in message and person.name in message and item.name in message and "尚未办结" in message
    )
    assert Application.objects.filter(person=person, item=item).count() == 1
    other = catalogue["migrant-marital-certificate"]
    assert _submit(other, person, staff["clerk"]).item == other  # another item is another matter


def test_once_the_case_is_closed_a_new_application_is_taken(areas, catalogue, staff):  # noqa: F811
    person = make_person(areas["village_a"])
    item = _first_item(catalogue)
    first = _submit(item, person, staff["clerk"])
    Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.REFUSED)
    assert _submit(item, person, staff["clerk"]).pk != first.pk


def test_the_database_itself_refuses_a_second_open_case(areas, catalogue, staff):  # noqa: F811
    person = make_person(areas["village_a"])
    item = _first_item(catalogue)
    first = _submit(item, person, staff["clerk"])
    copy = Application.objects.get(pk=first.pk)
    copy.pk = None
    copy.number = first.number + "-2"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


CHILD_PROCESS = r"""
import json, os, threading
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
# Twenty submissions queue for SQLite's one writer; on a busy test machine the last waits longer than
# production's five seconds, which is not what this test is about.
options = settings.DATABASES["default"]["OPTIONS"]
options["init_command"] = options["init_command"].replace("busy_timeout=5000", "busy_timeout=120000")
call_command("migrate", run_syncdb=True, verbosity=0)
from jisheng.core.actor import System
SETUP = System(job="test setup")
from jisheng.accounts.models import User
from jisheng.accounts.services import roles_for
from jisheng.areas.models import Area
from jisheng.hall import services
from jisheng.hall.models import Application, Channel, ServiceItem
from jisheng.hall.tests.conftest import make_person
county = Area.objects.create(code="411723000000", name="平舆县", level=3)
township = Area.objects.create(code="411723101000", name="庙湾镇", level=4, parent=county)
village = Area.objects.create(code="411723101201", name="王庄村", level=5, parent=township)
clerk = User.objects.create_user(username="clerk", password="x-Long#Pass2026", area=township, full_name="李红梅")
clerk.roles.set(roles_for(["counter_clerk"]))
clerk2 = User.objects.create_user(username="clerk2", password="x-Long#Pass2026", area=township, full_name="赵丽娟")
clerk2.roles.set(roles_for(["counter_clerk"]))
services.catalogue_load(by=SETUP)
head = User.objects.create_user(username="township", password="x-Long#Pass2026", area=township)
head.roles.set(roles_for(["township_head"]))
services.post_create(office=township, name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=head)
item = ServiceItem.objects.get(code="birth-registration")
person = make_person(village)
connection.close()
barrier = threading.Barrier(20)
results = []
def submit():
    barrier.wait()
    try:
        results.append(services.application_submit(
            item=item, person=person, channel=Channel.COUNTER, phone="13800000001", by=clerk).number)
    except Exception as exc:
        results.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
threads = [threading.Thread(target=submit) for _ in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"results": results, "cases": Application.objects.filter(person=person, item=item).count()},
                 ensure_ascii=False))
"""


def test_twenty_submissions_at_once_make_one_case_and_nineteen_refusals_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["JISHENG_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", CHILD_PROCESS], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["cases"] == 1, outcome
    made = [r for r in outcome["results"] if r.startswith("SQ-")]
    refused = [r for r in outcome["results"] if r.startswith("ValidationError") and made[0] in r]
    assert len(made) == 1 and len(refused) == 19, outcome["results"]


@pytest.mark.django_db(transaction=True)
def test_twenty_online_submissions_at_once_make_one_case_and_nineteen_refusals_on_postgresql(areas):
    """Through the portal, with the person's lock and the open-case check read by kept statements:
    on PostgreSQL the threads share the test database and wait on the person's row."""
    import threading

    from django.db import connection
    from django.test import Client

    from jisheng.hall.tests.conftest import PHONE as RESIDENT_PHONE
    from tests.factories import SETUP

    if connection.vendor != "postgresql":
        pytest.skip("parallel connections to the test database need a server database")
    services.catalogue_load(by=SETUP)
    person = make_person(areas["village_a"])
    form = {"name": person.name, "id_number": person.id_number, "phone": RESIDENT_PHONE}
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def submit(number: int) -> None:
        client = Client(REMOTE_ADDR=f"10.0.0.{number + 1}")
        barrier.wait()
        try:
            statuses.append(client.post("/portal/items/birth-registration/apply", form).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Application.objects.filter(person=person, item__code="birth-registration").count() == 1
    assert sorted(statuses) == [200] * 19 + [302]
