"""The village officer's offline app in Chromium with the network cut (Playwright's offline mode): records
kept across a browser restart arrive exactly once, an upload cut midway is not duplicated, a conflict
with the township's edit is shown and decided, a refused record is corrected on the phone."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, login
from tests.browser.test_hall_rules import PASSWORD, ensure_roles
from tests.factories import make_id

PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def village(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.registry import services as registry
    from tests.factories import make_person

    ensure_roles()
    officer = make_user(areas["village_a"], "village_officer", username="cungan", full_name="王村干")
    head = make_user(areas["township_a"], "township_head", username="zhenzhang", full_name="李镇长")
    household = registry.household_create(by=head, number="411723101201001", area=areas["village_a"])
    mother = make_person(
        area=areas["village_a"], name="刘桂芝", sex="2", birth=datetime.date(1990, 5, 5), household=household
    )
    make_person(area=areas["village_a"], name="张三", sex="1", birth=datetime.date(1988, 1, 2))
    make_person(area=areas["village_b"], name="外镇人", sex="1", birth=datetime.date(1980, 1, 1))
    return {"officer": officer, "head": head, "household": household, "mother": mother}


class Phone:
    """A persistent Chromium profile (its user-data-dir survives a restart, as a phone's browser does)."""

    def __init__(self, browser: Any, live_server: Any, profile: Path) -> None:
        self.browser_type = browser.browser_type
        self.url = live_server.url
        self.profile = profile
        self.context: Any = None
        self.page: Any = None

    def start(self, *, offline: bool = False) -> Any:
        self.context = self.browser_type.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            base_url=self.url,
            locale="zh-CN",
            viewport=PHONE_VIEWPORT,
            is_mobile=True,
            has_touch=True,
        )
        self.context.set_offline(offline)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        return self.page

    def stop(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None

    def open_app(self) -> Any:
        self.page.goto("/offline/")
        self.page.wait_for_selector("body[data-ready]")
        return self.page

    def online(self) -> None:
        self.context.set_offline(False)
        self.page.click("#sync-now")

    def unsent(self) -> int:
        return int(self.page.locator("#unsent-count").inner_text())

    def wait_unsent(self, count: int) -> None:
        # Locators, not wait_for_function: the app's CSP allows no eval in the page.
        self.page.wait_for_selector(f"#unsent-count[data-count='{count}']")

    def submit_and_wait_sent(self) -> None:
        """Save the open form and wait until the server has applied it. Waiting for no unsent record
        alone is not enough: the count is already 0 before the record reaches the outbox."""
        sent = self.page.locator("#outbox-list li[data-state=sent]")
        before = sent.count() if self.page.locator("#outbox-list").count() else 0
        self.page.click("#record-form button[type=submit]")
        sent.nth(before).wait_for()
        self.wait_unsent(0)


@pytest.fixture
def phone(browser: Any, live_server: Any, tmp_path: Path) -> Iterator[Phone]:
    handset = Phone(browser, live_server, tmp_path / "profile")
    yield handset
    handset.stop()


def sign_in_and_download(phone: Phone) -> Any:
    page = phone.start()
    login(page, "cungan", PASSWORD)
    phone.open_app()
    page.wait_for_selector("body[data-synced]")
    page.wait_for_selector("#person-list li.person >> text=刘桂芝")
    # The service worker has taken the shell: the app opens without a network from now on.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return page


def record_birth(page: Any, *, child: str, id_number: str = "") -> None:
    page.click("button.tab[data-view=record]")
    page.click("button[data-kind=birth]")
    page.fill("input.pick-filter[data-for=mother]", "lgz")
    page.fill("#f-date", (datetime.date.today() - datetime.timedelta(days=2)).isoformat())
    page.select_option("#f-sex", "1")
    page.fill("#f-child_name", child)
    if id_number:
        page.fill("#f-child_id_number", id_number)
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-kind=birth]")


