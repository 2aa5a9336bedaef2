"""Host-local IPAM over the node's podCIDR: deterministic, round-robin, never the gateway."""

from __future__ import annotations

import pytest

from k8s_actors.components.kubelet.cni import HostLocalIpam, IpamError


def test_first_pod_gets_the_address_after_the_gateway() -> None:
    ipam = HostLocalIpam("10.244.1.0/24")
    assert ipam.gateway == "10.244.1.1"
    assert ipam.add("a") == "10.244.1.2"
    assert ipam.add("b") == "10.244.1.3"


def test_a_pod_keeps_its_address_on_a_second_add() -> None:
    ipam = HostLocalIpam("10.244.1.0/24")
    first = ipam.add("a")
    assert ipam.add("a") == first


def test_a_released_address_is_not_reused_at_once() -> None:
    ipam = HostLocalIpam("10.244.1.0/24")
    ipam.add("a")
    ipam.add("b")
    assert ipam.delete("a") == "10.244.1.2"
    assert ipam.add("c") == "10.244.1.4"


def test_allocation_wraps_around_to_freed_addresses() -> None:
    ipam = HostLocalIpam("10.244.1.0/29")  # .2 to .6 usable
    for uid in "abcde":
        ipam.add(uid)
    ipam.delete("b")
    assert ipam.add("f") == "10.244.1.3"
    with pytest.raises(IpamError):
        ipam.add("g")


def test_no_range_means_no_address() -> None:
    with pytest.raises(IpamError, match="no podCIDR"):
        HostLocalIpam().add("a")
