"""Audit actions in words: the trail stores a dotted code ("hall.approve"); people read a sentence.

The code's first part is the kind of action (whose work it is), the filter the viewer offers; the
whole code names the action. An action not listed here is shown by its kind, never as a bare code.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KINDS: dict[str, Promise] = {
    "account": _("Accounts and sign-in"),
    "token": _("Accounts and sign-in"),
    "area": _("Areas"),
    "exchange": _("Data exchange"),
    "workdays": _("Working-day calendar"),
    "registry": _("Population registry"),
    "person": _("Personal data shown"),
    "disclosure": _("Personal data disclosed"),
    "hall": _("Service hall"),
    "certificates": _("Certificates"),
    "benefits": _("Benefits"),
    "reporting": _("Reports"),
    "messaging": _("Messages to residents"),
    "audit": _("Audit trail"),
    "crypto": _("Cryptographic keys"),
}

ACTIONS: dict[str, Promise] = {
    "account.create": _("Account created"),
    "account.login": _("Signed in"),
    "account.login_failed": _("Failed sign-in"),
    "account.logout": _("Signed out"),
    "account.password_change": _("Password changed"),
    "account.totp_enrol": _("Authenticator enrolled"),
    "account.totp_verify": _("Second factor verified"),
    "account.unlock": _("Account unlocked"),
    "account.lockout": _("Account locked out"),
    "crypto.field_key_rotate": _("Data encryption key rotated"),
    "token.create": _("API token created"),
    "token.revoke": _("API token revoked"),
    "token.revoke_all": _("All API tokens revoked"),
    "area.import": _("Areas imported"),
    "area.merge": _("Areas merged"),
    "area.rename": _("Area renamed"),
    "workdays.seed": _("Working-day calendar loaded"),
    "workdays.import": _("Working-day calendar imported"),
    "workdays.set_day": _("Calendar day changed"),
    "workdays.provisional": _("Provisional calendar built"),
    "registry.person_create": _("Person registered"),
    "registry.person_update": _("Person's details changed"),
    "registry.person_status": _("Person's status changed"),
    "registry.person_move": _("Move recorded"),
    "registry.person_move_in": _("Move in recorded"),
    "registry.person_move_out": _("Move out recorded"),
    "registry.birth_record": _("Birth recorded"),
    "registry.death_record": _("Death recorded"),
    "registry.marriage_record": _("Marriage recorded"),
    "registry.marriage_divorce": _("Divorce recorded"),
    "registry.contraception_record": _("Contraception recorded"),
    "registry.household_create": _("Household created"),
    "registry.household_update": _("Household changed"),
    "registry.household_add_member": _("Household member added"),
    "registry.household_remove_member": _("Household member removed"),
    "registry.duplicates_scan": _("Duplicates looked for"),
    "registry.duplicate_merge": _("Persons merged"),
    "registry.duplicate_distinct": _("Duplicate pair judged distinct"),
    "registry.import": _("Data imported"),
    "registry.import_upload": _("Import file uploaded"),
    "registry.demo_generate": _("Demo data generated"),
    "person.reveal_id": _("Full ID number shown"),
    "person.reveal_phone": _("Full phone number shown"),
    "disclosure.registry_export": _("Registry data exported"),
    "disclosure.certificate_pdf": _("Certificate PDF downloaded"),
    "disclosure.case_material": _("Case material opened"),
    "disclosure.registry_import_refused": _("Refused import rows downloaded"),
    "hall.submit": _("Application received"),
    "hall.resubmit": _("Corrections received"),
    "hall.resubmit_partial": _("Some corrections received"),
    "hall.notice": _("Correction notice issued"),
    "hall.approve": _("Application approved"),
    "hall.refuse": _("Application refused"),
    "hall.decline": _("Application declined"),
    "hall.overturn": _("Decision overturned"),
    "hall.handover": _("Case handed over"),
    "hall.accountability": _("Accountability recorded"),
    "hall.deadline_warn": _("Deadline warning"),
    "hall.consult": _("Consultation recorded"),
    "hall.rate": _("Service rated"),
    "hall.rating_reply": _("Rating answered"),
    "hall.rating_appeal": _("Rating reply appealed"),
    "hall.rating_appeal_answer": _("Appeal answered"),
    "hall.deadlines_recompute": _("Deadlines recomputed"),
    "hall.post_create": _("Counter post created"),
    "hall.post_absent": _("Post holder absent"),
    "hall.post_return": _("Post holder back"),
    "hall.catalogue_load": _("Service catalogue loaded"),
    "hall.catalogue_edit": _("Service catalogue changed"),
    "certificates.issue": _("Certificate issued"),
    "certificates.revoke": _("Certificate revoked"),
    "certificates.revoke_request": _("Certificate revocation requested"),
    "certificates.revoke_reject": _("Certificate revocation rejected"),
    "certificates.rotate_key": _("Signing key rotated"),
    "benefits.application_submit": _("Benefit application received"),
    "benefits.application_verify": _("Benefit application checked"),
    "benefits.line_account_set": _("Payee account recorded"),
    "benefits.batch_propose": _("Beneficiaries proposed"),
    "benefits.batch_start_notice": _("Public notice started"),
    "benefits.batch_review": _("Batch reviewed"),
    "benefits.batch_approve": _("Batch approved"),
    "benefits.payments_issue": _("Payments issued"),
    "benefits.payment_settle": _("Payment settled"),
    "benefits.payment_reissue": _("Payment reissued"),
    "benefits.objection_record": _("Objection recorded"),
    "benefits.objection_resolve": _("Objection resolved"),
    "benefits.enrolment_stop": _("Benefit stopped"),
    "benefits.enrolments_reconfirm": _("Beneficiaries reconfirmed"),
    "reporting.form_load": _("Report forms loaded"),
    "reporting.open": _("Report period opened"),
    "reporting.save": _("Report saved"),
    "reporting.submit": _("Report submitted"),
    "reporting.verify": _("Report verified"),
    "reporting.approve": _("Report approved"),
    "reporting.return": _("Report returned"),
    "reporting.unlock": _("Report unlocked"),
    "reporting.compile": _("Report compiled"),
    "reporting.recompile": _("Report compiled again"),
    "reporting.figures_store": _("Figures stored"),
    "reporting.job_start": _("Report compilation or approval queued"),
    "reporting.job_update": _("Report job state changed"),
    "benefits.batch_job_start": _("Benefit run or payment export queued"),
    "benefits.batch_job_update": _("Benefit job state changed"),
    "exchange.message_send": _("Exchange message sent"),
    "exchange.message_failed": _("Exchange message failed"),
    "exchange.message_refused": _("Exchange message refused by the receiver"),
    "exchange.messages_acknowledged": _("Exchange messages acknowledged"),
    "exchange.messages_received": _("Exchange messages received"),
    "exchange.message_rejected": _("Incoming exchange message rejected"),
    "exchange.message_refused_by_handler": _("Incoming exchange message refused by its handler"),
    "exchange.outbox_retry": _("Exchange message sent again"),
    "exchange.outbox_send_job": _("Exchange outbox sending queued"),
    "exchange.batch_export": _("Exchange batch file written"),
    "exchange.batch_import": _("Exchange batch file read"),
    "exchange.peer_add": _("Exchange partner added"),
    "exchange.peer_disable": _("Exchange partner disabled"),
    "exchange.key_rotate": _("Exchange signing key rotated"),
    "exchange.peer_key_rotated": _("Exchange partner's key changed"),
    "exchange.test_echo": _("Exchange test message"),
    "messaging.queue": _("Message queued"),
    "messaging.sent": _("Message sent"),
    "messaging.failed": _("Message failed"),
    "messaging.retry": _("Message retried"),
    "audit.purge": _("Old audit events purged"),
    "audit.verify_failed": _("Audit chain verification failed"),
}

OTHER_KIND = _("Other")


def kind_of(action: str) -> str:
    return action.split(".", 1)[0]


def kind_label(action: str) -> str:
    return str(KINDS.get(kind_of(action), OTHER_KIND))


def action_label(action: str) -> str:
    """The action in words; an unlisted one says at least whose work it was."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else kind_label(action)


def kind_choices() -> list[tuple[str, str]]:
    """One entry per kind label (sign-in and tokens share one), keyed by the first prefix."""
    seen: dict[str, str] = {}
    for prefix, label in KINDS.items():
        seen.setdefault(str(label), prefix)
    return [(prefix, label) for label, prefix in seen.items()]


def prefixes_of_kind(kind: str) -> list[str]:
    """Every prefix that shares ``kind``'s label (choosing sign-in also finds token events)."""
    label = KINDS.get(kind)
    return [prefix for prefix, other in KINDS.items() if other == label] if label is not None else []
