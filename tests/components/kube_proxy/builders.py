"""Builders of Services and EndpointSlices for the kube-proxy tests."""

from __future__ import annotations

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.service import (
    ClientIPConfig,
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
    Service,
    ServicePort,
    ServiceSpec,
    SessionAffinityConfig,
)


def service(
    name: str = "web",
    cluster_ip: str = "10.96.0.12",
    *,
    kind: str = "ClusterIP",
    node_port: int = 0,
    internal: str | None = None,
    external: str = "",
    affinity: int | None = -1,
) -> Service:
    """A Service on port 80 -> 8080; affinity -1: none, None: ClientIP with the default."""
    config = None
    if affinity is not None and affinity >= 0:
        config = SessionAffinityConfig(client_ip=ClientIPConfig(timeout_seconds=affinity))
    return Service(
        metadata=ObjectMeta(name=name, namespace="default"),
        spec=ServiceSpec(
            type=kind,
            cluster_ip=cluster_ip,
            ports=(ServicePort(port=80, protocol="TCP", target_port=8080, node_port=node_port),),
            internal_traffic_policy=internal,
            external_traffic_policy=external,
            session_affinity="None" if affinity == -1 else "ClientIP",
            session_affinity_config=config,
        ),
    )


def endpoint(
    ip: str,
    node: str = "node-1",
    *,
    ready: bool = True,
    serving: bool | None = None,
    terminating: bool = False,
) -> Endpoint:
    pod = "web-" + ip.rsplit(".", 1)[-1]
    return Endpoint(
        addresses=(ip,),
        conditions=EndpointConditions(
            ready=ready, serving=ready if serving is None else serving, terminating=terminating
        ),
        node_name=node,
        target_ref=ObjectReference(kind="Pod", namespace="default", name=pod),
    )


def endpoint_slice(*endpoints: Endpoint, service_name: str = "web") -> EndpointSlice:
    return EndpointSlice(
        metadata=ObjectMeta(
            name=f"{service_name}-abcde",
            namespace="default",
            labels={"kubernetes.io/service-name": service_name},
        ),
        address_type="IPv4",
        endpoints=endpoints,
        ports=(EndpointPort(name="", protocol="TCP", port=8080),),
    )
