"""Back-offs: client-go flowcontrol.Backoff as the kubelet uses it (10 s doubling to 300 s)."""

from __future__ import annotations

import pytest

from k8s_actors.components.kubelet.backoff import BackOff, go_duration


def test_delays_double_from_ten_seconds_up_to_five_minutes() -> None:
    backoff = BackOff()
    delays = [backoff.next("k", float(t), float(t)) for t in range(0, 90, 10)]
    assert delays == [10, 20, 40, 80, 160, 300, 300, 300, 300]


def test_ten_quiet_minutes_reset_the_delay() -> None:
    backoff = BackOff()
    backoff.next("k", 0.0, 0.0)
    backoff.next("k", 1.0, 1.0)
    assert backoff.get("k") == 20
    assert backoff.next("k", 602.0, 602.0) == 10


def test_in_back_off_since_an_exit_until_the_delay_passed() -> None:
    backoff = BackOff()
    assert not backoff.is_in_backoff_since("k", 0.0, 1.0)  # no entry: restart at once
    backoff.next("k", 0.0, 0.0)
    assert backoff.is_in_backoff_since("k", 5.0, 14.9)
    assert not backoff.is_in_backoff_since("k", 5.0, 15.0)


def test_in_back_off_since_the_last_failed_pull() -> None:
    backoff = BackOff()
    backoff.next("img", 100.0, 100.0)
    assert backoff.is_in_backoff_since_update("img", 109.0)
    assert not backoff.is_in_backoff_since_update("img", 110.0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.5, "500ms"), (2, "2s"), (2.5, "2.5s"), (80, "1m20s"), (300, "5m0s"),
     (3600, "1h0m0s")],
)  # fmt: skip
def test_durations_print_as_go_does(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text
