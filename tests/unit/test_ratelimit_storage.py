"""The rate limiter's counters: hits start no thread, a limit still refuses, and a key nobody
asks about again is swept on a later hit once the sweep interval has passed."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.strategies import SlidingWindowCounterRateLimiter

from shared.web.ratelimit import SweptMemoryStorage

pytestmark = pytest.mark.quick


def test_hits_start_no_thread_and_the_limit_still_refuses() -> None:
    storage = SweptMemoryStorage()
    first = storage.timer  # limits' own timer, started once in its constructor
    first.join()
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("5/minute")
    before = threading.active_count()
    answers = []
    for _ in range(7):
        answers.append(limiter.hit(item, "address", "10.0.0.1"))
        time.sleep(0.015)  # longer than limits' 10 ms timer: it would have started a new one
    assert answers == [True] * 5 + [False] * 2
    assert threading.active_count() == before
    assert storage.timer is first  # limits replaces a finished timer on the next hit
    assert limiter.hit(item, "address", "10.0.0.2")  # another address has its own count


def test_a_key_nobody_asks_about_again_is_swept_after_the_interval() -> None:
    storage = SweptMemoryStorage()
    storage.timer.join()
    storage.SWEEP_SECONDS = 0.05
    storage.incr("old", expiry=0.01)
    time.sleep(0.02)
    storage.incr("new", expiry=60)  # within the interval: nothing swept yet
    assert "old" in storage.storage
    time.sleep(0.05)
    storage.incr("new", expiry=60)
    assert "old" not in storage.storage
    assert storage.storage["new"] == 2
