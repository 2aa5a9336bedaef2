"""Invariants of a reconciling cluster, each a function returning its violations as strings.

Role: the properties the cluster state machine checks, usable alone in any test. Each reads the
state etcd holds (the source of truth, which no network fault hides) from a `Cluster` or a bare
`Store`, and returns a list of readable violations, empty when the property holds. Safety
properties (`one_controller_per_object`, `store_revisions_increase`, `uids_never_reused`,
`rollout_bounds`, `scheduling_safety`, `at_most_one_running_copy`) hold at every instant;
liveness ones (`eventually_stable`, `owners_exist`, `endpoints_match_ready_pods`) hold once
faults stop and the spec stops changing, so callers wait for them (see `machine`).
Neighbours: `machine` (wires them as @invariant), `k8s_actors.store`, the API objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from k8s_actors.api.labels import Selector
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.controller_manager.deployment_util import (
    DESIRED_REPLICAS_ANNOTATION,
    max_surge,
    max_unavailable,
)
from k8s_actors.components.controller_manager.podutil import is_pod_active, is_pod_ready
from k8s_actors.components.kubelet import NodeRuntime
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.store import Store

Source = Cluster | Store
TEMPLATE_HASH = "pod-template-hash"
T = TypeVar("T")


def _store(source: Source) -> Store:
    return source.etcd_store if isinstance(source, Cluster) else source


def objects(source: Source, kind: str) -> list[Any]:
    """Every object of `kind` etcd holds now, in key order."""
    kvs = _store(source).range("/registry/", prefix=True).kvs
    return [kv.value for kv in kvs if getattr(kv.value, "kind", None) == kind]


def _name(obj: Any) -> str:
    meta = obj.metadata
    return (
        f"{obj.kind} {meta.namespace}/{meta.name}" if meta.namespace else f"{obj.kind} {meta.name}"
    )


def _owned(items: list[T], uid: str) -> list[T]:
    """The items whose controller is the object with `uid`."""
    return [
        item
        for item in items
        if (ref := item.metadata.controller_ref()) is not None  # type: ignore[attr-defined]
        and ref.uid == uid
    ]


def _replica_sets_of(source: Source, d: Deployment) -> list[ReplicaSet]:
    replica_sets: list[ReplicaSet] = objects(source, "ReplicaSet")
    return _owned(replica_sets, d.metadata.uid)


# -- ownership --------------------------------------------------------------------------------


def one_controller_per_object(source: Source) -> list[str]:
    """No object has more than one ownerReference with controller: true."""
    violations = []
    for kv in _store(source).range("/registry/", prefix=True).kvs:
        meta = getattr(kv.value, "metadata", None)
        refs = getattr(meta, "owner_references", ()) or ()
        controllers = [ref for ref in refs if ref.controller]
        if len(controllers) > 1:
            owners = ", ".join(f"{ref.kind}/{ref.name}" for ref in controllers)
            violations.append(f"one_controller_per_object: {_name(kv.value)} has {owners}")
    return violations


def owners_exist(source: Source) -> list[str]:
    """Every ownerReference names an object that exists with that uid (after GC settles)."""
    values = [kv.value for kv in _store(source).range("/registry/", prefix=True).kvs]
    uids = {meta.uid for v in values if (meta := getattr(v, "metadata", None)) is not None}
    violations = []
    for value in values:
        for ref in getattr(getattr(value, "metadata", None), "owner_references", ()) or ():
            if ref.uid not in uids:
                violations.append(
                    f"owners_exist: {_name(value)} owned by missing {ref.kind}/{ref.name}"
                )
    return violations


# -- the store --------------------------------------------------------------------------------


def store_revisions_increase(source: Source) -> list[str]:
    """In etcd's retained history each write has a higher revision than the one before, and
    each key's version counts up from 1 within one life of the key."""
    store = _store(source)
    violations = []
    last = store.compact_revision
    versions: dict[str, int] = {}
    for event in store.events_since(store.compact_revision):
        if event.revision < last:
            violations.append(
                f"store_revisions_increase: {event.kv.key} at {event.revision} after {last}"
            )
        last = event.revision
        kv = event.kv
        if kv.is_tombstone:
            versions.pop(kv.key, None)
            continue
        expected = versions.get(kv.key, (event.prev_kv.version if event.prev_kv else 0)) + 1
        if kv.version != expected:
            violations.append(
                f"store_revisions_increase: {kv.key} version {kv.version}, expected {expected}"
            )
        versions[kv.key] = kv.version
    return violations


