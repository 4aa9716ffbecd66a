"""Households: registering one, its address, and who belongs to it."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor

from ..codes import Relation
from ..models import Household, Person
from ..validation import Refusal, clean_text
from .people import _village


def _hold_household_number(number: str) -> None:
    """Serialise the registrations of one household number until this transaction ends: the database
    keeps one household per number *and county* (households are partitioned by county on PostgreSQL);
    across counties the look-up that follows is the check. SQLite's writer already holds the database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"registry.household.number:{number}"]
            )


@transaction.atomic
def household_create(
    *, by: Actor, number: str, area: Area, address: str = "", hukou_type: str = ""
) -> Household:
    """Register a household in a village. May be nested (``household_join``)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, area.code)
    _village(area)
    number = clean_text(number).replace(" ", "")
    if not number:
        raise Refusal(_("household number"), _("is required"))
    _hold_household_number(number)
    if Household.objects.filter(number=number).exists():
        raise Refusal(_("household number"), _("is already registered"), number)
    household = Household.objects.create(
        number=number, area=area, address=clean_text(address), hukou_type=hukou_type
    )
    record(by=by, action="registry.household_create", obj=household, after=model_snapshot(household))
    return household


@transaction.atomic(durable=True)
def household_update(*, household: Household, by: Actor, address: str, hukou_type: str) -> Household:
    """Change a household's address and hukou type. Outermost."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, household.area_id)
    before = model_snapshot(household)
    household.address = clean_text(address)
    household.hukou_type = hukou_type
    household.save(update_fields=["address", "hukou_type"])
    record(
        by=by,
        action="registry.household_update",
        obj=household,
        before=before,
        after=model_snapshot(household),
    )
    return household


@transaction.atomic
def household_add_member(*, household: Household, person: Person, relation: str, by: Actor) -> Person:
    """Put a person in a household with their relation to its head. May be nested (``household_join``)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, household.area_id)
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if (
        relation == Relation.HEAD
        and household.members.filter(relation_to_head=Relation.HEAD).exclude(pk=person.pk).exists()
    ):
        raise Refusal(_("relation to head"), _("the household already has a head"), relation)
    before = model_snapshot(person, ["household", "relation_to_head"])
    person.household = household
    person.relation_to_head = relation
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    record(
        by=by,
        action="registry.household_add_member",
        obj=person,
        before=before,
        after=model_snapshot(person, ["household", "relation_to_head"]),
    )
    return person


@transaction.atomic(durable=True)
def household_join(*, person: Person, number: str, relation: str, by: Actor) -> Person:
    """Put a person in the household of this number, registering the household in the person's village
    first when it is new: both in one transaction, so a refused membership leaves no empty household.
    A number registered in a village the user does not see is refused without naming it. Outermost."""
    number = clean_text(number).replace(" ", "")
    household = Household.objects.visible_to(by).filter(number=number).first()
    if household is None:
        if Household.objects.filter(number=number).exists():
            raise Refusal(_("household number"), _("belongs to another village"), number)
        household = household_create(by=by, number=number, area=person.residence_area)
    return household_add_member(household=household, person=person, relation=relation, by=by)


@transaction.atomic(durable=True)
def household_remove_member(*, person: Person, by: Actor) -> Person:
    """Take a person out of their household. Outermost."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    before = model_snapshot(person, ["household", "relation_to_head"])
    person.household = None
    person.relation_to_head = ""
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    record(by=by, action="registry.household_remove_member", obj=person, before=before)
    return person
