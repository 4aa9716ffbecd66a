"""Supplies as a ledger: every receipt, transfer, hand-out and write-off is a ``StockMovement`` and
changes a ``StockLevel`` with one conditional UPDATE (``quantity >= n``), so the stock never goes below
zero, even when two officers hand out the last box at the same moment: one of them is refused."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor, is_staff

from ..models import Campaign, StockLevel, StockMovement, SupplyItem
from . import common


def _user(by: Actor) -> Any:
    return by if is_staff(by) else None


def _quantity(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise common.refuse("quantity", _("Give a whole number.")) from None
    if number <= 0:
        raise common.refuse("quantity", _("Must be more than zero."))
    if number > 10_000_000:
        raise common.refuse("quantity", _("Too large."))
    return number


def _put(area_code: str, item: SupplyItem, expires_on: datetime.date | None, quantity: int) -> None:
    level = StockLevel.objects.filter(area_id=area_code, item=item, expires_on=expires_on).first()
    if level is None:
        try:
            with transaction.atomic():
                StockLevel.objects.create(area_id=area_code, item=item, expires_on=expires_on, quantity=0)
        except IntegrityError:
            pass  # another request created the level first; add to it
    StockLevel.objects.filter(area_id=area_code, item=item, expires_on=expires_on).update(
        quantity=F("quantity") + quantity
    )


def _take(
    area_code: str,
    item: SupplyItem,
    quantity: int,
    on: datetime.date,
    expires_on: datetime.date | None = None,
) -> list[tuple[datetime.date | None, int]]:
    """Take ``quantity`` from the area's unexpired stock, earliest expiry first (or from one batch);
    each decrement is conditional, so a race is refused rather than driving the stock negative."""
    taken: list[tuple[datetime.date | None, int]] = []
    remaining = quantity
    for _attempt in range(5):
        levels = StockLevel.objects.filter(area_id=area_code, item=item, quantity__gt=0)
        if expires_on is not None:
            levels = levels.filter(expires_on=expires_on)
        else:
            levels = levels.exclude(expires_on__lt=on)
        for level in levels.order_by(F("expires_on").asc(nulls_last=True)):
            if remaining == 0:
                break
            want = min(level.quantity, remaining)
            if StockLevel.objects.filter(pk=level.pk, quantity__gte=want).update(
                quantity=F("quantity") - want
            ):
                taken.append((level.expires_on, want))
                remaining -= want
        if remaining == 0:
            return taken
        if not StockLevel.objects.filter(area_id=area_code, item=item, quantity__gt=0).exists():
            break
    raise common.refuse(
        "quantity",
        _("Not enough %(item)s in stock: %(short)s %(unit)s short.")
        % {"item": item.name, "short": remaining, "unit": item.unit},
    )


def _move(
    by: Actor,
    *,
    area_code: str,
    item: SupplyItem,
    kind: str,
    quantity: int,
    moved_on: datetime.date,
    expires_on: datetime.date | None,
    **extra: Any,
) -> StockMovement:
    movement = StockMovement.objects.create(
        area_id=area_code,
        item=item,
        kind=kind,
        quantity=quantity,
        moved_on=moved_on,
        expires_on=expires_on,
        recorded_by=_user(by),
        **extra,
    )
    record(by=by, action=f"outreach.stock_{kind}", obj=movement, after=model_snapshot(movement))
    return movement


@transaction.atomic
def supply_item_define(
    *, by: Actor, code: str, name: str, kind: str, unit: str = "盒", minimum: int = 0
) -> SupplyItem:
    """Add an item to the list of supplies (or change its name, unit and shortage level). May be nested."""
    permissions.ensure(by, Capability.MANAGE_SUPPLIES, getattr(getattr(by, "area", None), "code", ""))
    code = common.text(code, field="code", max_length=32, required=True)
    if kind not in SupplyItem.Kind.values:
        raise common.refuse("kind", _("Choose contraceptive or publicity material."))
    item, created = SupplyItem.objects.get_or_create(code=code, defaults={"name": code, "kind": kind})
    before = None if created else model_snapshot(item)
    item.name = common.text(name, field="name", max_length=64, required=True)
    item.kind, item.unit, item.minimum = (
        kind,
        common.text(unit, field="unit", max_length=8) or "盒",
        max(0, int(minimum)),
    )
    item.save()
    record(by=by, action="outreach.supply_item_define", obj=item, before=before, after=model_snapshot(item))
    return item


@transaction.atomic
def stock_receive(
    *,
    by: Actor,
    area: Any,
    item: SupplyItem,
    quantity: Any,
    received_on: datetime.date,
    expires_on: datetime.date | None = None,
    note: str = "",
) -> StockMovement:
    """Supplies received into an area's store (from the province or a supplier). May be nested."""
    permissions.ensure(by, Capability.MANAGE_SUPPLIES, area.code)
    n = _quantity(quantity)
    day = common.past_date(received_on, field="received_on")
    if item.kind == SupplyItem.Kind.CONTRACEPTIVE and expires_on is None:
        raise common.refuse("expires_on", _("A contraceptive needs its expiry date."))
    _put(area.code, item, expires_on, n)
    return _move(
        by,
        area_code=area.code,
        item=item,
        kind=StockMovement.Kind.RECEIPT,
        quantity=n,
        moved_on=day,
        expires_on=expires_on,
        note=common.text(note, field="note", max_length=128),
    )


