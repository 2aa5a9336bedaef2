"""Networking invariants: a Service's ready endpoints, and every node's kube-proxy rules, are
the IPs of its ready pods.

Role: `endpoints_match_ready_pods` and `proxy_rules_match_ready_pods` (liveness: they hold once
the EndpointSlice controller and kube-proxy caught up). Neighbours: `common`, the kube-proxy
actors' rule tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8s_actors.api.labels import Selector
from k8s_actors.components.controller_manager.podutil import is_pod_active, is_pod_ready
from k8s_actors.components.kube_proxy import KubeProxy
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.invariants.common import Source, describe, objects


def endpoints_match_ready_pods(source: Source) -> list[str]:
    """Each Service's ready endpoints are exactly the IPs of the ready pods it selects."""
    slices = objects(source, "EndpointSlice")
    violations = []
    for service, expected in _ready_pod_ips(source):
        seen = sorted(_ready_addresses(slices, service.metadata.namespace, service.metadata.name))
        if seen != expected:
            violations.append(
                f"endpoints_match_ready_pods: {describe(service)} has {seen}, ready pods {expected}"
            )
    return violations


def proxy_rules_match_ready_pods(cluster: Cluster) -> list[str]:
    """On every node whose kube-proxy runs, each port of each selecting Service with a cluster
    IP sends to exactly the IPs of the ready pods the Service selects (no rules at all when it
    has none), as kube-proxy programs them from the EndpointSlices."""
    proxies = [
        (name, actor)
        for name in cluster.supervisor.names()
        if isinstance(actor := cluster.supervisor.actor(name), KubeProxy)
    ]
    violations = []
    for service, expected in _ready_pod_ips(cluster):
        if service.spec.cluster_ip in ("", "None"):
            continue  # headless: no virtual IP, no rules
        key = f"{service.metadata.namespace}/{service.metadata.name}"
        for name, proxy in proxies:
            for info in proxy.table.services.get(key, ()):
                seen = sorted({e.ip for e in info.endpoints if e.ready})
                if seen != expected:
                    violations.append(
                        f"proxy_rules_match_ready_pods: {name} sends {key}:{info.port} "
                        f"to {seen}, ready pods {expected}"
                    )
            if expected and key not in proxy.table.services:
                violations.append(
                    f"proxy_rules_match_ready_pods: {name} has no rules for {key}, "
                    f"ready pods {expected}"
                )
    return violations


def _ready_pod_ips(source: Source) -> Iterator[tuple[Any, list[str]]]:
    """Each Service with a selector, and the sorted IPs of the ready pods it selects."""
    pods = [p for p in objects(source, "Pod") if is_pod_active(p)]
    for service in objects(source, "Service"):
        if not service.spec.selector:
            continue
        selector = Selector.from_set(service.spec.selector)
        namespace = service.metadata.namespace
        yield (
            service,
            sorted(
                p.status.pod_ip
                for p in pods
                if p.metadata.namespace == namespace
                and selector.matches(p.metadata.labels)
                and is_pod_ready(p)
                and p.status.pod_ip
            ),
        )


def _ready_addresses(slices: list[Any], namespace: str, service: str) -> Iterator[str]:
    for endpoint_slice in slices:
        meta = endpoint_slice.metadata
        if meta.namespace != namespace or meta.labels.get("kubernetes.io/service-name") != service:
            continue
        for endpoint in endpoint_slice.endpoints:
            if endpoint.conditions.ready is not False:
                yield from endpoint.addresses
