"""The scheduler's informer handlers: pods, nodes and priority classes into the cache and queue.

Role: eventhandlers.go. Assigned pods go to the cache (and are cluster events that may help
unschedulable pods); pending pods of schedulerName default-scheduler go to the queue with their
priority resolved from spec.priority or their PriorityClass (the globalDefault one when they
name none); terminal pods count as gone. Node changes move unschedulable pods only when
something a plugin reads changed (allocatable, labels, taints, unschedulable, conditions), not
on heartbeats. Also answers the Services and ReplicaSets selecting a pod, for the
default topology spreading. Neighbours: `agent` (owner), `cache`, `queue`, `podinfo`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from k8s_actors.api.labels import Selector
from k8s_actors.api.objects.cluster import Node, PriorityClass
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.service import Service
from k8s_actors.api.objects.workloads import ReplicaSet
from k8s_actors.client import SharedInformerFactory
from k8s_actors.components.scheduler.podinfo import PodInfo
from k8s_actors.kernel import TraceContext

if TYPE_CHECKING:
    from k8s_actors.components.scheduler.agent import KubeScheduler

__all__ = ["ClusterWatch"]

SCHEDULER_NAMES = ("", "default-scheduler")
TERMINAL = ("Succeeded", "Failed")


def _key(pod: Pod) -> str:
    return f"{pod.metadata.namespace}/{pod.metadata.name}"


def _node_changed(old: Node, new: Node) -> bool:
    """Whether the update is one of the node events plugins register for (not a heartbeat)."""
    if old.status.allocatable != new.status.allocatable:
        return True
    if old.metadata.labels != new.metadata.labels or old.spec.taints != new.spec.taints:
        return True
    if old.spec.unschedulable != new.spec.unschedulable:
        return True
    conditions = [(c.type, c.status) for c in old.status.conditions]
    return conditions != [(c.type, c.status) for c in new.status.conditions]


def _only_status_changed(old: Pod, new: Pod) -> bool:
    if old.spec != new.spec:
        return False
    a, b = old.metadata, new.metadata
    return (a.labels, a.annotations, a.deletion_timestamp) == (
        b.labels,
        b.annotations,
        b.deletion_timestamp,
    )


class ClusterWatch:
    def __init__(self, scheduler: KubeScheduler, informers: SharedInformerFactory) -> None:
        self.scheduler = scheduler
        self.spans: dict[str, TraceContext | None] = {}
        pods = informers.informer(Pod)
        nodes = informers.informer(Node)
        self.priority_classes = informers.informer(PriorityClass).lister
        self.services = informers.informer(Service).lister
        self.replicasets = informers.informer(ReplicaSet).lister
        nodes.add_handler(self._node_added, self._node_updated, self._node_deleted)
        pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    @property
    def now(self) -> float:
        return self.scheduler.ctx.clock.now()

    def span_of(self, key: str) -> TraceContext | None:
        return self.spans.get(key)

    # -- priorities and selectors ----------------------------------------------------------------

    def priority_of(self, pod: Pod) -> int:
        if pod.spec.priority is not None:
            return pod.spec.priority
        name = pod.spec.priority_class_name
        if name:
            found = self.priority_classes.get("", name)
            return found.value if found is not None else 0
        for priority_class in self.priority_classes.list():
            if priority_class.global_default:
                return int(priority_class.value)
        return 0

    def selectors_of(self, info: PodInfo) -> list[Any]:
        """The selectors of the Services and ReplicaSets that select the pod."""
        labels = info.labels
        found: list[Selector] = []
        for service in self.services.list(info.namespace):
            selector = service.spec.selector
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                found.append(Selector.from_set(selector))
        for owner in self.replicasets.list(info.namespace):
            selector = Selector.from_label_selector(owner.spec.selector)
            if not selector.empty and selector.matches(labels):
                found.append(selector)
        return found

    # -- pods ------------------------------------------------------------------------------------

    def _responsible(self, pod: Pod) -> bool:
        return (
            not pod.spec.node_name
            and pod.spec.scheduler_name in SCHEDULER_NAMES
            and pod.status.phase not in TERMINAL
        )

    def _pod_added(self, pod: Pod, span: TraceContext | None) -> None:
        scheduler = self.scheduler
        if pod.status.phase in TERMINAL:
            return
        if pod.spec.node_name:
            scheduler.cache.add_pod(PodInfo(pod, self.priority_of(pod)))
            self._move("AssignedPodAdd")
        elif self._responsible(pod):
            self.spans[_key(pod)] = span
            scheduler.queue.add(PodInfo(pod, self.priority_of(pod)), self.now)
            scheduler.wake()

    def _pod_updated(self, old: Pod, new: Pod, span: TraceContext | None) -> None:
        scheduler = self.scheduler
        key = _key(new)
        if new.status.phase in TERMINAL:
            self._pod_deleted(new, span)
            return
        if new.spec.node_name:
            if not old.spec.node_name:
                scheduler.queue.delete(key)
                self.spans.pop(key, None)
            scheduler.cache.update_pod(PodInfo(new, self.priority_of(new)))
            self._move("AssignedPodUpdate")
        elif self._responsible(new):
            if _only_status_changed(old, new):
                # isPodUpdated: a status write (our own condition) is no reason to retry.
                known = scheduler.queue.get(key)
                if known is not None:
                    known.pod = new
                return
            scheduler.queue.update(PodInfo(new, self.priority_of(new)), self.now)
            scheduler.wake()

    def _pod_deleted(self, pod: Pod, span: TraceContext | None) -> None:
        scheduler = self.scheduler
        key = _key(pod)
        self.spans.pop(key, None)
        if scheduler.cache.remove_pod(key) is not None:
            self._move("AssignedPodDelete")
        scheduler.queue.delete(key)

    # -- nodes -----------------------------------------------------------------------------------

    def _node_added(self, node: Node, span: TraceContext | None) -> None:
        self.scheduler.cache.add_node(node)
        self._move("NodeAdd")

    def _node_updated(self, old: Node, new: Node, span: TraceContext | None) -> None:
        self.scheduler.cache.update_node(new)
        if _node_changed(old, new):
            self._move("NodeUpdate")

    def _node_deleted(self, node: Node, span: TraceContext | None) -> None:
        self.scheduler.cache.remove_node(node.metadata.name)

    def _move(self, event: str) -> None:
        scheduler = self.scheduler
        if scheduler.queue.move_on_event(event, self.now):
            scheduler.wake()