def test_a_birth_and_a_visit_recorded_offline_survive_a_restart_and_arrive_exactly_once(
    phone: Phone, village: dict[str, Any]
) -> None:
    from jisheng.outreach.models import Visit
    from jisheng.registry.models import Birth

    page = sign_in_and_download(phone)
    # Local search: pinyin initials, and the last digits of the ID number.
    page.fill("#search", "zs")
    assert page.locator("#person-list li.person").all_inner_texts()[0].startswith("张三")
    page.fill("#search", village["mother"].id_number[-4:])
    assert "刘桂芝" in page.locator("#person-list").inner_text()
    assert "外镇人" not in page.content()

    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready=yes]")
    assert "离线" in page.locator("#net-status").inner_text()
    record_birth(page, child="刘小宝")
    page.click("button.tab[data-view=households]")
    page.click("button:has-text('入户走访')")
    page.fill("#f-visited_on", datetime.date.today().isoformat())
    page.fill("#f-met", "刘桂芝")
    page.fill("#f-asked", "咨询奖励扶助政策")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-kind=visit][data-state=waiting]")
    assert phone.unsent() == 2
    assert Birth.objects.count() == 0 and Visit.objects.count() == 0

    # The browser is closed and opened again, still without a network: the outbox is there.
    phone.stop()
    page = phone.start(offline=True)
    phone.open_app()
    assert phone.unsent() == 2

    phone.context.set_offline(False)
    page.reload()
    page.wait_for_selector("body[data-ready]")
    if page.locator("#sign-in-banner").is_visible() or page.locator("body[data-ready=signed-out]").count():
        # The session did not survive the restart: signing in again resumes sending, nothing lost.
        login(page, "cungan", PASSWORD)
        phone.open_app()
    phone.wait_unsent(0)
    assert Birth.objects.filter(mother=village["mother"]).count() == 1
    assert Visit.objects.filter(household=village["household"]).count() == 1

    # Sending again (another sync, a reload) changes nothing.
    page.click("#sync-now")
    page.reload()
    page.wait_for_selector("body[data-synced]")
    assert Birth.objects.count() == 1 and Visit.objects.count() == 1
    assert page.locator("#person-list li.person >> text=刘小宝").count() == 1


def test_an_upload_cut_midway_is_sent_again_and_applied_once(phone: Phone, village: dict[str, Any]) -> None:
    from jisheng.offline.models import AppliedRecord
    from jisheng.registry.models import Birth

    page = sign_in_and_download(phone)
    phone.context.set_offline(True)
    record_birth(page, child="刘二宝")

    # The server receives and applies the record, but the answer never reaches the phone. Every round
    # is cut while the network is bad (coming online and the tap on "send" may start two rounds).
    network = {"bad": True}

    def cut_after_the_server_applied(route: Any) -> None:
        if not network["bad"]:
            route.continue_()
            return
        route.fetch()
        route.abort("internetdisconnected")

    page.route("**/api/v1/offline/records", cut_after_the_server_applied)
    rounds = page.get_attribute("body", "data-rounds") or "0"
    phone.online()
    page.wait_for_selector(f"body:not([data-rounds='{rounds}'])")
    page.wait_for_selector("#outbox-list li[data-kind=birth][data-state=waiting]")
    assert Birth.objects.count() == 1 and phone.unsent() == 1

    # The network is good again; the officer taps "send" until nothing is left (a tap during a round
    # that is still being cut does nothing, as on a real phone).
    network["bad"] = False
    for _attempt in range(3):
        rounds = page.get_attribute("body", "data-rounds") or "0"
        page.click("#sync-now")
        page.wait_for_selector(f"body:not([data-rounds='{rounds}'])")
        if phone.unsent() == 0:
            break
    phone.wait_unsent(0)
    assert Birth.objects.count() == 1 and AppliedRecord.objects.count() == 1
    assert "已登记" in page.locator("#outbox-list li[data-kind=birth]").inner_text()


def test_the_townships_edit_meanwhile_is_shown_as_a_conflict_and_the_officer_decides(
    phone: Phone, village: dict[str, Any]
) -> None:
    from jisheng.audit.models import AuditEvent
    from jisheng.registry import services as registry

    page = sign_in_and_download(phone)
    phone.context.set_offline(True)
    page.click("#person-list li.person >> text=刘桂芝")
    page.click("#person-card button:has-text('修改信息')")
    page.fill("#f-address", "王庄村东头三号")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-kind=person_update][data-state=waiting]")

    # Meanwhile the township changes the same person's address.
    registry.person_update(person=village["mother"], changes={"address": "王庄村西头"}, by=village["head"])

    phone.online()
    conflict = page.locator("#outbox-list li[data-state=conflict]")
    conflict.wait_for()
    row = conflict.locator("tr[data-field=address]")
    assert row.locator("td.mine").inner_text() == "王庄村东头三号"
    assert row.locator("td.theirs").inner_text() == "王庄村西头"
    village["mother"].refresh_from_db()
    assert village["mother"].address == "王庄村西头"  # nothing overwritten before the decision

    conflict.locator("button[data-action=keep-mine]").click()
    phone.wait_unsent(0)
    village["mother"].refresh_from_db()
    assert village["mother"].address == "王庄村东头三号"
    assert AuditEvent.objects.filter(action="offline.conflict_keep_mine").count() == 1


