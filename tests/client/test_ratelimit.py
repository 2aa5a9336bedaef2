"""Tests for the retry rate limiters (client-go default_rate_limiters.go semantics)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8s_actors.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)


def test_exponential_delay_doubles_from_the_base_for_each_failure() -> None:
    limiter: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter(0.005, 1000)
    delays = [limiter.when("a", now=0.0) for _ in range(5)]
    assert delays == [0.005, 0.01, 0.02, 0.04, 0.08]
    assert limiter.num_requeues("a") == 5


def test_exponential_delay_is_capped_at_the_maximum() -> None:
    limiter: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter(1.0, 10.0)
    delays = [limiter.when("a", now=0.0) for _ in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_exponential_delay_stays_at_the_cap_when_the_power_would_overflow() -> None:
    limiter: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter()
    for _ in range(1100):
        last = limiter.when("a", now=0.0)
    assert last == 1000.0


def test_exponential_failures_are_counted_per_item() -> None:
    limiter: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter()
    limiter.when("a", now=0.0)
    limiter.when("a", now=0.0)
    assert limiter.when("b", now=0.0) == 0.005
    assert (limiter.num_requeues("a"), limiter.num_requeues("b")) == (2, 1)


def test_forget_restarts_the_backoff_of_that_item_only() -> None:
    limiter: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter()
    for item in ["a", "a", "b"]:
        limiter.when(item, now=0.0)
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a", now=0.0) == 0.005
    assert limiter.num_requeues("b") == 1


@settings(max_examples=50)
@given(failures=st.integers(min_value=1, max_value=40))
def test_nth_exponential_delay_is_base_times_two_to_n_minus_one_capped(failures: int) -> None:
    limiter: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter()
    for _ in range(failures - 1):
        limiter.when("a", now=0.0)
    assert limiter.when("a", now=0.0) == min(0.005 * 2 ** (failures - 1), 1000.0)


def test_bucket_lets_a_full_burst_through_then_spaces_retries_by_one_over_qps() -> None:
    bucket = BucketRateLimiter(qps=10.0, burst=3)
    delays = [bucket.when(item, now=0.0) for item in "abcdef"]
    assert delays == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2, 0.3])


def test_bucket_refills_at_qps_as_time_passes() -> None:
    bucket = BucketRateLimiter(qps=10.0, burst=2)
    assert [bucket.when("x", now=0.0) for _ in range(3)] == pytest.approx([0.0, 0.0, 0.1])
    # At 0.1 s the debt is repaid; by 0.3 s two tokens have come back.
    assert bucket.when("x", now=0.3) == 0.0
    assert bucket.when("x", now=0.3) == 0.0
    assert bucket.when("x", now=0.3) == pytest.approx(0.1)


def test_bucket_never_saves_more_than_the_burst() -> None:
    bucket = BucketRateLimiter(qps=10.0, burst=2)
    delays = [bucket.when("x", now=1000.0) for _ in range(3)]
    assert delays == pytest.approx([0.0, 0.0, 0.1])


def test_bucket_is_shared_by_all_items_and_counts_no_requeues() -> None:
    bucket = BucketRateLimiter(qps=1.0, burst=1)
    assert bucket.when("a", now=0.0) == 0.0
    assert bucket.when("b", now=0.0) == 1.0
    bucket.forget("b")
    assert bucket.num_requeues("a") == 0
    assert bucket.when("c", now=0.0) == 2.0


def test_bucket_rejects_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="qps"):
        BucketRateLimiter(qps=0.0)


def test_max_of_returns_the_longest_delay_and_the_most_requeues() -> None:
    slow: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter(1.0, 100.0)
    fast: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter(0.1, 100.0)
    combined = MaxOfRateLimiter(fast, slow)
    assert combined.when("a", now=0.0) == 1.0
    slow.forget("a")
    assert combined.num_requeues("a") == 1  # `fast` still counts the failure


def test_max_of_forget_reaches_every_limiter() -> None:
    first: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter()
    second: ItemExponentialFailureRateLimiter[str] = ItemExponentialFailureRateLimiter()
    combined = MaxOfRateLimiter(first, second)
    combined.when("a", now=0.0)
    combined.forget("a")
    assert (first.num_requeues("a"), second.num_requeues("a")) == (0, 0)


def test_default_controller_limiter_is_5ms_to_1000s_backoff_and_10qps_burst_100() -> None:
    limiter: MaxOfRateLimiter[str] = default_controller_rate_limiter()
    exponential, bucket = limiter.limiters
    assert isinstance(exponential, ItemExponentialFailureRateLimiter)
    assert (exponential.base_delay, exponential.max_delay) == (0.005, 1000.0)
    assert isinstance(bucket, BucketRateLimiter)
    assert (bucket.qps, bucket.burst) == (10.0, 100)


def test_default_controller_limiter_is_bucket_bound_after_a_burst_of_100_items() -> None:
    limiter: RateLimiter[int] = default_controller_rate_limiter()
    delays = [limiter.when(item, now=0.0) for item in range(102)]
    assert delays[:100] == [0.005] * 100
    assert delays[100:] == pytest.approx([0.1, 0.2])
