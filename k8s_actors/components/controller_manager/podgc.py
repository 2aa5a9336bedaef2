"""The pod garbage collector: force-deletes pods nobody else will ever clean up.

Role: pkg/controller/podgc/gc_controller.go. Every gcCheckPeriod (20 s, counted from the end of
the previous pass, as wait.Until does) it reads its pod and node informers and runs four rules:
- terminated: when more pods than `terminatedPodGCThreshold` (12500; 0 switches the rule off)
  are Succeeded or Failed, the surplus goes, evicted pods first, then oldest creationTimestamp
  first, names breaking ties;
- terminating on an out-of-service node: a pod with a deletionTimestamp whose node is not Ready
  and carries the taint node.kubernetes.io/out-of-service;
- orphaned: a pod bound to a node the informer does not hold puts that node in quarantine for
  40 s; a pass that finds the quarantine over asks the API server for the node, and if it is
  truly gone the node's pods get the condition DisruptionTarget (DeletionByPodGC, "PodGC: node
  no longer exists");
- unscheduled terminating: a pod with a deletionTimestamp and no nodeName.
Each pod is first moved to phase Failed (with the condition, for orphans) by a strategic merge
patch of its status carrying its uid, unless already Succeeded or Failed, then deleted with
grace period 0. A failure is logged; the next pass tries again. Deletions run one after another
(Kubernetes runs some in parallel goroutines), in the order above.
A pass that finds nothing to do sends, writes and logs nothing, so after one the collector waits
for an informer event that could give the next pass work (a pod terminating, terminated beyond
the threshold or bound to a missing node; a node deleted or out of service) and then runs at the
next instant of its 20 s rhythm, rather than waking every period for nothing: the passes that
act are the ones Kubernetes' loop would run, and an idle cluster has no timer of it.
Neighbours: `base`, the kubelet (kills what is no longer bound to it), the node lifecycle
controller (the other one watching nodes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import anyio

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.objects.pod import Pod, PodCondition
from k8s_actors.client import ApiError, NotFound
from k8s_actors.client.cache import object_key
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.kernel import TraceContext

__all__ = [
    "PodGCController",
    "Quarantine",
    "deletion_order",
    "out_of_service",
    "terminated_surplus",
    "terminating_out_of_service",
    "unscheduled_terminating",
]

GC_CHECK_PERIOD = 20.0
QUARANTINE_TIME = 40.0
DEFAULT_TERMINATED_THRESHOLD = 12500
OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service"
ORPHANED = PodCondition(
    type="DisruptionTarget",
    status="True",
    reason="DeletionByPodGC",
    message="PodGC: node no longer exists",
)
# The "reason" label values of pod_gc_collector_force_delete_pods_total (podgc/metrics).
TERMINATED, OUT_OF_SERVICE, ORPHAN, UNSCHEDULED = (
    "terminated",
    "out-of-service",
    "orphaned",
    "unscheduled",
)
PATCH_TYPE = "application/strategic-merge-patch+json"


# -- the rules (pure) ----------------------------------------------------------------------------


def is_terminated(pod: Pod) -> bool:
    """Neither Pending, Running nor Unknown (gc_controller.go isPodTerminated)."""
    return pod.status.phase not in ("Pending", "Running", "Unknown")


def is_terminating(pod: Pod) -> bool:
    return pod.metadata.deletion_timestamp is not None


def is_evicted(pod: Pod) -> bool:
    """Failed with reason Evicted (pkg/kubelet/eviction PodIsEvicted)."""
    return pod.status.phase == "Failed" and pod.status.reason == "Evicted"


def deletion_order(pods: Iterable[Pod]) -> list[Pod]:
    """Evicted pods first, then oldest creationTimestamp, then name
    (gc_controller.go byEvictionAndCreationTimestamp)."""
    return sorted(
        pods,
        key=lambda p: (not is_evicted(p), p.metadata.creation_timestamp or "", p.metadata.name),
    )


def terminated_surplus(pods: Iterable[Pod], threshold: int) -> list[Pod]:
    """The terminated pods beyond `threshold`, in deletion order; none when threshold <= 0."""
    if threshold <= 0:
        return []
    terminated = [pod for pod in pods if is_terminated(pod)]
    surplus = len(terminated) - threshold
    return deletion_order(terminated)[:surplus] if surplus > 0 else []


def out_of_service(node: Node) -> bool:
    """Not Ready and tainted node.kubernetes.io/out-of-service (any effect)."""
    ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)
    return not ready and any(t.key == OUT_OF_SERVICE_TAINT for t in node.spec.taints)


def terminating_out_of_service(pods: Iterable[Pod], nodes: Mapping[str, Node]) -> list[Pod]:
    """Terminating pods on nodes that are out of service, in deletion order."""
    chosen = [
        pod
        for pod in pods
        if is_terminating(pod)
        and (node := nodes.get(pod.spec.node_name)) is not None
        and out_of_service(node)
    ]
    return deletion_order(chosen)


def unscheduled_terminating(pods: Iterable[Pod]) -> list[Pod]:
    return [pod for pod in pods if is_terminating(pod) and not pod.spec.node_name]


class Quarantine:
    """The delaying queue of node names (the "orphaned_pods_nodes" queue of gc_controller.go).

    A name added waits `QUARANTINE_TIME`; adding it again while it waits keeps the earlier
    time. Once its time came it is ready, and a new add starts a new wait beside it."""

    def __init__(self, delay: float = QUARANTINE_TIME) -> None:
        self.delay = delay
        self.waiting: dict[str, float] = {}
        self.ready: dict[str, None] = {}

    def promote(self, now: float) -> None:
        """Names whose wait is over become ready, earliest first."""
        due = sorted((at, name) for name, at in self.waiting.items() if at <= now)
        for _, name in due:
            del self.waiting[name]
            self.ready[name] = None

    def add(self, name: str, now: float) -> bool:
        """Start the wait of `name` unless it waits already; True when `name` was neither
        waiting nor ready (it enters the quarantine now)."""
        if name in self.waiting:
            return False
        self.waiting[name] = now + self.delay
        return name not in self.ready

    def take_ready(self) -> list[str]:
        names = list(self.ready)
        self.ready.clear()
        return names


# -- the controller --------------------------------------------------------------------------------


class PodGCController(Controller):
    """No work queue: one periodic pass (`gc`) over the informers' caches."""

    name = "pod-garbage-collector-controller"
    workers = 0

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        setting = ctx.settings.get("terminatedPodGCThreshold", DEFAULT_TERMINATED_THRESHOLD)
        self.threshold = int(setting)
        self.clock = ctx.actor.clock
        self.pods = ctx.informers.informer(Pod)
        self.nodes = ctx.informers.informer(Node)
        self.quarantine = Quarantine()
        self._span: TraceContext | None = None
        self._terminated: dict[str, None] = {}  # keys of the Succeeded or Failed pods
        self._found_work = False  # the last pass had candidates (or a quarantine runs)
        self._poked = anyio.Event()  # set by an informer event that may give a pass work

    def setup(self) -> None:
        self.pods.add_handler(
            on_add=lambda pod, span: self._pod_changed(pod),
            on_update=lambda old, new, span: self._pod_changed(new),
            on_delete=lambda pod, span: self._terminated.pop(object_key(pod), None),
        )
        self.nodes.add_handler(
            on_update=lambda old, new, span: self._poke_if(out_of_service(new)),
            on_delete=lambda node, span: self._poke_if(True),
        )

    def _pod_changed(self, pod: Pod) -> None:
        key = object_key(pod)
        if is_terminated(pod):
            self._terminated[key] = None
        else:
            self._terminated.pop(key, None)
        self._poke_if(self._may_need_a_pass(pod))

    def _may_need_a_pass(self, pod: Pod) -> bool:
        if 0 < self.threshold < len(self._terminated):
            return True
        if not pod.spec.node_name:
            return is_terminating(pod)
        node: Node | None = self.nodes.lister.get("", pod.spec.node_name)
        return node is None or (is_terminating(pod) and out_of_service(node))

    def _poke_if(self, needed: bool) -> None:
        if needed:
            self._poked.set()

    async def run_background(self) -> None:
        while True:
            self._poked = anyio.Event()  # what happened before the pass, the pass sees
            await self.gc()
            await self._until_next_pass(self.clock.now())

    async def _until_next_pass(self, ended: float) -> None:
        """One period after a pass that had work; after one that had none, the first instant
        of the rhythm (ended + k * 20 s) after an event that may give the next one work."""
        if not self._found_work:
            await self._poked.wait()
        periods = max(1, math.floor((self.clock.now() - ended) / GC_CHECK_PERIOD) + 1)
        await self.clock.sleep_until(ended + periods * GC_CHECK_PERIOD)

    def span(self) -> TraceContext:
        """The pass's span, made when the pass first has something to say (a pass that finds
        nothing to do leaves no trace)."""
        if self._span is None:
            self._span = self.ctx.actor.child_span(None)
        return self._span

    async def gc(self) -> None:
        """One pass of the four rules, in Kubernetes' order."""
        self._span = None
        self._found_work = False
        pods: list[Pod] = self.pods.lister.list()
        nodes: dict[str, Node] = {node.metadata.name: node for node in self.nodes.lister.list()}
        surplus = terminated_surplus(pods, self.threshold)
        if surplus:
            self.log.info("podgc_terminated_over_threshold", ctx=self.span(), count=len(surplus))
        await self._delete_all(surplus, TERMINATED)
        await self._delete_all(terminating_out_of_service(pods, nodes), OUT_OF_SERVICE)
        await self._gc_orphaned(pods, nodes)
        await self._delete_all(unscheduled_terminating(pods), UNSCHEDULED)
        self._found_work = self._found_work or bool(
            self.quarantine.waiting or self.quarantine.ready
        )

    async def _gc_orphaned(self, pods: list[Pod], nodes: Mapping[str, Node]) -> None:
        now = self.clock.now()
        self.quarantine.promote(now)
        for pod in pods:
            node = pod.spec.node_name
            if node and node not in nodes and self.quarantine.add(node, now):
                self.log.info(
                    "podgc_node_quarantined", ctx=self.span(), node=node, wait=QUARANTINE_TIME
                )
        gone = [
            name
            for name in self.quarantine.take_ready()
            if name not in nodes and await self._node_gone(name)
        ]
        orphans = [pod for pod in pods if pod.spec.node_name in gone]
        await self._delete_all(orphans, ORPHAN, ORPHANED)

    async def _node_gone(self, name: str) -> bool:
        """Ask the API server (not the cache) whether the node exists (checkIfNodeExists)."""
        try:
            await self.api.get(Node, "", name, span=self.span())
        except NotFound:
            self.log.info("podgc_node_gone", ctx=self.span(), node=name)
            return True
        except ApiError as error:  # the next pass quarantines it again
            self.log.warning(
                "podgc_node_check_failed", ctx=self.span(), node=name, error=str(error)
            )
        return False

    async def _delete_all(
        self, pods: list[Pod], reason: str, condition: PodCondition | None = None
    ) -> None:
        self._found_work = self._found_work or bool(pods)
        for pod in pods:
            try:
                await self._mark_failed_and_delete(pod, condition)
            except ApiError as error:
                self.log.warning(
                    "podgc_pod_delete_failed",
                    ctx=self.span(),
                    obj=pod,
                    reason=reason,
                    error=str(error),
                )
            else:
                self.log.info("podgc_pod_deleted", ctx=self.span(), obj=pod, reason=reason)

    async def _mark_failed_and_delete(self, pod: Pod, condition: PodCondition | None) -> None:
        """markFailedAndDeletePodWithCondition: phase Failed first, so that a pod no kubelet
        will ever report on does not stay Running for ever, then a deletion with grace 0."""
        meta, span = pod.metadata, self.span()
        if pod.status.phase not in ("Succeeded", "Failed"):
            status: dict[str, object] = {"phase": "Failed"}
            if condition is not None:
                status["conditions"] = [self._condition_patch(pod, condition)]
            # utilpod.PatchPodStatus puts the uid in the patch: it must hit this very pod.
            patch = {"metadata": {"uid": meta.uid}, "status": status}
            await self.api.patch(
                Pod, meta.namespace, meta.name, patch, PATCH_TYPE, "status", span=span
            )
        options = DeleteOptions(grace_period_seconds=0)
        await self.api.delete(Pod, meta.namespace, meta.name, options, span=span)

    def _condition_patch(self, pod: Pod, condition: PodCondition) -> dict[str, object]:
        """The condition with a transition time of now, unless its status does not change
        (pkg/api/v1/pod/util.go UpdatePodCondition)."""
        stamp = self.clock.timestamp()
        for old in pod.status.conditions:
            if old.type == condition.type and old.status == condition.status:
                stamp = old.last_transition_time or stamp
        return {
            "type": condition.type,
            "status": condition.status,
            "reason": condition.reason,
            "message": condition.message,
            "lastTransitionTime": stamp,
        }
