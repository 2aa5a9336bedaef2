"""Readiness invariants: an endpoint is published ready only for a pod that has been Ready.

Role: `endpoints_follow_readiness` (safety) reads etcd's history: when an EndpointSlice is
written with an endpoint whose condition `ready` is true (or unknown, which consumers treat as
ready) for a pod, that pod has been Ready in some earlier write (the EndpointSlice controller
takes readiness from the pod's Ready condition: staging/src/k8s.io/endpointslice/utils.go
podToEndpoint). Earlier, not current: the controller may publish from a cache that lags a pod
turning unready, a delay Kubernetes accepts. Slices of a Service that sets
publishNotReadyAddresses list every pod as ready, on purpose, and are not judged.
`endpoints_match_ready_pods` checks the settled state. A `ReadinessHistory` carries what was read
between calls.
Neighbours: `replay`, `networking`, `common`.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.service import EndpointSlice, Service
from k8s_actors.components.controller_manager.podutil import is_pod_ready
from k8s_actors.store import Store
from k8s_actors.testing.invariants.common import Source, describe, store_of
from k8s_actors.testing.invariants.replay import Replay


class ReadinessHistory(Replay):
    """A replay of etcd, plus which pods were created in it and which have been Ready."""

    def __init__(self) -> None:
        super().__init__()
        self.created: dict[str, str] = {}  # pod uid -> namespace/name
        self.ready: dict[str, None] = {}  # pod uids that have been Ready

    def _restart(self, store: Store) -> None:
        super()._restart(store)
        # What happened to the pods before the oldest state kept is unknown: do not judge them.
        for obj in self.objects.values():
            if isinstance(obj, Pod):
                self.created.pop(obj.metadata.uid, None)


def endpoints_follow_readiness(
    source: Source, history: ReadinessHistory | None = None
) -> list[str]:
    """No EndpointSlice write marks ready an endpoint of a pod that has never been Ready.

    With `history` (updated by the call) only the writes since the last call are read."""
    seen = history if history is not None else ReadinessHistory()
    violations = []
    for event in seen.events(store_of(source)):
        value = event.kv.value
        if event.kv.is_tombstone:
            continue
        if isinstance(value, Pod):
            _note_pod(seen, value, event.kv.version)
        elif isinstance(value, EndpointSlice) and not _publishes_not_ready(seen, value):
            violations += [
                f"endpoints_follow_readiness: {describe(value)} at revision {event.revision} "
                f"lists pod {seen.created[uid]} as ready, which has never been Ready"
                for uid in _ready_targets(value)
                if uid in seen.created and uid not in seen.ready
            ]
    return violations


def _note_pod(seen: ReadinessHistory, pod: Pod, version: int) -> None:
    uid = pod.metadata.uid
    if version == 1:
        seen.created[uid] = f"{pod.metadata.namespace}/{pod.metadata.name}"
    if is_pod_ready(pod):
        seen.ready[uid] = None


def _publishes_not_ready(seen: ReadinessHistory, endpoint_slice: EndpointSlice) -> bool:
    """Whether the slice's Service (as etcd holds it then) sets publishNotReadyAddresses."""
    meta = endpoint_slice.metadata
    name = meta.labels.get("kubernetes.io/service-name")
    return any(
        isinstance(obj, Service)
        and obj.metadata.namespace == meta.namespace
        and obj.metadata.name == name
        and bool(obj.spec.publish_not_ready_addresses)
        for obj in seen.objects.values()
    )


def _ready_targets(endpoint_slice: Any) -> list[str]:
    """The uids of the pods the slice lists with a ready (or unknown) condition."""
    return [
        endpoint.target_ref.uid
        for endpoint in endpoint_slice.endpoints
        if endpoint.conditions.ready is not False
        and endpoint.target_ref is not None
        and endpoint.target_ref.kind == "Pod"
    ]