def uids_never_reused(source: Source) -> list[str]:
    """No uid is given to two objects: each uid is created once in etcd's retained history."""
    store = _store(source)
    first_key: dict[str, str] = {}
    violations = []
    for event in store.events_since(store.compact_revision):
        kv = event.kv
        if kv.is_tombstone or kv.version != 1:
            continue
        uid = getattr(getattr(kv.value, "metadata", None), "uid", "")
        if not uid:
            continue
        if uid in first_key:
            violations.append(
                f"uids_never_reused: {uid} created as {first_key[uid]} and again as {kv.key}"
            )
        first_key.setdefault(uid, kv.key)
    return violations


# -- Deployments ------------------------------------------------------------------------------


def rollout_bounds(source: Source, *, faults_active: bool = False) -> list[str]:
    """During a rollout the ReplicaSets of a Deployment ask for at most replicas + maxSurge pods,
    and (while no fault is active) keep at least replicas - maxUnavailable available.

    Checked for Deployments whose controller has caught up with the spec (observedGeneration
    current, every ReplicaSet annotated with the current desired replicas), as the bounds hold
    between the controller's steps, not while the user's scale is still being applied.
    Fenceposts: deployment_util.go ResolveFenceposts (surge rounds up, unavailable down).
    """
    violations = []
    for d in objects(source, "Deployment"):
        desired = d.spec.replicas if d.spec.replicas is not None else 1
        owned = _replica_sets_of(source, d)
        if not _caught_up(d, owned, desired) or d.spec.paused:
            continue
        total = sum(rs.spec.replicas or 0 for rs in owned)
        if total > desired + max_surge(d):
            violations.append(
                f"rollout_bounds: {_name(d)} asks for {total} pods, more than "
                f"{desired} + maxSurge {max_surge(d)}"
            )
        available = sum(rs.status.available_replicas for rs in owned)
        floor = desired - max_unavailable(d)
        mid_rollout = sum(1 for rs in owned if (rs.spec.replicas or 0) > 0) > 1
        if not faults_active and mid_rollout and available < floor:
            violations.append(
                f"rollout_bounds: {_name(d)} has {available} available, fewer "
                f"than {desired} - maxUnavailable {max_unavailable(d)}"
            )
    return violations


def _caught_up(d: Deployment, owned: list[ReplicaSet], desired: int) -> bool:
    if d.status.observed_generation != d.metadata.generation:
        return False
    wanted = str(desired)
    return all(rs.metadata.annotations.get(DESIRED_REPLICAS_ANNOTATION) == wanted for rs in owned)


def eventually_stable(source: Source) -> list[str]:
    """Every Deployment has one ReplicaSet matching its template with spec.replicas ready pods,
    its other ReplicaSets at 0, and a status that is current (observedGeneration, counts).

    Holds once faults have stopped and the spec stopped changing, after the controllers had
    time to converge; poll it until it returns nothing or a bound passes.
    """
    violations = []
    pods = [p for p in objects(source, "Pod") if is_pod_active(p)]
    for d in objects(source, "Deployment"):
        if d.metadata.deletion_timestamp is not None:
            continue
        violations.extend(_deployment_stability(source, d, pods))
    return violations


