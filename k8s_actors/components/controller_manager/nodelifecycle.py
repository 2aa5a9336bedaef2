"""The node lifecycle controller: notices dead nodes, marks them Unknown, taints them.

Role: pkg/controller/nodelifecycle/node_lifecycle_controller.go. Every nodeMonitorPeriod (5 s)
it looks at each Node's Ready condition heartbeat and its Lease kube-node-lease/<node>; a node
silent for longer than nodeMonitorGracePeriod (50 s; nodeStartupGracePeriod, 60 s, for a node
that never posted a Ready condition) gets Ready, MemoryPressure, DiskPressure and PIDPressure
set to Unknown (NodeStatusUnknown "Kubelet stopped posting node status."), a NodeNotReady event,
and its pods marked Ready=False. Nodes whose Ready condition is False or Unknown are queued, per
zone, for the NoExecute taint node.kubernetes.io/not-ready or node.kubernetes.io/unreachable;
the queue is paced by the zone's eviction rate (`nodelifecycle_zones`), tried every 100 ms.
A node Ready again loses both taints. When every zone is fully disrupted the controller stops
tainting and removes the taints it set (the control plane, not the nodes, is probably cut off).
Node events (any update) also run the NoSchedule pass: Ready False/Unknown, memory, disk, PID
pressure, network unavailable and spec.unschedulable become NoSchedule taints. Neighbours:
`base`, `nodelifecycle_zones`, the taint-eviction controller (acts on the NoExecute taints),
the kubelet (posts status and renews the Lease).
"""

from __future__ import annotations

from typing import Any

import anyio
import msgspec

from k8s_actors.api.objects.cluster import Lease, Node, NodeCondition
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.client import ApiError, Conflict, NotFound
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.components.controller_manager.nodelifecycle_zones import (
    CONDITION_TAINT_KEYS,
    FULL_DISRUPTION,
    INITIAL,
    LABEL_MIRRORS,
    TAINT_NOT_READY,
    TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE,
    NodeHealth,
    RateLimitedTimedQueue,
    TimedValue,
    compute_zone_state,
    condition_of,
    has_taint,
    merge_taints,
    no_schedule_taints,
    observe_health,
    unknown_conditions,
    zone_key,
    zone_qps,
)
from k8s_actors.kernel import TraceContext

__all__ = ["NodeLifecycleController"]

replace = msgspec.structs.replace
EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption"
NODE_LEASE_NAMESPACE = "kube-node-lease"
# scheduler.NodeEvictionPeriod, NodeHealthUpdateRetry, and the 50 ms retry of a taint attempt.
TAINTING_PERIOD = 0.1
HEALTH_UPDATE_RETRIES = 5
TAINT_RETRY = 0.05
TAINT_UPDATE_RETRIES = 5

DEFAULTS: dict[str, float] = {
    "nodeMonitorPeriod": 5.0,
    "nodeMonitorGracePeriod": 50.0,
    "nodeStartupGracePeriod": 60.0,
    "nodeEvictionRate": 0.1,
    "secondaryNodeEvictionRate": 0.01,
    "largeClusterSizeThreshold": 50,
    "unhealthyZoneThreshold": 0.55,
}


