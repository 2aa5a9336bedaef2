"""The kube-scheduler actor: leader election, informers, the scheduling loop and binding.

Role: one actor at "kube-scheduler". It competes for the Lease kube-system/kube-scheduler
(15 s / 10 s / 2 s, as the controller manager); the leader builds its informers (pods, nodes,
priority classes, and the Services and ReplicaSets the default spreading derives
its selectors from), feeds the cache and the queue from them, and schedules one pod at a time:
a cycle runs the synchronous core, assumes the pod on its node, then binds it through the
pods/binding subresource in a task of its own while the next cycle starts (the binding cycle).
A pod that fits nowhere gets FailedScheduling with Kubernetes' message and the condition
PodScheduled=False/Unschedulable; DefaultPreemption's victims are deleted with their grace
period and the preemptor's status.nominatedNodeName set. Like the real binary, a leader that
loses its lease raises and is restarted with empty caches. Neighbours: `core`, `cache`,
`queue`, `framework`, `plugins`, `watch` (informer handlers), `events`, `k8s_actors.client`.
"""

from __future__ import annotations

from typing import Any

import anyio

from k8s_actors.api.objects.pod import Pod
from k8s_actors.client import ApiError, ComponentActor, LeaderElector, SharedInformerFactory
from k8s_actors.client.events import EventRecorder
from k8s_actors.components.scheduler.cache import Cache
from k8s_actors.components.scheduler.core import NoNodesAvailable, Scheduler, ScheduleResult
from k8s_actors.components.scheduler.framework import CycleState, FitError, Handle
from k8s_actors.components.scheduler.plugins import default_framework
from k8s_actors.components.scheduler.plugins.default_preemption import VICTIMS
from k8s_actors.components.scheduler.podinfo import PodInfo
from k8s_actors.components.scheduler.queue import (
    SchedulingQueue,
)
from k8s_actors.components.scheduler.watch import ClusterWatch
from k8s_actors.kernel import TraceContext
from k8s_actors.messages import UserInfo

__all__ = ["SCHEDULER_ADDRESS", "SCHEDULER_NAME", "KubeScheduler", "LeadershipLost"]

SCHEDULER_ADDRESS = "kube-scheduler"
SCHEDULER_NAME = "default-scheduler"
LEASE_NAME = "kube-scheduler"
STRATEGIC = "application/strategic-merge-patch+json"


class LeadershipLost(RuntimeError):
    """The instance stopped being the leader: it exits, and is restarted fresh."""


