"""Applications for a benefit: by staff on a resident's behalf, or by the resident on the portal.

An online application names who applies and their relation to the beneficiary. Knowing a child's
name and ID number is not enough to be paid for the child: the application is accepted at once only
when the registry shows the applicant is the beneficiary or the child's registered mother or father;
otherwise (a grandparent raising the child, a guardian the registry does not record, a stranger) it
waits for the village officer to verify with documents, and nothing is paid on it meanwhile. The
payee account must be the applicant's or the beneficiary's, and one person has at most one open
application per programme and year (a database constraint, so two requests racing make one).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import staff_user
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor, Resident
from jisheng.registry.models import Birth, Person
from jisheng.registry.queries import person_by_id_number
from jisheng.registry.validation import mask_id

from . import engine
from .models import OPEN_APPLICATION_STATUSES, Application
from .payee import Account, mask_account
from .rules import get_programme
from .services import allowed_holders


def registered_applicant(person: Person, *, name: str, id_number: str, relation: str) -> Person | None:
    """The registry's record of the applicant when it shows the stated relation, else None."""
    applicant = person_by_id_number(id_number, name=name)
    if applicant is None:
        return None
    if relation == Application.Relation.SELF:
        return applicant if applicant.pk == person.pk else None
    birth = Birth.objects.filter(child_id=person.pk).first()
    if birth is None:
        return None
    if relation == Application.Relation.MOTHER and birth.mother_id == applicant.pk:
        return applicant
    if relation == Application.Relation.FATHER and birth.father_id == applicant.pk:
        return applicant
    return None  # a guardian other than a parent is not recorded in the registry: verified by hand


@transaction.atomic(durable=True)
def application_submit(
    *, person: Person, programme_id: str, year: int, by: Actor, account: Account | None = None
) -> Application:
    """An application by a village officer (or other staff) on a resident's behalf, checked at once
    against the same rule as the proposals; the officer has seen the documents at the counter.

    Outermost: called by the pages only."""
    permissions.ensure(by, Capability.PROPOSE_BATCH, person.residence_area_id)
    if account is not None and account.holder not in allowed_holders(person.pk):
        raise ValidationError(
            {
                "account_holder": _(
                    "“Account holder”: %(holder)s is neither %(name)s nor a registered parent and cannot be paid"
                )
                % {"holder": account.holder, "name": person.name}
            }
        )
    return _create(person=person, programme_id=programme_id, year=year, by=by, account=account, fields={})


@transaction.atomic(durable=True)
def resident_application_submit(
    *,
    person: Person,
    programme_id: str,
    year: int,
    applicant_name: str,
    applicant_id_number: str,
    relation: str,
    account: Account | None = None,
) -> Application:
    """A resident's own application on the public portal, once the portal has matched the
    beneficiary to the registry. The resident acts (known by their masked ID number): the audit event
    has no staff actor and names the channel.

    Outermost: called by the pages only."""
    if relation not in Application.Relation.values:
        raise ValidationError({"relation": _("“Relation to the beneficiary”: choose one")})
    if account is not None and account.holder not in (applicant_name, person.name):
        raise ValidationError(
            {
                "account_holder": _(
                    "“Account holder”: the account must be the applicant's or the beneficiary's own"
                )
            }
        )
    applicant = registered_applicant(
        person, name=applicant_name, id_number=applicant_id_number, relation=relation
    )
    fields = {
        "applicant_name": applicant_name,
        "applicant_id_number": applicant_id_number,
        "relation": relation,
        "applicant": applicant,
    }
    return _create(
        person=person,
        programme_id=programme_id,
        year=year,
        by=Resident(reference=mask_id(applicant_id_number)),
        account=account,
        fields=fields,
        needs_verification=applicant is None,
    )


def _create(
    *,
    person: Person,
    programme_id: str,
    year: int,
    by: Actor,
    account: Account | None,
    fields: dict[str, Any],
    needs_verification: bool = False,
) -> Application:
    programme = get_programme(programme_id)
    open_one = (
        Application.objects.select_for_update()
        .filter(person=person, programme_id=programme.id, year=year, status__in=OPEN_APPLICATION_STATUSES)
        .first()
    )
    if open_one is not None:
        if (
            open_one.status != Application.Status.VERIFYING
            or needs_verification
            or not isinstance(by, Resident)
        ):
            raise ValidationError(_already_open(programme.name, year))
        # An unverified application (by someone the registry does not tie to the beneficiary) must
        # not block the registered parent's own: it is closed, and the officer sees why.
        _close_unverified(open_one, by=by)
    decision = engine.explain(programme, year, person)
    version = programme.version_for(year)
    if not decision.eligible:
        status = Application.Status.INELIGIBLE
    elif needs_verification:
        status = Application.Status.VERIFYING
    else:
        status = Application.Status.ELIGIBLE
    try:
        with transaction.atomic():
            application = Application.objects.create(
                person=person,
                area_id=person.residence_area_id,
                programme_id=programme.id,
                year=year,
                version=version.version if version else "",
                status=status,
                amount=decision.amount,
                reasons="\n".join(decision.reasons),
                applied_by=staff_user(by),
                **(account.as_fields() if account else {}),
                **fields,
            )
    except IntegrityError as exc:  # a second request for the same person raced this one
        raise ValidationError(_already_open(programme.name, year)) from exc
    record(
        by=by,
        action="benefits.application_submit",
        obj=application,
        after=_masked(model_snapshot(application)),
        reason="群众网上申请" if isinstance(by, Resident) else "",
    )
    return application


def _close_unverified(application: Application, *, by: Actor) -> None:
    before = _masked(model_snapshot(application))
    application.status = Application.Status.REJECTED
    application.verification_note = "人口信息库登记的申请对象本人或父母已另行申请，此申请不再核实"
    application.verified_at = timezone.now()
    application.save(update_fields=["status", "verification_note", "verified_at"])
    record(
        by=by,
        action="benefits.application_verify",
        obj=application,
        before=before,
        after=_masked(model_snapshot(application)),
        reason=application.verification_note,
    )


def _already_open(programme_name: str, year: int) -> str:
    return _("This person already has an application for %(programme)s %(year)s in progress") % {
        "programme": programme_name,
        "year": year,
    }


def _masked(snapshot: dict[str, Any]) -> dict[str, Any]:
    for key in ("bank_account", "applicant_id_number"):
        if snapshot.get(key):
            snapshot[key] = mask_account(str(snapshot[key]))
    return snapshot


@transaction.atomic(durable=True)
def application_verify(*, application: Application, accept: bool, note: str, by: Actor) -> Application:
    """The village officer has seen the applicant's documents (户口簿, 出生医学证明, guardianship):
    accepted, the application counts as eligible and its account may be paid; refused, it is closed.

    Outermost: called by the pages only."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    permissions.ensure(by, Capability.VERIFY_BENEFIT_APPLICATION, application.area_id)
    if application.status != Application.Status.VERIFYING:
        raise ValidationError(
            _("The application is “%(status)s”: there is nothing to check")
            % {"status": application.get_status_display()}
        )
    if not note.strip():
        raise ValidationError({"note": _("“Check note”: say which documents you checked")})
    before = _masked(model_snapshot(application))
    application.status = Application.Status.ELIGIBLE if accept else Application.Status.REJECTED
    application.verified_by = staff_user(by)
    application.verified_at = timezone.now()
    application.verification_note = note.strip()
    application.save()
    record(
        by=by,
        action="benefits.application_verify",
        obj=application,
        before=before,
        after=_masked(model_snapshot(application)),
        reason=note,
    )
    return application
