"""The pure core of the node lifecycle controller: node health, taints, zones, rate limits.

Role: the parts of pkg/controller/nodelifecycle that await nothing and read no clock (callers
pass `now`). Node health: `observe_health` keeps, per node, when its Ready heartbeat or its
Lease renewTime last changed (tryUpdateNodeHealth); `unknown_conditions` is what a silent node's
conditions become. Taints: which NoSchedule taints a node's conditions call for, and how a set
of taints is swapped. Zones: a node's zone key comes from its region and zone labels
(k8s.io/component-helpers/node/topology GetZoneKey); a zone is FullDisruption when none of its
nodes is Ready, PartialDisruption when more than 2 nodes and at least unhealthyZoneThreshold
(0.55) of them are not Ready, Normal otherwise (ComputeZoneState). Each zone has a
`RateLimitedTimedQueue` of nodes waiting for their NoExecute taint, paced by a token bucket
(burst 1) whose rate follows the zone state: nodeEvictionRate (0.1/s) when Normal or
FullDisruption; secondaryNodeEvictionRate (0.01/s) when PartialDisruption in a zone of more
than largeClusterSizeThreshold (50) nodes, else 0; and 0 everywhere once every zone is
FullDisruption (scheduler/rate_limited_queue.go). Neighbours: `nodelifecycle` (the controller).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import msgspec

from k8s_actors.api.objects.cluster import Lease, Node, NodeCondition, NodeStatus
from k8s_actors.api.objects.scheduling import Taint

__all__ = [
    "FULL_DISRUPTION",
    "INITIAL",
    "LABEL_MIRRORS",
    "NORMAL",
    "PARTIAL_DISRUPTION",
    "TAINT_NOT_READY",
    "TAINT_UNREACHABLE",
    "NodeHealth",
    "RateLimitedTimedQueue",
    "TimedValue",
    "TokenBucket",
    "compute_zone_state",
    "condition_of",
    "has_taint",
    "merge_taints",
    "no_schedule_taints",
    "observe_health",
    "unknown_conditions",
    "zone_key",
    "zone_qps",
]

INITIAL = "Initial"
NORMAL = "Normal"
FULL_DISRUPTION = "FullDisruption"
PARTIAL_DISRUPTION = "PartialDisruption"

# rate_limited_queue.go: EvictionRateLimiterBurst.
EVICTION_BURST = 1

Parse = Callable[[str], float]
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")


def _first_label(labels: Mapping[str, str], keys: Iterable[str]) -> str:
    for key in keys:
        value = labels.get(key, "")
        if value:
            return value
    return ""


def zone_key(labels: Mapping[str, str]) -> str:
    """ "<region>:\\x00:<zone>", or "" for a node with neither label (GetZoneKey)."""
    region = _first_label(labels, REGION_LABELS)
    zone = _first_label(labels, ZONE_LABELS)
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def compute_zone_state(ready_statuses: Iterable[str | None], threshold: float) -> tuple[int, str]:
    """(not-ready count, state) from the Ready condition status of each node of a zone."""
    ready = not_ready = 0
    for status in ready_statuses:
        if status == "True":
            ready += 1
        else:
            not_ready += 1
    if ready == 0 and not_ready > 0:
        return not_ready, FULL_DISRUPTION
    if not_ready > 2 and not_ready / (ready + not_ready) >= threshold:
        return not_ready, PARTIAL_DISRUPTION
    return not_ready, NORMAL


class TokenBucket:
    """client-go's token bucket limiter as TryAccept sees it: starts full, refills at `qps`;
    a qps of 0 or less never accepts (flowcontrol.NewFakeNeverRateLimiter)."""

    def __init__(self, qps: float, burst: int = EVICTION_BURST, now: float = 0.0) -> None:
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst) if qps > 0 else 0.0
        self._last = now

    def try_accept(self, now: float) -> bool:
        if self.qps <= 0:
            return False
        elapsed = max(0.0, now - self._last)
        self._last = max(self._last, now)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass(order=True)
class TimedValue:
    """A node waiting in a zone's queue: processed at `process_at`, first added at `added_at`."""

    process_at: float
    sequence: int
    value: str = field(compare=False)
    uid: str = field(compare=False)
    added_at: float = field(compare=False)


