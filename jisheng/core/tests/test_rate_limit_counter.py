"""The public rate limit counts in one atomic statement, so it holds across worker processes."""

import threading

import pytest
from django.db import connection

from jisheng.core.ratelimit import allow, hit


def test_the_counter_counts_every_hit(db):
    assert [hit("k:test", window=60) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert hit("k:other", window=60) == 1


def test_a_limit_of_thirty_lets_thirty_through(db, rf):
    request = rf.post("/portal/apply/", REMOTE_ADDR="198.51.100.1")
    assert sum(allow(request, "portal-test", limit=30) for _ in range(60)) == 30
    other = rf.post("/portal/apply/", REMOTE_ADDR="198.51.100.2")
    assert allow(other, "portal-test", limit=30)


@pytest.mark.django_db(transaction=True)
def test_sixty_parallel_requests_against_a_limit_of_thirty_let_thirty_through(rf):
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections need a server database (SQLite's test database is in memory)")
    request = rf.post("/portal/apply/", REMOTE_ADDR="198.51.100.3")
    results: list[bool] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        barrier.wait()
        for _ in range(3):
            results.append(allow(request, "parallel", limit=30))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 60
    assert sum(results) == 30
