"""Tests for `k8s_actors.components.kube_proxy.network`: the pod network's routes."""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node, NodeAddress, NodeSpec, NodeStatus
from k8s_actors.components.kube_proxy import PodNetwork


def node(name: str, ip: str = "", pod_cidr: str = "") -> Node:
    addresses = (NodeAddress(type="InternalIP", address=ip),) if ip else ()
    return Node(
        metadata=ObjectMeta(name=name),
        spec=NodeSpec(pod_cidr=pod_cidr),
        status=NodeStatus(addresses=(NodeAddress(type="Hostname", address=name), *addresses)),
    )


def two_nodes() -> PodNetwork:
    network = PodNetwork()
    network.set_node(node("node-1", "172.18.0.2", "10.244.0.0/24"))
    network.set_node(node("node-2", "172.18.0.3", "10.244.1.0/24"))
    return network


def test_owner_of_a_pod_ip_is_the_node_whose_pod_cidr_holds_it() -> None:
    network = two_nodes()
    assert network.owner_of("10.244.1.17") == "node-2"
    assert network.owner_of("10.244.0.255") == "node-1"


def test_owner_of_a_node_internal_ip_is_that_node() -> None:
    network = two_nodes()
    assert network.owner_of("172.18.0.3") == "node-2"
    assert network.node_of_address("172.18.0.2") == "node-1"
    assert dict(network.node_ips) == {"172.18.0.2": "node-1", "172.18.0.3": "node-2"}


def test_an_address_outside_every_range_or_not_an_ip_has_no_owner() -> None:
    network = two_nodes()
    assert network.owner_of("10.244.2.1") == ""
    assert network.owner_of("example.com") == ""
    assert network.node_of_address("10.244.0.5") == ""


def test_a_deleted_node_no_longer_owns_its_address_or_range() -> None:
    network = two_nodes()
    network.remove_node("node-2")
    assert network.owner_of("10.244.1.17") == ""
    assert network.owner_of("172.18.0.3") == ""
    assert network.owner_of("10.244.0.9") == "node-1"


def test_a_node_whose_address_changes_gives_up_the_old_one() -> None:
    network = two_nodes()
    network.set_node(node("node-2", "172.18.0.9", "10.244.1.0/24"))
    assert network.owner_of("172.18.0.3") == ""
    assert network.owner_of("172.18.0.9") == "node-2"


def test_a_pod_cidr_assigned_later_is_routed_from_then_on() -> None:
    network = PodNetwork()
    network.set_node(node("node-1", "172.18.0.2"))
    assert network.owner_of("10.244.0.4") == ""
    assert network.pod_cidr("node-1") is None
    network.set_node(node("node-1", "172.18.0.2", "10.244.0.0/24"))
    assert network.owner_of("10.244.0.4") == "node-1"
    assert str(network.pod_cidr("node-1")) == "10.244.0.0/24"


def test_overlapping_ranges_go_to_the_first_node_by_name() -> None:
    network = PodNetwork()
    network.set_node(node("node-b", pod_cidr="10.244.0.0/16"))
    network.set_node(node("node-a", pod_cidr="10.244.3.0/24"))
    network.set_node(node("node-c", pod_cidr="10.244.3.0/24"))
    assert network.owner_of("10.244.3.1") == "node-a"
    assert network.owner_of("10.244.4.1") == "node-b"
    network.set_node(msgspec.structs.replace(node("node-a"), spec=NodeSpec()))
    assert network.owner_of("10.244.3.1") == "node-a"  # a podCIDR is never unset
    network.remove_node("node-a")
    assert network.owner_of("10.244.3.1") == "node-b"
