"""The kinds: wire names, kind/apiVersion always encoded, immutability."""

from __future__ import annotations

import msgspec
import pytest

from k8s_actors.api import codec
from k8s_actors.api.objects import Deployment, Node, Pod, Service
from k8s_actors.api.objects.cluster import NodeSpec
from k8s_actors.api.objects.pod import PodStatus
from k8s_actors.api.objects.service import ServiceSpec
from k8s_actors.api.registry import REGISTRY


def test_every_kind_encodes_its_api_version_and_kind_even_when_default() -> None:
    """kind and apiVersion are written although they equal their defaults."""
    assert codec.to_builtins(Deployment())["apiVersion"] == "apps/v1"
    assert codec.to_builtins(Deployment())["kind"] == "Deployment"
    for api_version, kind in REGISTRY.kinds():
        typ = REGISTRY.type_for(api_version, kind)
        assert typ is not None
        data = codec.to_builtins(typ())
        assert (data["apiVersion"], data["kind"]) == (api_version, kind)


def test_acronym_fields_use_kubernetes_wire_names() -> None:
    """podIP, hostIPs, clusterIP, externalIPs, podCIDR... keep their upper-case acronyms."""
    status = codec.to_builtins(PodStatus(pod_ip="10.0.0.1", host_ip="n", host_ips=()))
    assert status == {"podIP": "10.0.0.1", "hostIP": "n"}
    spec = codec.to_builtins(
        ServiceSpec(cluster_ip="10.96.0.1", external_ips=("1.2.3.4",), load_balancer_ip="x")
    )
    assert set(spec) == {"clusterIP", "externalIPs", "loadBalancerIP"}
    node = codec.to_builtins(Node(spec=NodeSpec(pod_cidr="10.244.0.0/24", provider_id="p")))
    assert node["spec"] == {"podCIDR": "10.244.0.0/24", "providerID": "p"}


def test_objects_are_frozen() -> None:
    pod = Pod()
    with pytest.raises(AttributeError):
        pod.kind = "Other"  # type: ignore[misc]


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `clusterIp`"):
        codec.convert({"clusterIp": "1.2.3.4"}, ServiceSpec)


def test_service_target_port_accepts_number_or_name() -> None:
    service = codec.convert(
        {"spec": {"ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}]}},
        Service,
    )
    assert [p.target_port for p in service.spec.ports] == ["http", 8081]
