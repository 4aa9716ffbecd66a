"""Peers, the outbox and the inbox of the exchange between deployments (transport only).

A message is about one subject (``subject_key``: e.g. a hash of a person's ID number) and travels from an
area of this deployment (``from_area_code``) to an area of a peer (``to_area_code``). Messages about one
subject to one peer carry a sequence number and are delivered in that order. What a message means is the
business of the app that registered its ``kind`` (``jisheng.exchange.handlers``). Bodies carry migrants'
names and ID numbers: they are sealed at rest (``SealedJSONField``, SM4-GCM) and read back as the JSON
that is signed and verified.

Outbox and inbox rows are area-scoped by the local area they belong to (the sending area, the receiving
area), so a county's staff see their county's traffic; peers and refusals belong to the whole deployment.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedJSONField


class Peer(models.Model):
    """Another Jisheng deployment this one trusts: who it is, the areas it speaks for, where it is."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    # Area code prefixes (2–12 digits) the peer speaks for, separated by commas: "4419" or "411723,411724".
    area_prefixes = models.CharField(_("area code prefixes"), max_length=200)
    base_url = models.CharField(_("address"), max_length=200, blank=True)  # empty: files only
    # Ed25519 as base64 (44 characters) or "sm2:" and SM2's x‖y as base64 (92).
    public_key = models.CharField(_("public key"), max_length=128)
    # After the peer rotated its key (announced in a message signed by the old one): the old key still
    # verifies messages already in flight until ``previous_key_until``, then is refused.
    previous_public_key = models.CharField(_("previous public key"), max_length=128, blank=True)
    previous_key_until = models.DateTimeField(_("previous key accepted until"), null=True, blank=True)
    key_changed_at = models.DateTimeField(_("key changed at"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("peer deployment")
        verbose_name_plural = _("peer deployments")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefixes(self) -> list[str]:
        return [item.strip() for item in self.area_prefixes.split(",") if item.strip()]

    def speaks_for(self, area_code: str) -> bool:
        return any(area_code.startswith(prefix) for prefix in self.prefixes)


class OutboxState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    EXPORTED = "exported", _("sent in a file, waiting for the receipt")
    ACKNOWLEDGED = "acked", _("acknowledged")
    REFUSED = "refused", _("refused by the peer")
    FAILED = "failed", _("failed, needs attention")


class OutboxMessage(models.Model):
    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    peer = models.ForeignKey(Peer, verbose_name=_("peer"), on_delete=models.PROTECT, related_name="outbox")
    kind = models.CharField(_("kind"), max_length=48)
    subject_key = models.CharField(_("subject"), max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"))
    from_area_code = models.CharField(_("from area"), max_length=12)
    to_area_code = models.CharField(_("to area"), max_length=12)
    body = SealedJSONField(_("body"), default=dict)
    created_at = models.DateTimeField(_("created at"))
    state = models.CharField(_("state"), max_length=8, choices=OutboxState.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)  # which worker's claim holds it
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # The peer's signed receipt: its status and payload (what the handler answered, or why it refused).
    receipt = models.JSONField(_("receipt"), null=True, blank=True)

    scope_area_code_field = "from_area_code"
    objects = ScopedManager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "subject_key", "sequence"], name="exchange_outbox_one_sequence"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["peer", "state"]),
            models.Index(fields=["from_area_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.peer_id} #{self.message_id}"

    def audit_area_code(self) -> str:
        return self.from_area_code


class InboxState(models.TextChoices):
    APPLIED = "applied", _("applied")
    REFUSED = "refused", _("refused by the handler")


class InboxMessage(models.Model):
    """A message from a peer that passed every check; its handler ran exactly once (in the same
    transaction that wrote this row), and ``receipt`` is what was answered, every time it is asked."""

    message_id = models.UUIDField(_("message id"), unique=True)
    peer = models.ForeignKey(Peer, verbose_name=_("peer"), on_delete=models.PROTECT, related_name="inbox")
    kind = models.CharField(_("kind"), max_length=48)
    subject_key = models.CharField(_("subject"), max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"))
    from_area_code = models.CharField(_("from area"), max_length=12)
    to_area_code = models.CharField(_("to area"), max_length=12)
    body = SealedJSONField(_("body"), default=dict)
    created_at = models.DateTimeField(_("created at"))  # at the sender
    received_at = models.DateTimeField(_("received at"))
    transport = models.CharField(_("transport"), max_length=8)  # "http" or "file"
    content_hash = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=8, choices=InboxState.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    receipt = models.JSONField(_("receipt"), default=dict)

    scope_area_code_field = "to_area_code"
    objects = ScopedManager()

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        indexes = [
            models.Index(fields=["peer", "subject_key", "sequence"]),
            models.Index(fields=["to_area_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ← {self.peer_id} #{self.message_id}"

    def audit_area_code(self) -> str:
        return self.to_area_code


class InboxRefusal(models.Model):
    """A message refused before anything was applied: unsigned, unknown sender, bad signature, replayed,
    too old or too new, outside the sender's areas. What the message claimed is kept as text only."""

    at = models.DateTimeField(_("at"))
    code = models.CharField(_("refusal"), max_length=16)
    reason = models.CharField(_("reason"), max_length=300)
    sender_code = models.CharField(_("claimed sender"), max_length=64, blank=True)
    message_id = models.CharField(_("claimed message id"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=48, blank=True)
    transport = models.CharField(_("transport"), max_length=8)
    remote = models.CharField(_("from address"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("refused incoming message")
        verbose_name_plural = _("refused incoming messages")
        indexes = [models.Index(fields=["sender_code", "at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.message_id}"
