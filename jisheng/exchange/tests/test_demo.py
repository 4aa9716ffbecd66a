"""The demo step gives the demo county one peer, reachable by file only, and is idempotent."""

import io

import pytest

from jisheng.exchange import demo
from jisheng.exchange.models import Peer

pytestmark = pytest.mark.django_db


def test_the_demo_county_trusts_dongguan_once(areas):
    demo.populate(persons=0, seed=1, out=io.StringIO())
    demo.populate(persons=0, seed=1, out=io.StringIO())
    peer = Peer.objects.get()
    assert (peer.code, peer.name, peer.base_url, peer.enabled) == ("4419", "东莞市", "", True)
