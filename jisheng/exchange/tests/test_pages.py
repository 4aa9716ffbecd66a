"""The exchange pages: county and city staff see the reconciliation of their area's messages per peer,
township staff see none of it; peers are added, files exported and imported through the pages."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jisheng.accounts.roles import RoleCode
from jisheng.exchange import services, signing
from jisheng.exchange.models import OutboxMessage, OutboxState, Peer

from .conftest import TEST_JOB

pytestmark = pytest.mark.django_db


def queue(count, *, area_code="411723101201", subject="s"):
    for n in range(count):
        services.message_send(
            by=TEST_JOB,
            kind="test.echo",
            to_area_code="441900003001",
            subject_key=f"{subject}-{n}",
            body={"n": n},
            from_area_code=area_code,
        )


def test_county_staff_see_the_reconciliation_of_each_peer(areas, make_user, client_for, peer):
    queue(3)
    OutboxMessage.objects.filter(subject_key="s-0").update(state=OutboxState.FAILED, last_error="连接被拒绝")
    county = make_user(areas["county"], RoleCode.COUNTY_STAFF)
    page = client_for(county).get(reverse("exchange:peers"))
    assert page.status_code == 200
    row = next(r for r in page.context["rows"] if r.peer == peer)
    assert (row.waiting, row.failed, row.sent) == (2, 1, 0)
    detail = client_for(county).get(reverse("exchange:peer", args=[peer.code]))
    assert "连接被拒绝" in detail.content.decode()


def test_staff_count_only_the_messages_of_their_own_area(areas, make_user, client_for, peer):
    queue(2, area_code="411723101201", subject="a")
    queue(5, area_code="411723102201", subject="b")
    city = make_user(areas["city"], RoleCode.CITY_STAFF)
    [all_rows] = client_for(city).get(reverse("exchange:peers")).context["rows"]
    assert all_rows.waiting == 7
    from jisheng.exchange import queries

    township_head = make_user(areas["township_a"], RoleCode.TOWNSHIP_HEAD)
    [own] = queries.reconciliation(township_head)
    assert own.waiting == 2


def test_township_and_village_staff_may_not_open_the_exchange_pages(areas, make_user, client_for, peer):
    for role, area in ((RoleCode.TOWNSHIP_HEAD, "township_a"), (RoleCode.VILLAGE_OFFICER, "village_a")):
        client = client_for(make_user(areas[area], role))
        assert client.get(reverse("exchange:peers")).status_code == 403
        assert client.get(reverse("exchange:peer", args=[peer.code])).status_code == 403


def test_the_reconciliation_page_reads_a_fixed_number_of_queries(
    areas, make_user, client_for, peer, django_assert_max_num_queries
):
    county = make_user(areas["county"], RoleCode.COUNTY_STAFF)
    client = client_for(county)
    queue(2)
    client.get(reverse("exchange:peers"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("exchange:peers"))
    queue(30, subject="more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("exchange:peers"))


def test_an_auditor_sees_the_pages_but_may_not_add_a_peer(areas, make_user, client_for, peer):
    auditor = client_for(make_user(areas["county"], RoleCode.AUDITOR))
    assert auditor.get(reverse("exchange:peers")).status_code == 200
    assert auditor.get(reverse("exchange:peer_add")).status_code == 403


def test_county_staff_add_a_peer_on_the_page_and_a_bad_key_is_refused_in_chinese(
    areas, make_user, client_for
):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    client = client_for(make_user(areas["county"], RoleCode.COUNTY_STAFF))
    values = {"code": "4403", "name": "深圳市", "area_prefixes": "4403", "base_url": "https://js.example.cn"}
    refused = client.post(reverse("exchange:peer_add"), {**values, "public_key": "abc"})
    assert "公钥" in refused.content.decode()
    key = signing.public_key_text(Ed25519PrivateKey.generate().public_key())
    response = client.post(reverse("exchange:peer_add"), {**values, "public_key": key})
    assert response.status_code == 302
    assert Peer.objects.get(code="4403").public_key == key


def test_a_peers_waiting_messages_are_downloaded_as_a_signed_file(areas, make_user, client_for, peer):
    queue(2)
    client = client_for(make_user(areas["county"], RoleCode.COUNTY_STAFF))
    response = client.post(reverse("exchange:peer_export", args=[peer.code]))
    document = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert len(document["messages"]) == 2 and signing.verify(document, signing.own_public_key())
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.EXPORTED}


def test_a_batch_file_is_imported_on_the_page(
    areas, make_user, client_for, peer, peer_key, envelope_from_peer, echo_handler
):
    from django.utils import timezone

    from jisheng.exchange import envelopes

    document = signing.sign(
        {
            "v": 1,
            "type": envelopes.BATCH_TYPE,
            "file_id": "f1",
            "from": "4419",
            "to": "411723",
            "exported": envelopes.timestamp(timezone.now()),
            "messages": [envelope_from_peer(), envelope_from_peer(seq=2)],
        },
        peer_key,
    )
    client = client_for(make_user(areas["county"], RoleCode.COUNTY_STAFF))
    upload = SimpleUploadedFile("batch.json", json.dumps(document).encode(), content_type="application/json")
    response = client.post(reverse("exchange:import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["result"].applied == 2
    # The receipts go back to the peer as messages of their own.
    assert OutboxMessage.objects.filter(kind=services.RECEIPT_KIND).count() == 2