class NodeLifecycleController(Controller):
    """Keys of the work queue: a node name (NoSchedule pass and labels) or "namespace/name" of
    a pod newly bound to a node (marked not ready if its node is not Ready)."""

    name = "node-lifecycle-controller"
    workers = 8  # nodeUpdateWorkerSize

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        settings = {**DEFAULTS, **{k: v for k, v in ctx.settings.items() if k in DEFAULTS}}
        self.monitor_period = float(settings["nodeMonitorPeriod"])
        self.grace_period = float(settings["nodeMonitorGracePeriod"])
        self.startup_grace_period = float(settings["nodeStartupGracePeriod"])
        self.eviction_qps = float(settings["nodeEvictionRate"])
        self.secondary_qps = float(settings["secondaryNodeEvictionRate"])
        self.large_cluster_threshold = int(settings["largeClusterSizeThreshold"])
        self.unhealthy_threshold = float(settings["unhealthyZoneThreshold"])
        self.clock = ctx.actor.clock
        self.nodes = ctx.informers.informer(Node)
        self.leases = ctx.informers.informer(Lease, NODE_LEASE_NAMESPACE)
        self.pods = ctx.informers.informer(Pod)
        self.known: dict[str, Node] = {}
        self.health: dict[str, NodeHealth] = {}
        self.zone_states: dict[str, str] = {}
        self.tainters: dict[str, RateLimitedTimedQueue] = {}
        self.retry_pods: dict[str, None] = {}

    # -- events ----------------------------------------------------------------------------------

    def setup(self) -> None:
        self.pods.indexer.add_indexer("spec.nodeName", _node_name_index)
        self.nodes.add_handler(
            on_add=lambda node, span: self.enqueue_key(node.metadata.name, span),
            on_update=lambda old, new, span: self.enqueue_key(new.metadata.name, span),
            on_delete=lambda node, span: self.retry_pods.pop(node.metadata.name, None),
        )
        self.pods.add_handler(on_add=self._pod_added, on_update=self._pod_updated)

    def _pod_added(self, pod: Pod, span: TraceContext | None) -> None:
        if pod.spec.node_name:
            self.enqueue(pod, span)

    def _pod_updated(self, old: Pod, new: Pod, span: TraceContext | None) -> None:
        if new.spec.node_name and new.spec.node_name != old.spec.node_name:
            self.enqueue(new, span)

    def pods_on(self, node_name: str) -> list[Pod]:
        return self.pods.indexer.by_index("spec.nodeName", node_name)

    async def sync(self, key: str, span: TraceContext) -> None:
        if "/" in key:
            await self._process_pod(key, span)
            return
        node = self.nodes.lister.get("", key)
        if node is None:
            return
        await self._no_schedule_pass(node, span)
        await self._reconcile_labels(node, span)

    async def _process_pod(self, key: str, span: TraceContext) -> None:
        namespace, name = key.split("/", 1)
        pod = self.pods.lister.get(namespace, name)
        if pod is None:
            return
        node_name = pod.spec.node_name
        health = self.health.get(node_name)
        if health is None or self.nodes.lister.get("", node_name) is None:
            return
        # processPod of pkg/controller/nodelifecycle/node_lifecycle_controller.go reads the
        # saved record, not the Node: after NotReady then Ready within one heartbeat second it
        # still says NotReady, and a pod bound meanwhile is marked; the kubelet's status
        # reconcile writes its Ready back within syncPeriod (10 s), as in Kubernetes.
        ready = condition_of(health.status, "Ready")
        if ready is not None and ready.status != "True":
            await self.mark_pods_not_ready([pod], node_name, span)

    async def _no_schedule_pass(self, node: Node, span: TraceContext) -> None:
        wanted = no_schedule_taints(node)
        managed = (*CONDITION_TAINT_KEYS, TAINT_UNSCHEDULABLE)
        present = [t for t in node.spec.taints if t.effect == "NoSchedule" and t.key in managed]
        add = [t for t in wanted if not has_taint(tuple(present), t.key, t.effect)]
        remove = [t for t in present if not has_taint(tuple(wanted), t.key, t.effect)]
        if add or remove:
            await self.swap_taints(node, add, remove, span)

    async def _reconcile_labels(self, node: Node, span: TraceContext) -> None:
        labels = node.metadata.labels
        wanted = {
            mirror: labels[source]
            for source, mirror in LABEL_MIRRORS
            if source in labels and labels.get(mirror) != labels[source]
        }
        if wanted:
            patch = {"metadata": {"labels": wanted}}
            await self.api.patch(Node, "", node.metadata.name, patch, span=span)
            self.log.info("node_labels_reconciled", ctx=span, obj=node, labels=wanted)

    # -- loops -----------------------------------------------------------------------------------

    async def run_background(self) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(self._tainting_loop)
            while True:
                await self.monitor_node_health()
                await self.clock.sleep(self.monitor_period)

    async def _tainting_loop(self) -> None:
        while True:
            await self.clock.sleep(TAINTING_PERIOD)
            await self.tainting_pass()

    # -- NoExecute tainting (doNoExecuteTaintingPass) --------------------------------------------

    async def tainting_pass(self) -> None:
        for zone in sorted(self.tainters):
            queue = self.tainters[zone]
            while (item := queue.next_due(self.clock.now())) is not None:
                done, wait = await self._taint_no_execute(item)
                queue.finish(item, done, wait, self.clock.now())

    async def _taint_no_execute(self, item: TimedValue) -> tuple[bool, float]:
        node = self.nodes.lister.get("", item.value)
        if node is None:
            return True, 0.0
        ready = condition_of(node.status, "Ready")
        if ready is None:
            return False, TAINT_RETRY
        if ready.status == "False":
            add, opposite = TAINT_NOT_READY, TAINT_UNREACHABLE
        elif ready.status == "Unknown":
            add, opposite = TAINT_UNREACHABLE, TAINT_NOT_READY
        else:
            return True, 0.0  # Ready again: nothing to taint
        span = self.ctx.actor.child_span(None)
        done = await self.swap_taints(
            node,
            [Taint(key=add, effect="NoExecute")],
            [Taint(key=opposite, effect="NoExecute")],
            span,
        )
        return done, 0.0

    # -- taints and pods through the API ---------------------------------------------------------

    async def swap_taints(
        self, node: Node, add: list[Taint], remove: list[Taint], span: TraceContext
    ) -> bool:
        """Add `add` (stamped with timeAdded) and drop `remove` in one write; retried on
        conflicts (SwapNodeControllerTaint). False when the node could not be written."""
        present = node.spec.taints
        remove = [t for t in remove if has_taint(present, t.key, t.effect)]
        if not add and not remove:
            return True
        stamp = self.clock.timestamp()
        stamped = [replace(taint, time_added=stamp) for taint in add]
        current = node
        for attempt in range(TAINT_UPDATE_RETRIES):
            if attempt:
                try:
                    current = await self.api.get(Node, "", node.metadata.name, span=span)
                except ApiError:
                    return False
            taints = merge_taints(current.spec.taints, stamped, remove)
            try:
                updated = await self.api.update(
                    replace(current, spec=replace(current.spec, taints=taints)), span=span
                )
            except Conflict:
                continue
            except ApiError as error:
                self.log.warning("node_taint_update_failed", ctx=span, obj=node, error=str(error))
                return False
            self.log.info(
                "node_taints_updated",
                ctx=span,
                obj=updated,
                added=[f"{t.key}:{t.effect}" for t in stamped],
                removed=[f"{t.key}:{t.effect}" for t in remove],
            )
            return True
        return False

    async def mark_pods_not_ready(
        self, pods: list[Pod], node_name: str, span: TraceContext
    ) -> bool:
        """Set Ready=False on the node's pods that say Ready=True (MarkPodsNotReady)."""
        failed = False
        marked = 0
        stamp = self.clock.timestamp()
        for pod in pods:
            if pod.spec.node_name != node_name:
                continue
            conditions = list(pod.status.conditions)
            ready = next((c for c in conditions if c.type == "Ready"), None)
            if ready is None or ready.status == "False":
                continue
            conditions[conditions.index(ready)] = replace(
                ready, status="False", last_transition_time=stamp
            )
            status = replace(pod.status, conditions=tuple(conditions))
            try:
                await self.api.update_status(replace(pod, status=status), span=span)
            except NotFound:
                continue
            except ApiError as error:
                self.log.warning("pod_status_update_failed", ctx=span, obj=pod, error=str(error))
                failed = True
                continue
            marked += 1
            await self.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready", span)
        if marked:
            self.log.info("node_pods_marked_not_ready", ctx=span, node=node_name, pods=marked)
        return not failed

    # -- health monitoring (monitorNodeHealth) ---------------------------------------------------

    async def monitor_node_health(self) -> None:
        nodes: list[Node] = self.nodes.lister.list()
        span: TraceContext | None = None
        if nodes or self.known:
            span = self.ctx.actor.child_span(None)
        if span is None:
            return
        await self._classify(nodes, span)
        zones: dict[str, list[str | None]] = {}
        for node in nodes:
            ready = await self._check_node(node, span)
            if ready is _FAILED:
                continue
            if EXCLUDE_DISRUPTION_LABEL not in node.metadata.labels:
                status = ready.status if isinstance(ready, NodeCondition) else None
                zones.setdefault(zone_key(node.metadata.labels), []).append(status)
        await self._handle_disruption(zones, nodes, span)

    async def _classify(self, nodes: list[Node], span: TraceContext) -> None:
        """Register nodes seen for the first time, forget deleted ones, open new zones."""
        names = {node.metadata.name: node for node in nodes}
        for node in nodes:
            name = node.metadata.name
            if name in self.known:
                self._add_zone(node)
                continue
            message = f"Node {name} event: Registered Node {name} in Controller"
            await self.recorder.event(node, "Normal", "RegisteredNode", message, span)
            self.known[name] = node
            self._add_zone(node)
            await self.mark_reachable(node, span)
        for name in sorted(self.known):
            if name not in names:
                node = self.known.pop(name)
                message = f"Node {name} event: Removing Node {name} from Controller"
                await self.recorder.event(node, "Normal", "RemovingNode", message, span)

    def _add_zone(self, node: Node) -> None:
        zone = zone_key(node.metadata.labels)
        if zone not in self.zone_states:
            self.zone_states[zone] = INITIAL
            self.tainters[zone] = RateLimitedTimedQueue(self.eviction_qps, self.clock.now())

    async def _check_node(self, node: Node, span: TraceContext) -> NodeCondition | object | None:
        """Update one node's health; act on its Ready condition. Its current Ready condition,
        or _FAILED when its status could not be written."""
        result = await self._update_health(node, span)
        if result is None:
            return _FAILED
        # Every decision below reads the Node's own Ready condition (observed: as listed;
        # current: after a possible Unknown); the saved record only dated the last probe
        # (monitorNodeHealth, pkg/controller/nodelifecycle/node_lifecycle_controller.go).
        node, observed, current = result
        if current is None:
            return None
        name = node.metadata.name
        await self._taint_based_eviction(node, observed, span)
        retry = name in self.retry_pods
        became_not_ready = current.status != "True" and observed.status == "True"
        if became_not_ready:
            message = f"Node {name} status is now: NodeNotReady"
            await self.recorder.event(node, "Normal", "NodeNotReady", message, span)
        must_mark = became_not_ready or (retry and observed.status != "True")
        if must_mark and not await self.mark_pods_not_ready(self.pods_on(name), name, span):
            self.retry_pods[name] = None
            return current
        self.retry_pods.pop(name, None)
        return current

    async def _update_health(
        self, node: Node, span: TraceContext
    ) -> tuple[Node, NodeCondition, NodeCondition | None] | None:
        """tryUpdateNodeHealth, retried with a fresh read when the status write fails."""
        for _ in range(HEALTH_UPDATE_RETRIES):
            try:
                return await self._try_update_health(node, span)
            except ApiError as error:
                self.log.warning("node_status_update_failed", ctx=span, obj=node, error=str(error))
            try:
                node = await self.api.get(Node, "", node.metadata.name, span=span)
            except ApiError:
                return None
        return None

    async def _try_update_health(
        self, node: Node, span: TraceContext
    ) -> tuple[Node, NodeCondition, NodeCondition | None]:
        name = node.metadata.name
        now = self.clock.now()
        current = condition_of(node.status, "Ready")
        if current is None:
            grace = self.startup_grace_period
            observed = NodeCondition(
                type="Ready",
                status="Unknown",
                last_heartbeat_time=node.metadata.creation_timestamp,
                last_transition_time=node.metadata.creation_timestamp,
            )
        else:
            grace = self.grace_period
            observed = current
        lease = self.leases.lister.get(NODE_LEASE_NAMESPACE, name)
        saved = self.health.get(name)
        health = observe_health(node, saved, lease, now, self.clock.parse_timestamp)
        self.health[name] = health
        if now <= health.probe_timestamp + grace:
            return node, observed, current
        conditions = unknown_conditions(node, self.clock.timestamp())
        silent = replace(node, status=replace(node.status, conditions=conditions))
        current = condition_of(silent.status, "Ready")
        if current == observed:
            return node, observed, current
        await self.api.update_status(silent, span=span)
        self.log.info(
            "node_health_unknown",
            ctx=span,
            obj=node,
            silent_for=round(now - health.probe_timestamp, 6),
            grace_period=grace,
        )
        self.health[name] = NodeHealth(health.probe_timestamp, now, silent.status, lease)
        return silent, observed, current

    async def _taint_based_eviction(
        self, node: Node, observed: NodeCondition, span: TraceContext
    ) -> None:
        """processTaintBaseEviction: queue (or swap at once) the NoExecute taint, or clear it."""
        taints = node.spec.taints
        if observed.status == "True":
            await self.mark_reachable(node, span)
            return
        if observed.status == "False":
            wrong, right = TAINT_UNREACHABLE, TAINT_NOT_READY
        else:
            wrong, right = TAINT_NOT_READY, TAINT_UNREACHABLE
        if has_taint(taints, wrong, "NoExecute"):
            add = [Taint(key=right, effect="NoExecute")]
            await self.swap_taints(node, add, [Taint(key=wrong, effect="NoExecute")], span)
            return
        queue = self.tainters[zone_key(node.metadata.labels)]
        if not has_taint(taints, right, "NoExecute"):
            queue.remove(node.metadata.name)
        if queue.add(node.metadata.name, node.metadata.uid, self.clock.now()):
            self.log.info("node_tainting_queued", ctx=span, obj=node, taint=right)

    async def mark_reachable(self, node: Node, span: TraceContext) -> None:
        """markNodeAsReachable: drop both NoExecute taints and leave the tainting queue."""
        remove = [
            Taint(key=TAINT_UNREACHABLE, effect="NoExecute"),
            Taint(key=TAINT_NOT_READY, effect="NoExecute"),
        ]
        if await self.swap_taints(node, [], remove, span):
            self.tainters[zone_key(node.metadata.labels)].remove(node.metadata.name)

    # -- zones (handleDisruption) ----------------------------------------------------------------

    async def _handle_disruption(
        self, zones: dict[str, list[str | None]], nodes: list[Node], span: TraceContext
    ) -> None:
        new_states: dict[str, str] = {}
        for zone in sorted(zones):
            new_states[zone] = compute_zone_state(zones[zone], self.unhealthy_threshold)[1]
            self.zone_states.setdefault(zone, INITIAL)
        for zone in [z for z in sorted(self.zone_states) if z not in zones]:
            del self.zone_states[zone]
        all_now = all(state == FULL_DISRUPTION for state in new_states.values())
        all_before = all(state == FULL_DISRUPTION for state in self.zone_states.values())
        if all_now and all_before:
            return
        now = self.clock.now()
        if all_now:
            self.log.warning("disruption_mode_entered", ctx=span, zones=len(self.zone_states))
            for node in nodes:
                await self.mark_reachable(node, span)
            for zone in sorted(self.zone_states):
                self.tainters[zone].swap_limiter(0.0, now)
                self.zone_states[zone] = FULL_DISRUPTION
            return
        if all_before:
            self.log.info("disruption_mode_exited", ctx=span, zones=len(self.zone_states))
            for health in self.health.values():
                health.probe_timestamp = now
                health.ready_transition = now
            for zone in sorted(self.zone_states):
                self._set_zone_state(zone, len(zones[zone]), new_states[zone], span)
            return
        for zone in sorted(self.zone_states):
            if self.zone_states[zone] != new_states[zone]:
                self._set_zone_state(zone, len(zones[zone]), new_states[zone], span)

    def _set_zone_state(self, zone: str, size: int, state: str, span: TraceContext) -> None:
        qps = zone_qps(
            state,
            size,
            eviction_qps=self.eviction_qps,
            secondary_qps=self.secondary_qps,
            large_cluster_threshold=self.large_cluster_threshold,
        )
        self.tainters[zone].swap_limiter(qps, self.clock.now())
        if self.zone_states[zone] != state:
            self.log.info(
                "zone_state_changed",
                ctx=span,
                zone=zone,
                old_state=self.zone_states[zone],
                new_state=state,
                eviction_qps=qps,
            )
        self.zone_states[zone] = state


_FAILED = object()


def _node_name_index(obj: Any) -> list[str]:
    return [obj.spec.node_name] if obj.spec.node_name else []