def _deployment_stability(source: Source, d: Deployment, pods: list[Pod]) -> list[str]:
    name, desired = _name(d), d.spec.replicas if d.spec.replicas is not None else 1
    owned = _replica_sets_of(source, d)
    current = [rs for rs in owned if _same_template(rs, d)]
    problems = []
    if len(current) != 1:
        problems.append(f"{len(current)} ReplicaSets match its template")
    for rs in owned:
        if rs not in current and (rs.spec.replicas or 0) != 0:
            problems.append(f"old {rs.metadata.name} has replicas {rs.spec.replicas}")
    if len(current) == 1 and not d.spec.paused:
        rs = current[0]
        ready = sum(1 for p in _owned(pods, rs.metadata.uid) if is_pod_ready(p))
        if rs.spec.replicas != desired or ready != desired:
            problems.append(
                f"{rs.metadata.name} wants {rs.spec.replicas}, {ready} ready pods, "
                f"expected {desired}"
            )
    if d.status.observed_generation != d.metadata.generation:
        problems.append(
            f"observedGeneration {d.status.observed_generation} of {d.metadata.generation}"
        )
    elif not d.spec.paused and (d.status.ready_replicas, d.status.updated_replicas) != (
        desired,
        desired,
    ):
        problems.append(
            f"status ready {d.status.ready_replicas} updated "
            f"{d.status.updated_replicas}, expected {desired}"
        )
    return [f"eventually_stable: {name}: {problem}" for problem in problems]


def _same_template(rs: ReplicaSet, d: Deployment) -> bool:
    """Templates equal apart from the pod-template-hash label (EqualIgnoreHash)."""
    labels = dict(rs.spec.template.metadata.labels)
    labels.pop(TEMPLATE_HASH, None)
    return labels == dict(d.spec.template.metadata.labels) and (
        rs.spec.template.spec == d.spec.template.spec
    )


# -- pods, nodes and services -------------------------------------------------------------------


def scheduling_safety(source: Source, bound: dict[str, str] | None = None) -> list[str]:
    """A pod's nodeName names an existing node, the requests on a node fit its allocatable,
    and (given `bound`, uid -> node, updated by this call) a pod is never moved once bound."""
    nodes = {n.metadata.name: n for n in objects(source, "Node")}
    violations = []
    used: dict[str, dict[str, Quantity]] = {}
    for pod in objects(source, "Pod"):
        node = pod.spec.node_name
        if not node:
            continue
        if bound is not None:
            before = bound.setdefault(pod.metadata.uid, node)
            if before != node:
                violations.append(f"scheduling_safety: {_name(pod)} moved from {before} to {node}")
        if node not in nodes:
            violations.append(f"scheduling_safety: {_name(pod)} bound to unknown node {node}")
        elif pod.status.phase not in ("Succeeded", "Failed"):
            _add_requests(used.setdefault(node, {}), pod)
    for node, requests in sorted(used.items()):
        allocatable = nodes[node].status.allocatable
        for resource, amount in sorted(requests.items()):
            limit = allocatable.get(resource)
            if limit is not None and amount > Quantity.parse(limit):
                violations.append(
                    f"scheduling_safety: node {node} holds {resource} {amount}, "
                    f"more than allocatable {limit}"
                )
    return violations


def _add_requests(total: dict[str, Quantity], pod: Pod) -> None:
    for container in pod.spec.containers:
        resources = container.resources
        for resource, amount in sorted((resources.requests if resources else {}).items()):
            quantity = Quantity.parse(amount)
            total[resource] = total[resource] + quantity if resource in total else quantity


def at_most_one_running_copy(cluster: Cluster | Mapping[str, NodeRuntime]) -> list[str]:
    """No pod (by uid) has a sandbox on two nodes' container runtimes at once (given the
    cluster, or its node runtimes by node name)."""
    runtimes = cluster.node_runtimes if isinstance(cluster, Cluster) else cluster
    seen: dict[str, str] = {}
    violations = []
    for node, runtime in sorted(runtimes.items()):
        for uid in runtime.pod_uids():
            if uid in seen:
                violations.append(
                    f"at_most_one_running_copy: pod {uid} runs on {seen[uid]} and {node}"
                )
            seen.setdefault(uid, node)
    return violations


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
                f"endpoints_match_ready_pods: {_name(service)} has {seen}, ready pods {expected}"
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
