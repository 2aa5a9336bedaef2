"""The taint eviction controller: deletes pods from nodes with NoExecute taints they do not
tolerate, at once or when their tolerationSeconds run out.

Role: pkg/controller/tainteviction/taint_eviction.go (the "NoExecute taint manager") and its
timed worker queue (timed_workers.go). It remembers each node's NoExecute taints; when a node's
taints or a pod's node or tolerations change it looks at the pods concerned. A pod that does not
tolerate every NoExecute taint is deleted now; one whose matching tolerations all have
tolerationSeconds is deleted after the smallest of them, counted from when this controller saw
the taint (not the taint's timeAdded); a toleration without seconds tolerates for ever. Removing
the taints, or the pod, cancels a scheduled deletion. A deletion first records the Event
TaintManagerEviction "Marking for deletion Pod <ns>/<name>", sets the pod condition
DisruptionTarget=True (DeletionByTaintManager), then deletes the pod with default options.
Work queue keys: "node:<name>", "pod:<namespace>/<name>", "evict:<namespace>/<name>".
Neighbours: `base`, the node lifecycle controller (puts the not-ready / unreachable taints),
the DefaultTolerationSeconds admission plugin (gives pods 300 s tolerations for them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.pod import Pod, PodCondition
from k8s_actors.api.objects.scheduling import Taint, Toleration
from k8s_actors.client import ApiError, NotFound
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.kernel import TraceContext

__all__ = [
    "TaintEvictionController",
    "matching_tolerations",
    "min_toleration_seconds",
]

replace = msgspec.structs.replace
# taint_eviction.go: retries of one deletion.
DELETE_RETRIES = 5
DISRUPTION_TARGET = PodCondition(
    type="DisruptionTarget",
    status="True",
    reason="DeletionByTaintManager",
    message="Taint manager: deleting due to NoExecute taint",
)


def matching_tolerations(
    taints: Sequence[Taint], tolerations: Sequence[Toleration]
) -> tuple[bool, list[Toleration]]:
    """Whether every taint is tolerated, and the first toleration matching each one."""
    if not taints:
        return True, []
    used: list[Toleration] = []
    for taint in taints:
        match = next((t for t in tolerations if t.tolerates(taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def min_toleration_seconds(tolerations: Sequence[Toleration]) -> float:
    """The smallest tolerationSeconds (0 when any is <= 0 or none is used); -1: for ever."""
    if not tolerations:
        return 0.0
    bounded = [t.toleration_seconds for t in tolerations if t.toleration_seconds is not None]
    if not bounded:
        return -1.0
    return float(max(0, min(bounded)))


def no_execute(taints: Sequence[Taint]) -> tuple[Taint, ...]:
    return tuple(taint for taint in taints if taint.effect == "NoExecute")


@dataclass
class Eviction:
    """A scheduled deletion; `fired` once it ran (kept so that it is not scheduled again)."""

    created_at: float
    fire_at: float
    fired: bool = False


def _pod_ref(key: str) -> Pod:
    """The bare reference the Events are about (namespace and name, as Kubernetes sends)."""
    namespace, name = key.split("/", 1)
    return Pod(metadata=ObjectMeta(name=name, namespace=namespace))


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"
    workers = 8  # UpdateWorkerSize

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.clock = ctx.actor.clock
        self.nodes = ctx.informers.informer(Node)
        self.pods = ctx.informers.informer(Pod)
        self.tainted: dict[str, tuple[Taint, ...]] = {}
        self.evictions: dict[str, Eviction] = {}
        self._immediate: dict[str, None] = {}

    def setup(self) -> None:
        self.pods.indexer.add_indexer("spec.nodeName", _node_name_index)
        self.pods.add_handler(
            on_add=lambda pod, span: self._pod_changed(pod, span),
            on_update=self._pod_updated,
            on_delete=lambda pod, span: self._pod_changed(pod, span),
        )
        self.nodes.add_handler(
            on_add=lambda node, span: self._node_changed(node, span),
            on_update=self._node_updated,
            on_delete=lambda node, span: self._node_changed(node, span),
        )

    def _pod_changed(self, pod: Pod, span: TraceContext | None) -> None:
        self.enqueue_key(f"pod:{pod.metadata.namespace}/{pod.metadata.name}", span)

    def _pod_updated(self, old: Pod, new: Pod, span: TraceContext | None) -> None:
        same_node = old.spec.node_name == new.spec.node_name
        if same_node and old.spec.tolerations == new.spec.tolerations:
            return
        self._pod_changed(new, span)

    def _node_changed(self, node: Node, span: TraceContext | None) -> None:
        self.enqueue_key(f"node:{node.metadata.name}", span)

    def _node_updated(self, old: Node, new: Node, span: TraceContext | None) -> None:
        if no_execute(old.spec.taints) != no_execute(new.spec.taints):
            self._node_changed(new, span)

    async def sync(self, key: str, span: TraceContext) -> None:
        kind, name = key.split(":", 1)
        if kind == "node":
            await self._node_update(name, span)
        elif kind == "pod":
            await self._pod_update(name, span)
        else:
            await self._evict(name, span)

    # -- decisions (handleNodeUpdate, handlePodUpdate, processPodOnNode) -------------------------

    async def _node_update(self, name: str, span: TraceContext) -> None:
        node = self.nodes.lister.get("", name)
        if node is None:
            self.tainted.pop(name, None)
            return
        taints = no_execute(node.spec.taints)
        if taints:
            self.tainted[name] = taints
        else:
            self.tainted.pop(name, None)
        pods: list[Pod] = self.pods.indexer.by_index("spec.nodeName", name)
        now = self.clock.now()
        for pod in pods:
            key = f"{pod.metadata.namespace}/{pod.metadata.name}"
            if not taints:
                await self._cancel(key, span)
            else:
                await self._decide(key, pod.spec.tolerations, taints, now, span)

    async def _pod_update(self, key: str, span: TraceContext) -> None:
        namespace, name = key.split("/", 1)
        pod = self.pods.lister.get(namespace, name)
        if pod is None:
            await self._cancel(key, span)
            return
        taints = self.tainted.get(pod.spec.node_name) if pod.spec.node_name else None
        if taints:
            await self._decide(key, pod.spec.tolerations, taints, self.clock.now(), span)

    async def _decide(
        self,
        key: str,
        tolerations: Sequence[Toleration],
        taints: Sequence[Taint],
        now: float,
        span: TraceContext,
    ) -> None:
        tolerated, used = matching_tolerations(taints, tolerations)
        if not tolerated:
            # Any scheduled deletion is replaced by one right now.
            await self._cancel(key, span)
            self._schedule(key, now, now, span)
            return
        seconds = min_toleration_seconds(used)
        if seconds < 0:
            await self._cancel(key, span)
            return
        start, trigger = now, now + seconds
        scheduled = self.evictions.get(key)
        if scheduled is not None:
            if scheduled.fired:
                return
            # An earlier deadline stands (taint_eviction.go compares from its creation).
            start = scheduled.created_at
            if start + seconds < trigger:
                return
            await self._cancel(key, span)
        self._schedule(key, start, start + seconds, span)

    # -- the timed queue (timed_workers.go) ------------------------------------------------------

    def _schedule(self, key: str, created_at: float, fire_at: float, span: TraceContext) -> None:
        if key in self.evictions:
            return
        delay = fire_at - created_at
        self.log.info("taint_eviction_scheduled", ctx=span, pod=key, fire_in=round(delay, 6))
        evict_key = f"evict:{key}"
        self._causes[evict_key] = span
        if delay <= 0:
            # Runs at once and can no longer be cancelled.
            self.evictions[key] = Eviction(created_at, fire_at, fired=True)
            self._immediate[key] = None
            self.queue.add(evict_key)
            return
        self.evictions[key] = Eviction(created_at, fire_at)
        self.enqueue_after(evict_key, fire_at - self.clock.now())

    async def _cancel(self, key: str, span: TraceContext) -> None:
        scheduled = self.evictions.pop(key, None)
        if scheduled is None or scheduled.fired:
            return
        self.log.info("taint_eviction_cancelled", ctx=span, pod=key)
        message = f"Cancelling deletion of Pod {key}"
        await self.recorder.event(_pod_ref(key), "Normal", "TaintManagerEviction", message, span)

    async def _evict(self, key: str, span: TraceContext) -> None:
        if key in self._immediate:
            del self._immediate[key]
        else:
            scheduled = self.evictions.get(key)
            if scheduled is None or scheduled.fired:
                return
            now = self.clock.now()
            if scheduled.fire_at > now:  # an older timer of a replaced eviction
                self.enqueue_after(f"evict:{key}", scheduled.fire_at - now)
                return
            scheduled.fired = True
        message = f"Marking for deletion Pod {key}"
        await self.recorder.event(_pod_ref(key), "Normal", "TaintManagerEviction", message, span)
        if await self._delete_pod(key, span):
            entry = self.evictions.get(key)
            if entry is not None:
                entry.fired = True
        else:
            self.evictions.pop(key, None)

    async def _delete_pod(self, key: str, span: TraceContext) -> bool:
        """addConditionAndDeletePod, tried up to 5 times."""
        namespace, name = key.split("/", 1)
        error = ""
        for _ in range(DELETE_RETRIES):
            try:
                pod = await self.api.get(Pod, namespace, name, span=span)
                await self._mark_disruption_target(pod, span)
                await self.api.delete(Pod, namespace, name, span=span)
            except NotFound as missing:
                error = str(missing)
                break
            except ApiError as failure:
                error = str(failure)
                continue
            self.log.info("taint_eviction_pod_deleted", ctx=span, pod=key)
            return True
        self.log.warning("taint_eviction_failed", ctx=span, pod=key, error=error)
        return False

    async def _mark_disruption_target(self, pod: Pod, span: TraceContext) -> None:
        conditions = list(pod.status.conditions)
        found = next((c for c in conditions if c.type == DISRUPTION_TARGET.type), None)
        stamp = self.clock.timestamp()
        wanted = replace(DISRUPTION_TARGET, last_transition_time=stamp)
        if found is None:
            conditions.append(wanted)
        elif (found.status, found.reason, found.message) == (
            wanted.status,
            wanted.reason,
            wanted.message,
        ):
            return
        else:
            if found.status == wanted.status:
                wanted = replace(wanted, last_transition_time=found.last_transition_time)
            conditions[conditions.index(found)] = wanted
        status = replace(pod.status, conditions=tuple(conditions))
        await self.api.update_status(replace(pod, status=status), span=span)


def _node_name_index(obj: Pod) -> list[str]:
    return [obj.spec.node_name] if obj.spec.node_name else []
