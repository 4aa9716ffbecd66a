"""Vital events of the family-planning record: marriages and divorces, births, contraception."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor

from ..codes import MARRIED_STATUSES, MaritalStatus, Relation, Sex
from ..models import Birth, Contraception, Marriage, Person, ResidencePeriod
from ..validation import (
    Refusal,
    age_on,
    check_birth,
    check_identity,
    clean_text,
    normalize_name,
)
from .people import _already_registered, _hold_id_number

MIN_MARRIAGE_AGE = {Sex.MALE: 22, Sex.FEMALE: 20}


@transaction.atomic
def marriage_record(
    *,
    husband: Person,
    wife: Person,
    date: datetime.date,
    by: Actor,
    kind: str = Marriage.Kind.FIRST,
    certificate_number: str = "",
) -> Marriage:
    """Record a marriage; both spouses become married. May be nested (the offline sync)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, wife.residence_area_id)
    if husband.sex != Sex.MALE:
        raise Refusal(_("husband"), _("must be a man"), husband.name)
    if wife.sex != Sex.FEMALE:
        raise Refusal(_("wife"), _("must be a woman"), wife.name)
    for person, label in ((husband, _("husband")), (wife, _("wife"))):
        minimum = MIN_MARRIAGE_AGE[Sex(person.sex)]
        if age_on(person.birth_date, date) < minimum:
            raise Refusal(
                label,
                _("is younger than the legal age of %(age)s on the date of marriage") % {"age": minimum},
                person.name,
            )
        if Marriage.objects.filter(
            **{"husband" if person is husband else "wife": person}, divorce_date__isnull=True
        ).exists():
            raise Refusal(label, _("is still married; record the divorce first"), person.name)
    if date > timezone.localdate():
        raise Refusal(_("date of marriage"), _("lies in the future"), date)
    marriage = Marriage.objects.create(
        husband=husband,
        wife=wife,
        date=date,
        kind=kind,
        certificate_number=clean_text(certificate_number),
        area_id=wife.residence_area_id,
    )
    status = MaritalStatus.FIRST_MARRIAGE if kind == Marriage.Kind.FIRST else MaritalStatus.REMARRIED
    Person.objects.filter(pk__in=[husband.pk, wife.pk]).update(marital_status=status)
    record(by=by, action="registry.marriage_record", obj=marriage, after=model_snapshot(marriage))
    return marriage


@transaction.atomic(durable=True)
def marriage_divorce(*, marriage: Marriage, date: datetime.date, by: Actor) -> Marriage:
    """Record the divorce of a current marriage. Outermost."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, marriage.area_id)
    if marriage.divorce_date is not None:
        raise Refusal(_("date of divorce"), _("the divorce is already recorded"))
    if date < marriage.date:
        raise Refusal(_("date of divorce"), _("is before the marriage"), date)
    marriage.divorce_date = date
    marriage.save(update_fields=["divorce_date"])
    Person.objects.filter(
        pk__in=[marriage.husband_id, marriage.wife_id], marital_status__in=MARRIED_STATUSES
    ).update(marital_status=MaritalStatus.DIVORCED)
    record(by=by, action="registry.marriage_divorce", obj=marriage, after={"divorce_date": date})
    return marriage


@transaction.atomic
def birth_record(
    *,
    mother: Person,
    date: datetime.date,
    sex: str,
    child_name: str,
    by: Actor,
    father: Person | None = None,
    child_id_number: str = "",
    birth_order: int | None = None,
    weight_grams: int | None = None,
    has_defect: bool = False,
    defect_description: str = "",
    place: str = "",
) -> Birth:
    """Record a birth and register the child as a person of the mother's village and household.
    May be nested (the offline sync)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, mother.residence_area_id)
    if mother.sex != Sex.FEMALE:
        raise Refusal(_("mother"), _("must be a woman"), mother.name)
    others = list(Birth.objects.filter(mother=mother).values_list("date", "birth_order"))
    order = birth_order or (1 + sum(1 for other_date, _order in others if other_date <= date))
    check_birth(mother_birth_date=mother.birth_date, date=date, birth_order=order, other_births=others)
    if child_id_number:
        identity = check_identity(id_number=child_id_number, birth_date=date, sex=sex)
        id_number = identity.id_number
    else:
        id_number = ""
    child = Person(
        name=normalize_name(child_name),
        id_number=id_number,
        sex=sex,
        birth_date=date,
        marital_status=MaritalStatus.UNMARRIED,
        residence_area_id=mother.residence_area_id,
        registered_area_code=mother.registered_area_code,
        hukou_type=mother.hukou_type,
        household=mother.household,
        relation_to_head=Relation.CHILD if mother.household_id else "",
        address=mother.address,
    )
    child.fill_search_fields()
    _hold_id_number(id_number)
    try:
        # One live person per ID number: a child already registered under the number is refused by
        # name, also when another request registered it a moment ago (the constraint decides).
        if id_number and Person.objects.filter(id_number=id_number, merged_into__isnull=True).exists():
            raise IntegrityError
        with transaction.atomic():
            child.save()
    except IntegrityError:
        raise _already_registered(by=by, id_number=id_number, as_typed=child_id_number) from None
    ResidencePeriod.objects.create(person=child, area_code=child.residence_area_id, start_date=date)
    birth = Birth.objects.create(
        child=child,
        mother=mother,
        father=father,
        date=date,
        birth_order=order,
        sex=sex,
        weight_grams=weight_grams,
        has_defect=has_defect,
        defect_description=clean_text(defect_description),
        place=clean_text(place),
        area_id=mother.residence_area_id,
    )
    record(by=by, action="registry.birth_record", obj=birth, after=model_snapshot(birth))
    return birth


@transaction.atomic
def contraception_record(
    *,
    person: Person,
    method: str,
    start_date: datetime.date,
    by: Actor,
    end_date: datetime.date | None = None,
    provider: str = "",
) -> Contraception:
    """Record a contraceptive method, closing the running one. May be nested (the floating population's
    and the offline sync's records)."""
    permissions.ensure(by, Capability.RECORD_VITAL_EVENTS, person.residence_area_id)
    if end_date is not None and end_date < start_date:
        raise Refusal(_("end date"), _("is before the start date"), end_date)
    if start_date < person.birth_date:
        raise Refusal(_("start date"), _("is before the person was born"), start_date)
    # A new method replaces the running one: close it the day before.
    Contraception.objects.filter(person=person, end_date__isnull=True, start_date__lt=start_date).update(
        end_date=start_date - datetime.timedelta(days=1)
    )
    item = Contraception.objects.create(
        person=person,
        method=method,
        start_date=start_date,
        end_date=end_date,
        provider=clean_text(provider),
        area_id=person.residence_area_id,
    )
    record(by=by, action="registry.contraception_record", obj=item, after=model_snapshot(item))
    return item
