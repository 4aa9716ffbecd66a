"""A gap-free number sequence (certificate and application numbers) gives each transaction its own next
number in one statement: the first number creates the sequence, a rolled-back transaction gives its
number back, and twenty transactions at once take twenty different numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from jisheng.certificates.models import NumberSequence
from jisheng.certificates.services import next_in_sequence


@pytest.mark.django_db
def test_the_first_number_creates_the_sequence_and_each_next_one_follows() -> None:
    with transaction.atomic():
        assert next_in_sequence("SQ-410101") == 1
        assert next_in_sequence("SQ-410101") == 2
        assert next_in_sequence("SQ-410102") == 1
    assert NumberSequence.objects.get(key="SQ-410101").last == 2


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back() -> None:
    with transaction.atomic():
        next_in_sequence("ZS-1")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_in_sequence("ZS-1") == 2
        raise RuntimeError("the case was refused")
    with transaction.atomic():
        assert next_in_sequence("ZS-1") == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_transactions_at_once_take_twenty_different_numbers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database is in memory: one connection, nothing runs at once")
    with transaction.atomic():
        next_in_sequence("ZS-2")  # the sequence exists; the twenty race for its next numbers
    start = threading.Barrier(20)
    taken: list[int] = []

    def take() -> None:
        try:
            start.wait()
            with transaction.atomic():
                taken.append(next_in_sequence("ZS-2"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(2, 22))