class KubeScheduler(ComponentActor):
    def __init__(
        self, name: str = SCHEDULER_ADDRESS, *, settings: dict[str, Any] | None = None
    ) -> None:
        super().__init__(
            name,
            user=UserInfo(username="system:kube-scheduler", groups=("system:authenticated",)),
            user_agent="kube-scheduler",
        )
        self.settings = dict(settings or {})
        self.elector: LeaderElector | None = None
        self.leading = False
        self.cache = Cache()
        self.queue = SchedulingQueue()
        self.core: Scheduler | None = None
        self.watch: ClusterWatch | None = None
        self.recorder: EventRecorder | None = None
        self._wake = anyio.Event()
        self._queue_changed = anyio.Event()

    async def started(self) -> None:
        self.elector = LeaderElector(
            self.api,
            namespace="kube-system",
            name=LEASE_NAME,
            identity=f"{self.name}_{self.ctx.ids.uid()}",
            on_started_leading=self._lead,
            on_stopped_leading=lambda: None,
        )
        self.ctx.tasks.start_soon(self._elect)

    async def _elect(self) -> None:
        assert self.elector is not None
        await self.elector.run()
        if self.leading:
            raise LeadershipLost(f"{self.name}: leaderelection lost")

    async def _lead(self) -> None:
        ctx = self.ctx
        self.leading = True
        informers = SharedInformerFactory(self.api)
        watch = ClusterWatch(self, informers)
        self.watch = watch
        handle = Handle(
            self.cache,
            rng=ctx.rng,
            selectors=watch.selectors_of,
            mutants=tuple(self.settings.get("mutants", ())),
        )
        framework = default_framework(handle)
        percentage = int(self.settings.get("percentageOfNodesToScore", 0))
        self.core = Scheduler(self.cache, framework, ctx.rng, percentage)
        self.queue = SchedulingQueue(
            initial_backoff=float(self.settings.get("podInitialBackoffSeconds", 1.0)),
            max_backoff=float(self.settings.get("podMaxBackoffSeconds", 10.0)),
            max_unschedulable_duration=float(
                self.settings.get("podMaxInUnschedulablePodsDuration", 300.0)
            ),
            events_of=framework.events_of,
        )
        self.recorder = EventRecorder(self.api, SCHEDULER_NAME, ctx.log)
        informers.start()
        await informers.wait_for_cache_sync()
        ctx.log.info(
            "scheduler_started", nodes=len(self.cache.node_list()), pending=len(self.queue)
        )
        ctx.tasks.start_soon(self._flush_loop)
        await self._schedule_loop()

    # -- loops -----------------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()
        self._queue_changed.set()

    async def _flush_loop(self) -> None:
        """Move pods out of backoffQ and the unschedulable set when their time comes.

        Kubernetes polls (backoffQ every 1 s, unschedulable pods every 30 s); here the loop
        sleeps until the next deadline the queue knows of, so an idle scheduler sets no timer.
        """
        clock = self.ctx.clock
        while True:
            deadline = self.queue.next_deadline()
            self._queue_changed = anyio.Event()
            if deadline is None:
                await self._queue_changed.wait()
                continue
            with anyio.move_on_after(max(0.0, deadline - clock.now())):
                await self._queue_changed.wait()
                continue
            now = clock.now()
            if self.queue.flush_backoff(now) + self.queue.flush_unschedulable(now):
                self.wake()

    async def _schedule_loop(self) -> None:
        while True:
            info = self.queue.pop()
            if info is None:
                self._wake = anyio.Event()
                await self._wake.wait()
                continue
            await self.schedule_one(info)

    # -- one cycle -------------------------------------------------------------------------------

    async def schedule_one(self, info: PodInfo) -> None:
        assert self.core is not None
        ctx = self.ctx
        pod = info.pod
        span = ctx.child_span(self.watch.span_of(info.key) if self.watch else None)
        if pod.metadata.deletion_timestamp is not None or pod.spec.node_name:
            self.queue.done(info.key)
            return
        cycle = self.queue.scheduling_cycle
        state = CycleState()
        try:
            result = self.core.schedule(info, state)
        except FitError as error:
            await self._unschedulable(info, state, error, cycle, span)
            return
        except NoNodesAvailable as error:
            await self._failed(info, str(error), span)
            self.queue.add_after_error(info, ctx.clock.now())
            self._queue_changed.set()
            return
        ctx.log.info(
            "scheduling_attempted",
            ctx=span,
            obj=pod,
            feasible=result.feasible,
            evaluated=result.evaluated,
            nodes=len(self.cache.node_list()),
        )
        self.cache.assume(info, result.node)
        self.queue.done(info.key)
        framework = self.core.framework
        if framework.run_reserve(state, info, result.node) is not None:
            self.cache.forget(info.key)
            self.queue.add_after_error(info, ctx.clock.now())
            self._queue_changed.set()
            return
        ctx.tasks.start_soon(self._bind, info, state, result, span)

    async def _bind(
        self, info: PodInfo, state: CycleState, result: ScheduleResult, span: TraceContext
    ) -> None:
        ctx = self.ctx
        assert self.core is not None and self.recorder is not None
        try:
            await self.api.bind(info.pod, result.node, span=span)
        except ApiError as error:
            ctx.log.warning(
                "pod_bind_failed", ctx=span, obj=info.pod, node=result.node, error=str(error)
            )
            self.core.framework.run_unreserve(state, info, result.node)
            self.cache.forget(info.key)
            self.queue.add_after_error(info, ctx.clock.now())
            self._queue_changed.set()
            self.wake()
            return
        runner_up = result.runner_up
        ctx.log.info(
            "pod_scheduled",
            ctx=span,
            obj=info.pod,
            node=result.node,
            score=result.total,
            scores=result.scores,
            runner_up=runner_up[0] if runner_up else None,
            runner_up_score=runner_up[1] if runner_up else None,
            runner_up_scores=runner_up[2] if runner_up else None,
        )
        meta = info.pod.metadata
        message = f"Successfully assigned {meta.namespace}/{meta.name} to {result.node}"
        await self.recorder.event(info.pod, "Normal", "Scheduled", message, span)

    async def _unschedulable(
        self, info: PodInfo, state: CycleState, error: FitError, cycle: int, span: TraceContext
    ) -> None:
        assert self.core is not None
        nominated, status = self.core.framework.run_post_filter(state, info, error.statuses)
        if status is not None and status.message:
            error.post_filter_message = status.message
        if nominated:
            await self._preempt(info, nominated, state.data.get(VICTIMS, []), span)
        message = str(error)
        await self._failed(info, message, span)
        plugins = tuple(error.unschedulable_plugins())
        self.queue.add_unschedulable(info, plugins, cycle, self.ctx.clock.now())
        self._queue_changed.set()

    async def _failed(self, info: PodInfo, message: str, span: TraceContext) -> None:
        assert self.recorder is not None
        pod = info.pod
        self.ctx.log.info("pod_unschedulable", ctx=span, obj=pod, message=message)
        await self.recorder.event(pod, "Warning", "FailedScheduling", message, span)
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": message,
            "lastTransitionTime": self.ctx.clock.timestamp(),
            "lastProbeTime": None,
        }
        await self._patch_status(pod, {"status": {"conditions": [condition]}}, span)

    async def _preempt(
        self, info: PodInfo, node: str, victims: list[PodInfo], span: TraceContext
    ) -> None:
        assert self.recorder is not None
        for victim in victims:
            self.ctx.log.info(
                "pod_preempted", ctx=span, obj=victim.pod, node=node, preemptor=info.key
            )
            message = f"Preempted by pod {info.uid} on node {node}"
            await self.recorder.event(victim.pod, "Normal", "Preempted", message, span)
            try:
                await self.api.delete(Pod, victim.namespace, victim.name, span=span)
            except ApiError as error:
                self.ctx.log.warning(
                    "pod_preemption_failed", ctx=span, obj=victim.pod, error=str(error)
                )
        await self._patch_status(info.pod, {"status": {"nominatedNodeName": node}}, span)

    async def _patch_status(self, pod: Pod, patch: dict[str, Any], span: TraceContext) -> None:
        meta = pod.metadata
        try:
            await self.api.patch(
                Pod, meta.namespace, meta.name, patch, STRATEGIC, "status", span=span
            )
        except ApiError as error:
            self.ctx.log.warning("pod_status_patch_failed", ctx=span, obj=pod, error=str(error))