def test_taking_the_servers_version_replaces_the_phones_copy_drops_the_edit_and_is_audited(
    phone: Phone, village: dict[str, Any]
) -> None:
    from jisheng.audit.models import AuditEvent
    from jisheng.registry import services as registry

    page = sign_in_and_download(phone)
    phone.context.set_offline(True)
    page.click("#person-list li.person >> text=刘桂芝")
    page.click("#person-card button:has-text('修改信息')")
    page.fill("#f-address", "王庄村东头三号")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-kind=person_update][data-state=waiting]")
    registry.person_update(person=village["mother"], changes={"address": "王庄村西头"}, by=village["head"])

    phone.online()
    conflict = page.locator("#outbox-list li[data-state=conflict]")
    conflict.wait_for()
    conflict.locator("button[data-action=take-theirs]").click()
    phone.wait_unsent(0)
    # The edit has left the outbox; the decision was sent; the server kept its version.
    expect(page.locator("#outbox-list li[data-kind=person_update]")).to_have_count(0)
    page.wait_for_selector("#outbox-list li[data-kind=decision][data-state=sent]")
    village["mother"].refresh_from_db()
    assert village["mother"].address == "王庄村西头"
    event = AuditEvent.objects.get(action="offline.conflict_take_theirs")
    assert event.object_id == str(village["mother"].pk) and event.after["fields"] == ["address"]
    assert AuditEvent.objects.filter(action="offline.conflict_keep_mine").count() == 0

    # The phone's copy is the server's, and stays so after a reload without a network.
    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready=yes]")
    page.click("#person-list li.person >> text=刘桂芝")
    card = page.locator("#person-card").inner_text()
    assert "王庄村西头" in card and "东头三号" not in card


def test_a_refused_record_comes_back_with_the_reason_and_is_corrected_on_the_phone(
    phone: Phone, village: dict[str, Any]
) -> None:
    from jisheng.registry.models import Person

    page = sign_in_and_download(phone)
    good = make_id(datetime.date.today() - datetime.timedelta(days=2), "1")
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    phone.context.set_offline(True)
    record_birth(page, child="刘三宝", id_number=wrong)
    phone.online()
    refused = page.locator("#outbox-list li[data-state=refused]")
    refused.wait_for()
    assert "校验" in refused.locator(".errors").inner_text()
    assert phone.unsent() == 1

    refused.locator("button[data-action=edit]").click()
    field = page.locator("[data-field=child_id_number]")
    assert field.get_attribute("class") == "field has-error" and "校验" in field.inner_text()
    page.fill("#f-child_id_number", good)
    page.click("#record-form button[type=submit]")
    phone.wait_unsent(0)
    assert Person.objects.get(id_number=good).name == "刘三宝"


def test_a_lost_session_and_a_shared_phone_lose_nothing_and_show_nothing_of_another_officer(
    phone: Phone, village: dict[str, Any], areas: dict[str, Any], make_user: Any
) -> None:
    from django.contrib.sessions.models import Session

    from jisheng.registry.models import Birth

    make_user(areas["village_a2"], "village_officer", username="cungan2", full_name="李村干")
    page = sign_in_and_download(phone)
    phone.context.set_offline(True)
    record_birth(page, child="刘四宝")

    # The session ends while the phone is offline; back online, sending is refused: nothing is lost.
    Session.objects.all().delete()
    phone.online()
    page.wait_for_selector("#sign-in-banner:not([hidden])")
    assert phone.unsent() == 1 and Birth.objects.count() == 0

    # Another officer signs in on the same phone: none of the first one's village or outbox shows.
    login(page, "cungan2", PASSWORD)
    phone.open_app()
    page.wait_for_selector("body[data-synced]")
    assert phone.unsent() == 0
    page.click("button.tab[data-view=outbox]")
    assert "刘四宝" not in page.content() and "刘桂芝" not in page.content()
    page.click("#sign-out")
    page.wait_for_url("**/accounts/login/**")

    # The owner signs in again: the outbox is sent, once.
    login(page, "cungan", PASSWORD)
    phone.open_app()
    phone.wait_unsent(0)
    assert Birth.objects.filter(mother=village["mother"]).count() == 1


def test_a_proxy_application_with_a_photo_of_the_signed_form_is_received_when_the_network_returns(
    phone: Phone, village: dict[str, Any], areas: dict[str, Any], make_user: Any, tmp_path: Path
) -> None:
    from jisheng.hall import services as hall
    from jisheng.hall.models import Application
    from tests.browser.test_clerk_queue import jpeg
    from tests.factories import SETUP

    hall.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2")
    hall.post_create(office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP)
    photo = tmp_path / "signed-form.jpg"
    photo.write_bytes(jpeg())

    page = sign_in_and_download(phone)
    phone.context.set_offline(True)
    page.click("button.tab[data-view=record]")
    page.click("button[data-kind=proxy_application]")
    page.select_option("#f-item", "birth-registration")
    page.fill("input.pick-filter[data-for=person]", "lgz")
    page.fill("#f-phone", "13800138000")
    page.select_option("select[name=photo_material]", "registration-form")
    page.set_input_files("input[name=photo_files]", str(photo))
    page.wait_for_selector(".photos img")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-kind=proxy_application][data-state=waiting]")

    phone.online()
    phone.wait_unsent(0)
    case = Application.objects.get()
    assert case.channel == "proxy" and case.files.count() == 1
    assert case.details["现场采集时间"] and case.person_id == village["mother"].pk
