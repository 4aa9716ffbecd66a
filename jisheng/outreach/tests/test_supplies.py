import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jisheng.core.actor import DEMO
from jisheng.outreach import queries, services
from jisheng.outreach.models import StockLevel, StockMovement

from . import factories

TODAY = datetime.date.today()
NEXT_YEAR = TODAY + datetime.timedelta(days=365)


@pytest.fixture
def item(db):
    return services.supply_item_define(
        by=DEMO, code="condom", name="避孕套", kind="contraceptive", unit="盒", minimum=20
    )


def test_stock_is_received_sent_down_and_handed_out_as_a_ledger(areas, make_user, item):
    county = make_user(areas["county"], "county_staff")
    services.stock_receive(
        by=county, area=areas["county"], item=item, quantity=100, received_on=TODAY, expires_on=NEXT_YEAR
    )
    services.stock_transfer(
        by=county,
        from_area=areas["county"],
        to_area=areas["village_a"],
        item=item,
        quantity=30,
        moved_on=TODAY,
    )
    officer = make_user(areas["village_a"], "village_officer")
    woman = factories.person(areas["village_a"])
    services.stock_hand_out(
        by=officer, area=areas["village_a"], item=item, quantity=12, moved_on=TODAY, person=woman
    )
    levels = {row["area_id"]: row for row in queries.stock_levels(county)}
    assert levels[areas["county"].code]["quantity"] == 70
    assert levels[areas["village_a"].code]["quantity"] == 18 and levels[areas["village_a"].code]["short"]
    total = sum(StockMovement.objects.filter(area=areas["village_a"]).values_list("quantity", flat=True))
    assert total == 18


def test_handing_out_more_than_the_stock_is_refused_and_nothing_moves(areas, item):
    services.stock_receive(
        by=DEMO, area=areas["village_a"], item=item, quantity=5, received_on=TODAY, expires_on=NEXT_YEAR
    )
    woman = factories.person(areas["village_a"])
    with pytest.raises(ValidationError) as refused:
        services.stock_hand_out(
            by=DEMO, area=areas["village_a"], item=item, quantity=6, moved_on=TODAY, person=woman
        )
    assert "quantity" in refused.value.message_dict
    assert StockLevel.objects.get().quantity == 5
    assert not StockMovement.objects.filter(kind="handout_person").exists()


def test_the_earliest_expiring_batch_goes_first_and_expired_stock_is_not_handed_out(areas, item):
    soon = TODAY + datetime.timedelta(days=30)
    gone = TODAY - datetime.timedelta(days=1)
    village = areas["village_a"]
    services.stock_receive(
        by=DEMO, area=village, item=item, quantity=5, received_on=TODAY, expires_on=NEXT_YEAR
    )
    services.stock_receive(by=DEMO, area=village, item=item, quantity=5, received_on=TODAY, expires_on=soon)
    services.stock_receive(by=DEMO, area=village, item=item, quantity=5, received_on=TODAY, expires_on=gone)
    woman = factories.person(village)
    moved = services.stock_hand_out(
        by=DEMO, area=village, item=item, quantity=7, moved_on=TODAY, person=woman
    )
    assert [(m.expires_on, m.quantity) for m in moved] == [(soon, -5), (NEXT_YEAR, -2)]
    services.stock_write_off_expired(by=DEMO, area=village, item=item, expires_on=gone)
    assert StockLevel.objects.get(expires_on=gone).quantity == 0


def test_a_phones_retried_hand_out_is_recorded_once(areas, item):
    services.stock_receive(
        by=DEMO, area=areas["village_a"], item=item, quantity=10, received_on=TODAY, expires_on=NEXT_YEAR
    )
    woman = factories.person(areas["village_a"])
    for _ in range(2):
        services.stock_hand_out(
            by=DEMO,
            area=areas["village_a"],
            item=item,
            quantity=3,
            moved_on=TODAY,
            person=woman,
            client_id="phone-7",
        )
    assert StockLevel.objects.get().quantity == 7


@pytest.mark.django_db(transaction=True)
def test_two_hand_outs_racing_for_the_last_boxes_cannot_both_succeed(areas, item):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the conditional UPDATE is what PostgreSQL relies on")
    services.stock_receive(
        by=DEMO, area=areas["village_a"], item=item, quantity=5, received_on=TODAY, expires_on=NEXT_YEAR
    )
    woman = factories.person(areas["village_a"])
    outcomes: list[str] = []

    def hand_out() -> None:
        try:
            services.stock_hand_out(
                by=DEMO, area=areas["village_a"], item=item, quantity=4, moved_on=TODAY, person=woman
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_out) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"] and StockLevel.objects.get().quantity == 1


def test_the_conditional_update_never_takes_the_stock_below_zero(areas, item):
    services.stock_receive(
        by=DEMO, area=areas["village_a"], item=item, quantity=2, received_on=TODAY, expires_on=NEXT_YEAR
    )
    level = StockLevel.objects.get()
    # Another hand-out took the stock after this one read it: the decrement finds too little and is refused.
    StockLevel.objects.filter(pk=level.pk).update(quantity=1)
    woman = factories.person(areas["village_a"])
    with pytest.raises(ValidationError):
        services.stock_hand_out(
            by=DEMO, area=areas["village_a"], item=item, quantity=2, moved_on=TODAY, person=woman
        )
    assert StockLevel.objects.get().quantity == 1
