"""Networking invariants: a Service's ready endpoints are the IPs of its ready pods.

Role: `endpoints_match_ready_pods` (liveness). Neighbours: `common`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8s_actors.api.labels import Selector
from k8s_actors.components.controller_manager.podutil import is_pod_active, is_pod_ready
from k8s_actors.testing.invariants.common import Source, describe, objects


def endpoints_match_ready_pods(source: Source) -> list[str]:
    """Each Service's ready endpoints are exactly the IPs of the ready pods it selects."""
    pods = [p for p in objects(source, "Pod") if is_pod_active(p)]
    slices = objects(source, "EndpointSlice")
    violations = []
    for service in objects(source, "Service"):
        if not service.spec.selector:
            continue
        selector = Selector.from_set(service.spec.selector)
        namespace = service.metadata.namespace
        expected = sorted(
            p.status.pod_ip
            for p in pods
            if p.metadata.namespace == namespace
            and selector.matches(p.metadata.labels)
            and is_pod_ready(p)
            and p.status.pod_ip
        )
        seen = sorted(_ready_addresses(slices, namespace, service.metadata.name))
        if seen != expected:
            violations.append(
                f"endpoints_match_ready_pods: {describe(service)} has {seen}, ready pods {expected}"
            )
    return violations


def _ready_addresses(slices: list[Any], namespace: str, service: str) -> Iterator[str]:
    for endpoint_slice in slices:
        meta = endpoint_slice.metadata
        if meta.namespace != namespace or meta.labels.get("kubernetes.io/service-name") != service:
            continue
        for endpoint in endpoint_slice.endpoints:
            if endpoint.conditions.ready is not False:
                yield from endpoint.addresses
