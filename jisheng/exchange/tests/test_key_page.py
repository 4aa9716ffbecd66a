"""The security administrator rotates the exchange key pair on its page: the new key is announced to the
peers in a message signed with the old key, and the step is audited; others may not open the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from jisheng.accounts.roles import RoleCode
from jisheng.audit.models import AuditEvent
from jisheng.exchange import services, signing
from jisheng.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_keys(settings: Any, tmp_path: Any) -> None:
    settings.KEYS_DIR = str(tmp_path / "keys")


def test_the_security_administrator_rotates_the_key_and_every_peer_is_told_under_the_old_key(
    areas: Any, make_user: Any, client_for: Any, peer: Any
) -> None:
    old_key = signing.own_public_key()
    admin = make_user(areas["county"], RoleCode.SECURITY_ADMIN)
    client = client_for(admin)
    assert old_key in client.get(reverse("exchange:key")).content.decode()
    assert client.post(reverse("exchange:key")).status_code == 302
    new_key = signing.own_public_key()
    assert new_key != old_key
    announcement = OutboxMessage.objects.get(kind=services.KEY_ROTATION, peer=peer)
    assert announcement.body["public_key"] == new_key and announcement.body["previous_key"] == old_key
    # The announcement (and, until the peer acknowledges it, everything else to it) carries the old key's
    # signature; the proof inside is the new key's.
    from django.utils import timezone

    envelope = services.envelope_of(announcement, sent=timezone.now(), key=services.signing_key_for(peer))
    assert signing.verify(envelope, old_key) and not signing.verify(envelope, new_key)
    statement = {key: announcement.body[key] for key in ("code", "public_key", "previous_key", "rotated_at")}
    assert signing.verify({**statement, "signature": announcement.body["proof"]}, new_key)
    event = AuditEvent.objects.get(action="exchange.key_rotate")
    assert event.after["public_key"] == new_key and event.after["announced_to"] == [peer.code]
    # A second rotation waits until the peer has acknowledged the first.
    client.post(reverse("exchange:key"))
    assert signing.own_public_key() == new_key
    assert AuditEvent.objects.filter(action="exchange.key_rotate").count() == 1


def test_county_staff_without_the_security_role_may_not_rotate(
    areas: Any, make_user: Any, client_for: Any, peer: Any
) -> None:
    county = make_user(areas["county"], RoleCode.COUNTY_STAFF)
    old_key = signing.own_public_key()
    assert client_for(county).post(reverse("exchange:key")).status_code == 403
    assert signing.own_public_key() == old_key
    assert not OutboxMessage.objects.filter(kind=services.KEY_ROTATION).exists()


def test_the_command_rotates_the_key_too(peer: Any) -> None:
    old_key = signing.own_public_key()
    call_command("exchange-key-rotate")
    assert signing.own_public_key() != old_key
    assert OutboxMessage.objects.filter(kind=services.KEY_ROTATION).count() == 1


def test_a_deployment_signing_with_sm2_rotates_to_a_new_sm2_pair_announced_under_the_old_one(
    areas: Any, make_user: Any, client_for: Any, peer: Any, settings: Any
) -> None:
    from django.utils import timezone

    settings.EXCHANGE_ALGORITHM = "sm2"
    old_key = signing.own_public_key()
    assert old_key.startswith("sm2:")
    admin = make_user(areas["county"], RoleCode.SECURITY_ADMIN)
    assert client_for(admin).post(reverse("exchange:key")).status_code == 302
    new_key = signing.own_public_key()
    assert new_key.startswith("sm2:") and new_key != old_key
    announcement = OutboxMessage.objects.get(kind=services.KEY_ROTATION, peer=peer)
    assert announcement.body["public_key"] == new_key and announcement.body["previous_key"] == old_key
    envelope = services.envelope_of(announcement, sent=timezone.now(), key=services.signing_key_for(peer))
    assert signing.verify(envelope, old_key) and not signing.verify(envelope, new_key)
    statement = {key: announcement.body[key] for key in ("code", "public_key", "previous_key", "rotated_at")}
    assert signing.verify({**statement, "signature": announcement.body["proof"]}, new_key)
    keys = Path(settings.KEYS_DIR) / "exchange"
    assert {path.name for path in keys.iterdir()} >= {"sm2.key", "sm2.pub", "sm2.previous.key"}
    assert (keys / "sm2.key").stat().st_mode & 0o077 == 0
    assert (keys / "sm2.previous.key").stat().st_mode & 0o077 == 0
    assert AuditEvent.objects.get(action="exchange.key_rotate").after["public_key"] == new_key
