"""The load balancer address pool: parsing, allocation order, preferences and release."""

from __future__ import annotations

import pytest

from k8s_actors.components.cloud_controller.pool import IPPool, parse_pool


def test_a_range_a_cidr_and_one_address_are_accepted() -> None:
    assert [str(a) for a in parse_pool("203.0.113.10-203.0.113.12")] == [
        "203.0.113.10",
        "203.0.113.12",
    ]
    assert [str(a) for a in parse_pool("198.51.100.0/30")] == ["198.51.100.1", "198.51.100.2"]
    assert [str(a) for a in parse_pool("192.0.2.7")] == ["192.0.2.7", "192.0.2.7"]


def test_a_reversed_range_is_refused() -> None:
    with pytest.raises(ValueError, match="is after its last"):
        parse_pool("203.0.113.20-203.0.113.10")


def test_addresses_are_handed_out_lowest_first_and_kept_per_service() -> None:
    pool = IPPool("203.0.113.10-203.0.113.11")
    assert pool.allocate("default/a") == "203.0.113.10"
    assert pool.allocate("default/b") == "203.0.113.11"
    assert pool.allocate("default/a") == "203.0.113.10"
    assert pool.allocate("default/c") is None


def test_a_preferred_free_address_in_the_pool_is_honoured() -> None:
    pool = IPPool("203.0.113.10-203.0.113.20")
    assert pool.allocate("default/a", ("10.0.0.1", "203.0.113.15")) == "203.0.113.15"
    assert pool.allocate("default/b", ("203.0.113.15",)) == "203.0.113.10"


def test_a_released_address_is_free_again() -> None:
    pool = IPPool("203.0.113.10-203.0.113.10")
    assert pool.allocate("default/a") == "203.0.113.10"
    assert pool.release("default/a") == "203.0.113.10"
    assert pool.owner("203.0.113.10") is None
    assert pool.allocate("default/b") == "203.0.113.10"
