"""Named counters: gapless and unique, also under concurrency."""

import threading

import pytest
from django.db import connection, transaction

from core.common.models import Counter
from core.common.services import counter_next


def test_counter_starts_at_one_and_counts_per_name(db):
    assert [counter_next(name="a"), counter_next(name="a"), counter_next(name="b")] == [1, 2, 1]


def test_a_number_taken_in_a_rolled_back_transaction_is_given_again(db):
    # given a counter at 1
    counter_next(name="invoice-2031")

    # when a transaction takes a number and then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        assert counter_next(name="invoice-2031") == 2
        raise RuntimeError("payment failed")

    # then the number is not lost: the next caller gets it (no gap)
    assert counter_next(name="invoice-2031") == 2


# Real commits on separate connections; only core.common's tables are emptied afterwards (fast).
@pytest.mark.django_db(transaction=True, available_apps=["core.common"])
def test_concurrent_callers_get_distinct_gapless_numbers():
    # given 8 threads, each on its own connection, starting together on a counter that does not exist yet
    threads_count, per_thread = 8, 10
    start = threading.Barrier(threads_count, timeout=30)
    taken, errors = [], []
    lock = threading.Lock()

    def take(t: int) -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                value = counter_next(name="race")
                with lock:
                    taken.append(value)
        except Exception as exc:  # reported below
            errors.append((t, repr(exc)))
        finally:
            connection.close()

    # when they all take numbers
    threads = [threading.Thread(target=take, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every number from 1 to 80 was handed out exactly once
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    total = threads_count * per_thread
    assert sorted(taken) == list(range(1, total + 1))
    assert Counter.objects.get(name="race").value == total