@transaction.atomic
def stock_transfer(
    *, by: Actor, from_area: Any, to_area: Any, item: SupplyItem, quantity: Any, moved_on: datetime.date
) -> list[StockMovement]:
    """Send stock down (county → township → village) or back; earliest expiry leaves first."""
    permissions.ensure(by, Capability.MANAGE_SUPPLIES, from_area.code)
    permissions.ensure(by, Capability.MANAGE_SUPPLIES, to_area.code)
    if from_area.code == to_area.code:
        raise common.refuse("to_area", _("Choose another area to send to."))
    n = _quantity(quantity)
    day = common.past_date(moved_on, field="moved_on")
    movements = []
    for expires_on, part in _take(from_area.code, item, n, day):
        _put(to_area.code, item, expires_on, part)
        movements.append(
            _move(
                by,
                area_code=from_area.code,
                item=item,
                kind=StockMovement.Kind.TRANSFER_OUT,
                quantity=-part,
                moved_on=day,
                expires_on=expires_on,
                counterpart_id=to_area.code,
            )
        )
        movements.append(
            _move(
                by,
                area_code=to_area.code,
                item=item,
                kind=StockMovement.Kind.TRANSFER_IN,
                quantity=part,
                moved_on=day,
                expires_on=expires_on,
                counterpart_id=from_area.code,
            )
        )
    return movements


def stock_hand_out(
    *,
    by: Actor,
    area: Any,
    item: SupplyItem,
    quantity: Any,
    moved_on: datetime.date,
    person: Any = None,
    campaign: Campaign | None = None,
    client_id: str | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Hand supplies out to a person (on their file, sensitive) or at an event. With ``client_id`` a
    phone's retry hands out once. May be nested."""
    permissions.ensure(by, Capability.MANAGE_SUPPLIES, area.code)
    key = common.client_id(client_id)
    if key is not None:
        done = list(StockMovement.objects.filter(client_id__startswith=f"{key}#").order_by("pk"))
        if done:
            return done
    if (person is None) == (campaign is None):
        raise common.refuse("person", _("Hand out either to a person or at an event."))
    if person is not None and not permissions.may(by, Capability.MANAGE_SUPPLIES, person.residence_area_id):
        raise common.refuse("person", _("This person lives outside your area."))
    n = _quantity(quantity)
    day = common.past_date(moved_on, field="moved_on")
    kind = StockMovement.Kind.HANDOUT_PERSON if person is not None else StockMovement.Kind.HANDOUT_EVENT
    try:
        with transaction.atomic():
            movements = []
            for index, (expires_on, part) in enumerate(_take(area.code, item, n, day)):
                movements.append(
                    _move(
                        by,
                        area_code=area.code,
                        item=item,
                        kind=kind,
                        quantity=-part,
                        moved_on=day,
                        expires_on=expires_on,
                        person=person,
                        campaign=campaign,
                        client_id=f"{key}#{index}" if key else None,
                        note=common.text(note, field="note", max_length=128),
                    )
                )
            return movements
    except IntegrityError:
        if key is None:
            raise
        return list(StockMovement.objects.filter(client_id__startswith=f"{key}#").order_by("pk"))


@transaction.atomic
def stock_write_off_expired(
    *, by: Actor, area: Any, item: SupplyItem, expires_on: datetime.date
) -> StockMovement:
    """Write off a batch that has expired (all of what is left of it). May be nested."""
    permissions.ensure(by, Capability.MANAGE_SUPPLIES, area.code)
    today = timezone.localdate()
    if expires_on >= today:
        raise common.refuse("expires_on", _("This batch has not expired yet."))
    level = (
        StockLevel.objects.select_for_update()
        .filter(area_id=area.code, item=item, expires_on=expires_on)
        .first()
    )
    if level is None or level.quantity == 0:
        raise ValidationError(_("Nothing of this batch is left."))
    n = level.quantity
    _take(area.code, item, n, today, expires_on=expires_on)
    return _move(
        by,
        area_code=area.code,
        item=item,
        kind=StockMovement.Kind.EXPIRED,
        quantity=-n,
        moved_on=today,
        expires_on=expires_on,
    )