class RateLimitedTimedQueue:
    """Unique values ordered by process time, tried at most as fast as the limiter allows.

    A value stays "known" after it was processed successfully, so adding it again does nothing
    until `remove` forgets it (UniqueQueue's set versus its heap).
    """

    def __init__(self, qps: float, now: float = 0.0) -> None:
        self.limiter = TokenBucket(qps, now=now)
        self._heap: list[TimedValue] = []
        self._known: dict[str, None] = {}
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, value: str, uid: str, now: float) -> bool:
        if value in self._known:
            return False
        self._push(TimedValue(now, 0, value, uid, now))
        self._known[value] = None
        return True

    def _push(self, item: TimedValue) -> None:
        self._sequence += 1
        item.sequence = self._sequence
        heapq.heappush(self._heap, item)

    def _drop(self, value: str) -> bool:
        for index, item in enumerate(self._heap):
            if item.value == value:
                self._heap.pop(index)
                heapq.heapify(self._heap)
                return True
        return False

    def remove(self, value: str) -> bool:
        """Forget `value`: it leaves the queue and may be added again."""
        if value not in self._known:
            return False
        del self._known[value]
        self._drop(value)
        return True

    def next_due(self, now: float) -> TimedValue | None:
        """The head, if the limiter grants a token and it is due (one step of Try).

        As in Kubernetes, a token is spent before the head's time is checked.
        """
        if not self._heap or not self.limiter.try_accept(now):
            return None
        head = self._heap[0]
        return head if head.process_at <= now else None

    def finish(self, item: TimedValue, done: bool, retry_after: float, now: float) -> None:
        """Done: it leaves the heap but stays known. Not done: tried again after the wait."""
        self._drop(item.value)
        if not done:
            item.process_at = now + retry_after
            self._push(item)

    def swap_limiter(self, qps: float, now: float) -> None:
        """A new bucket for a new rate; a bucket that was empty leaves the new one empty too."""
        if self.limiter.qps == qps:
            return
        replacement = TokenBucket(qps, now=now)
        if qps > 0 and not self.limiter.try_accept(now):
            replacement.try_accept(now)
        self.limiter = replacement


def zone_qps(
    state: str,
    zone_size: int,
    *,
    eviction_qps: float,
    secondary_qps: float,
    large_cluster_threshold: int,
) -> float:
    """The tainting rate of a zone in `state` (setLimiterInZone, ReducedQPSFunc)."""
    if state == PARTIAL_DISRUPTION:
        return secondary_qps if zone_size > large_cluster_threshold else 0.0
    return eviction_qps


# -- node health and taints ---------------------------------------------------------------------

replace = msgspec.structs.replace

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
# nodeConditionToTaintKeyStatusMap: which condition status means which NoSchedule taint.
CONDITION_TAINTS: dict[str, dict[str, str]] = {
    "Ready": {"False": TAINT_NOT_READY, "Unknown": TAINT_UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
CONDITION_TAINT_KEYS = (*[k for m in CONDITION_TAINTS.values() for k in m.values()],)
# The conditions set to Unknown when the kubelet goes silent (NetworkUnavailable is left alone).
SILENT_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
# Beta labels kept equal to their stable source (labelReconcileInfo).
LABEL_MIRRORS = (
    ("kubernetes.io/os", "beta.kubernetes.io/os"),
    ("kubernetes.io/arch", "beta.kubernetes.io/arch"),
)


@dataclass
class NodeHealth:
    """What the controller last saw of a node, and when it saw it change (nodeHealthData)."""

    probe_timestamp: float
    ready_transition: float
    status: NodeStatus
    lease: Lease | None = None


def condition_of(status: NodeStatus, type_: str) -> NodeCondition | None:
    for condition in status.conditions:
        if condition.type == type_:
            return condition
    return None


def _renew_time(lease: Lease | None, parse: Parse) -> float | None:
    if lease is None or not lease.spec.renew_time:
        return None
    value: float = parse(lease.spec.renew_time)
    return value


def observe_health(
    node: Node,
    saved: NodeHealth | None,
    lease: Lease | None,
    now: float,
    parse: Parse,
) -> NodeHealth:
    """The node's health record after looking at its status and Lease (tryUpdateNodeHealth).

    The probe time moves to `now` when the Ready heartbeat or the Lease's renewTime changed;
    the ready transition time moves when the Ready condition's lastTransitionTime changed.
    The saved status is replaced only with a new heartbeat (a Ready posted within the second of
    a NotReady leaves the NotReady one saved), exactly as tryUpdateNodeHealth of
    pkg/controller/nodelifecycle/node_lifecycle_controller.go does: the controller's decisions
    read the Node's current condition, the record only tells when the grace period runs out.
    """
    current = condition_of(node.status, "Ready")
    created = parse(node.metadata.creation_timestamp) if node.metadata.creation_timestamp else now
    saved_lease = saved.lease if saved is not None else None
    health = saved
    if current is None:
        if health is None:
            health = NodeHealth(created, created, node.status)
        else:
            health.status = node.status
    else:
        before = condition_of(saved.status, "Ready") if saved is not None else None
        if health is None or before is None:
            health = NodeHealth(now, now, node.status)
        elif before.last_heartbeat_time != current.last_heartbeat_time:
            moved = before.last_transition_time != current.last_transition_time
            health = NodeHealth(now, now if moved else health.ready_transition, node.status)
    renewed = _renew_time(lease, parse)
    previous = _renew_time(saved_lease, parse)
    newer = renewed is not None and (previous is None or previous < renewed)
    if lease is not None and (saved_lease is None or newer):
        health.lease = lease
        health.probe_timestamp = now
    return health


def unknown_conditions(node: Node, now_stamp: str) -> tuple[NodeCondition, ...]:
    """The node's conditions once the kubelet is presumed gone (set to Unknown, or added)."""
    conditions = list(node.status.conditions)
    for type_ in SILENT_CONDITIONS:
        found = condition_of(node.status, type_)
        if found is None:
            conditions.append(
                NodeCondition(
                    type=type_,
                    status="Unknown",
                    reason="NodeStatusNeverUpdated",
                    message="Kubelet never posted node status.",
                    last_heartbeat_time=node.metadata.creation_timestamp,
                    last_transition_time=now_stamp,
                )
            )
        elif found.status != "Unknown":
            index = conditions.index(found)
            conditions[index] = replace(
                found,
                status="Unknown",
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
                last_transition_time=now_stamp,
            )
    return tuple(conditions)


def no_schedule_taints(node: Node) -> list[Taint]:
    """The NoSchedule taints the node's conditions and spec.unschedulable call for."""
    wanted: list[Taint] = []
    for condition in node.status.conditions:
        key = CONDITION_TAINTS.get(condition.type, {}).get(condition.status)
        if key is not None:
            wanted.append(Taint(key=key, effect="NoSchedule"))
    if node.spec.unschedulable:
        wanted.append(Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule"))
    return wanted


def has_taint(taints: tuple[Taint, ...], key: str, effect: str) -> bool:
    return any(taint.key == key and taint.effect == effect for taint in taints)


def merge_taints(
    taints: tuple[Taint, ...], add: list[Taint], remove: list[Taint]
) -> tuple[Taint, ...]:
    """Taints without those matching `remove` (key and effect), with `add` put in place."""
    gone = [(t.key, t.effect) for t in (*remove, *add)]
    kept = [taint for taint in taints if (taint.key, taint.effect) not in gone]
    return (*kept, *add)
