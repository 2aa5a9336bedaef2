"""The async shell of a pod worker: one task per pod that syncs it when something changes.

Role: pod_workers.go and the sync loop of the kubelet for one pod. A sync reads the runtime,
runs the probes due, asks `podworker.compute_pod_actions` what to do, does it (kill, sandbox and
CNI, then `containers.start_container` for each container to start) and writes the status
through the status subresource when it changed; `reconcile_status` writes it again when another
party changed what the kubelet owns. A worker wakes on a change of the pod's spec or
deletion (status-only updates do not sync, as in the kubelet's config source), on a container
exit, on a probe tick that matters, and after a failed step (10-15 s). A pod with a
deletionTimestamp is killed (preStop, stop, sandbox removed) and then deleted with grace 0; a
pod removed from the API is killed. Every step is traced as a child of the span of the watch
event that caused the sync. Neighbours: `podworker` (decisions), `containers` (starting one
container), `status` (the status), `agent` (creates workers and routes events).
"""

from __future__ import annotations

import anyio
import msgspec

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.machinery import DeleteOptions, Preconditions
from k8s_actors.api.objects.pod import Pod, PodStatus
from k8s_actors.client import ApiError, Conflict, NotFound
from k8s_actors.components.kubelet import containers, probes
from k8s_actors.components.kubelet.cni import IpamError
from k8s_actors.components.kubelet.node import NodeContext
from k8s_actors.components.kubelet.podworker import compute_pod_actions
from k8s_actors.components.kubelet.runtime import PAUSE_IMAGE, RuntimeContainer
from k8s_actors.components.kubelet.status import (
    TERMINAL_PHASES,
    ContainerView,
    container_status,
    is_sidecar,
    needs_reconcile,
    pod_status,
    reconciled_status,
)
from k8s_actors.kernel import KernelError, TraceContext

replace = msgspec.structs.replace
ProbeKey = tuple[str, str]


class PodWorker:
    """The kubelet's worker for one pod (identified by uid)."""

    def __init__(
        self, node: NodeContext, pod: Pod, span: TraceContext | None, rejection: tuple[str, str]
    ) -> None:
        self.node = node
        self.pod = pod
        self.uid = pod.metadata.uid
        self.cause = span
        self.rejection = rejection
        self.gone = False
        self.done = False
        self.finished = False  # no container will run again (Succeeded / Failed)
        self.volumes_ready = False
        self.waiting: dict[str, tuple[str, str]] = {}
        self.trackers: dict[ProbeKey, probes.ProbeTracker] = {}
        self.started_since: dict[str, float] = {}  # container id -> startup probe success
        self.unhealthy: dict[str, str] = {}
        self.seen_exits: dict[str, None] = {}
        self.retry_at: float | None = None
        self.written: PodStatus | None = None  # the status manager's cached status
        self._checked: PodStatus | None = None  # an API status found equal to `written`
        self._dirty = True
        self._wakeup = anyio.Event()

    # -- triggers (called by the kubelet actor) --------------------------------------------------

    def update(self, pod: Pod, span: TraceContext | None) -> None:
        """A new version of the pod; only spec and deletion changes need a sync."""
        old = self.pod
        self.pod = pod
        if (
            old.spec != pod.spec
            or old.metadata.deletion_timestamp != pod.metadata.deletion_timestamp
        ):
            self.cause = span
            self.poke()

    def deleted(self, span: TraceContext | None) -> None:
        self.gone = True
        self.cause = span
        self.poke()

    def poke(self) -> None:
        self._dirty = True
        self._wakeup.set()

    # -- the loop ----------------------------------------------------------------------------------

    async def run(self) -> None:
        while not self.done:
            await self._wait()
            span = self.node.ctx.child_span(self.cause)
            try:
                await self.sync(span)
            except (ApiError, KernelError) as error:
                self.node.log.warning(
                    "kubelet_sync_failed", ctx=span, obj=self.pod, error=str(error)
                )
                self.retry_at = self.node.now + self.node.requeue_delay()

    async def _wait(self) -> None:
        if self._dirty:
            self._dirty = False
            return
        wake = self._next_wake()
        delay = None if wake is None else max(0.0, wake - self.node.now)
        self._wakeup = anyio.Event()
        if delay is None:
            await self._wakeup.wait()
        else:
            with anyio.move_on_after(delay):
                await self._wakeup.wait()
        self._dirty = False

    def _next_wake(self) -> float | None:
        if self.finished or self.done:
            return None
        candidates = [self.retry_at, self.node.runtime.next_exit(self.uid)]
        latest = self.node.runtime.latest(self.uid)
        for (container_id, _kind), tracker in self.trackers.items():
            running = [c for c in latest.values() if c.id == container_id]
            if running:
                gate = self._gate(running[0], tracker.config.kind)
                candidates.append(probes.next_attention(tracker, running[0].behaviour, gate))
        times = [t for t in candidates if t is not None]
        return min(times) if times else None

    # -- one sync ----------------------------------------------------------------------------------

    async def sync(self, span: TraceContext) -> None:
        node, pod = self.node, self.pod
        self.retry_at = None
        if self.rejection[0]:
            await self._reject(span)
            return
        if self.gone or pod.metadata.deletion_timestamp is not None:
            await self.terminate(span)
            return
        if self.finished:
            return
        self._observe_exits(span)
        await self.write_status(span)
        if not self.volumes_ready:
            self.volumes_ready = await containers.mount_volumes(self, span)
            if not self.volumes_ready:
                self.retry_at = node.now + node.requeue_delay()
                return
        await self._run_probes(span)
        if await self._act(span):
            self._dirty = True  # like a PLEG event: look again at once
        await self.write_status(span, terminal=self.finished)

    async def _act(self, span: TraceContext) -> bool:
        """Do what compute_pod_actions says; True when something was started or killed."""
        node, pod = self.node, self.pod
        runtime = node.runtime
        latest = runtime.latest(self.uid)
        started = {name: self._started(c) for name, c in latest.items()}
        sandbox = runtime.sandbox_of(self.uid)
        actions = compute_pod_actions(
            pod.spec, sandbox is not None, latest, started, self.unhealthy
        )
        acted = False
        for name, message in actions.kill:
            await containers.kill_container(self, latest[name], message, span, exit_code=143)
            self.unhealthy.pop(name, None)
            acted = True
        if actions.create_sandbox and not await self._create_sandbox(span):
            return acted
        init_names = {c.name for c in pod.spec.init_containers}
        for name in actions.start:
            ok = await containers.start_container(self, self._container(name), span)
            if self.gone or self.pod.metadata.deletion_timestamp is not None:
                return True
            acted = acted or ok
            if not ok and name in init_names:
                break
        if actions.finished and not self.finished:
            await self._finish(span)
        return acted

    def _container(self, name: str) -> Container:
        spec = self.pod.spec
        for container in (*spec.init_containers, *spec.containers):
            if container.name == name:
                return container
        raise LookupError(name)

    async def _create_sandbox(self, span: TraceContext) -> bool:
        node, pod = self.node, self.pod
        meta = pod.metadata
        runtime = node.runtime
        try:
            ip = runtime.ipam.add(self.uid)
        except IpamError as error:
            message = f'Failed to create pod sandbox: plugin type="bridge" failed (add): {error}'
            node.log.warning("cri_run_pod_sandbox_failed", ctx=span, obj=pod, error=str(error))
            await node.events.event(pod, "Warning", "FailedCreatePodSandBox", message, span)
            self.retry_at = node.now + node.requeue_delay()
            return False
        sandbox = runtime.run_pod_sandbox(self.uid, meta.namespace, meta.name, node.now)
        node.log.info(
            "cri_run_pod_sandbox", ctx=span, obj=pod, sandbox_id=sandbox.id, image=PAUSE_IMAGE
        )
        runtime.set_sandbox_ip(sandbox.id, ip)
        node.log.info("cni_add", ctx=span, obj=pod, ip=ip, cidr=runtime.ipam.cidr, plugin="bridge")
        return True

    async def _finish(self, span: TraceContext) -> None:
        """No container will run again: stop the sidecars and the sandbox, release the IP."""
        node = self.node
        for container in node.runtime.latest(self.uid).values():
            if container.state == "running":
                await containers.kill_container(self, container, "", span, exit_code=0)
        self._release_network(span)
        self.finished = True
        node.log.info("kubelet_pod_completed", ctx=span, obj=self.pod)

    def _release_network(self, span: TraceContext) -> None:
        node = self.node
        ip = node.runtime.ipam.delete(self.uid)
        sandbox = node.runtime.sandbox_of(self.uid)
        if sandbox is not None:
            node.runtime.sandboxes[sandbox.id] = replace(sandbox, ready=False)
        if ip is not None:
            node.log.info("cni_del", ctx=span, obj=self.pod, ip=ip)

    # -- probes and exits ------------------------------------------------------------------------

    def _started(self, container: RuntimeContainer) -> bool:
        if container.state != "running":
            return False
        spec = self._container(container.name)
        if spec.startup_probe is None:
            return True
        return container.id in self.started_since

    def _gate(self, container: RuntimeContainer, kind: str) -> float | None:
        if container.started_at is None:
            return None
        if kind == "startup" or self._container(container.name).startup_probe is None:
            return container.started_at
        return self.started_since.get(container.id)

    async def _run_probes(self, span: TraceContext) -> None:
        node = self.node
        now = node.now
        running = {c.id: c for c in node.runtime.latest(self.uid).values() if c.state == "running"}
        self.trackers = {k: t for k, t in self.trackers.items() if k[0] in running}
        for container in running.values():
            configs = probes.container_probes(self._container(container.name))
            for kind in probes.KINDS:
                config = configs.get(kind)
                if config is None or container.started_at is None:
                    continue
                key = (container.id, kind)
                tracker = self.trackers.get(key) or probes.new_tracker(config, container.started_at)
                gate = self._gate(container, kind)
                tracker, outcomes = probes.advance(tracker, container.behaviour, now, gate)
                self.trackers[key] = tracker
                for outcome in outcomes:
                    await self._probe_outcome(container, config, tracker, outcome, span)

    async def _probe_outcome(
        self,
        container: RuntimeContainer,
        config: probes.ProbeConfig,
        tracker: probes.ProbeTracker,
        outcome: probes.Outcome,
        span: TraceContext,
    ) -> None:
        node, name = self.node, container.name
        kind = config.kind
        if kind == "startup" and outcome.success and outcome.result:
            self.started_since[container.id] = outcome.at
        if outcome.success:
            return
        detail = probes.failure_message(config, node.runtime.ipam.allocated().get(self.uid, ""))
        node.log.info("probe_failed", ctx=span, obj=self.pod, container=name, probe=kind)
        message = f"{kind.capitalize()} probe failed: {detail}"
        await node.events.event(self.pod, "Warning", "Unhealthy", message, span)
        killing = (kind == "liveness" and outcome.flipped) or (
            kind == "startup" and tracker.failures >= config.failure_threshold
        )
        if killing and name not in self.unhealthy:
            policy = self.pod.spec.restart_policy or "Always"
            restart = policy != "Never" or is_sidecar(self._container(name))
            suffix = ", will be restarted" if restart else ""
            self.unhealthy[name] = f"Container {name} failed {kind} probe{suffix}"

    def _observe_exits(self, span: TraceContext) -> None:
        self.node.runtime.settle(self.node.now)
        for container in self.node.runtime.latest(self.uid).values():
            if container.state == "exited" and container.id not in self.seen_exits:
                self.seen_exits[container.id] = None
                self.node.log.info(
                    "container_exited",
                    ctx=span,
                    obj=self.pod,
                    container=container.name,
                    exit_code=container.exit_code,
                    restart_count=container.attempt,
                )

    # -- status ------------------------------------------------------------------------------------

    def _views(self, specs: tuple[Container, ...]) -> list[ContainerView]:
        runtime = self.node.runtime
        latest = runtime.latest(self.uid)
        views = []
        for spec in specs:
            current = latest.get(spec.name)
            ready = False
            if current is not None and self._started(current):
                tracker = self.trackers.get((current.id, "readiness"))
                ready = spec.readiness_probe is None or (tracker is not None and tracker.result)
            views.append(
                ContainerView(
                    name=spec.name,
                    image=spec.image,
                    current=current,
                    previous=runtime.previous(self.uid, spec.name),
                    waiting=self.waiting.get(spec.name),
                    ready=ready,
                    started=current is not None and self._started(current),
                )
            )
        return views

    def compute_status(self, terminal: bool = False) -> PodStatus:
        node, pod = self.node, self.pod
        stamp = node.stamp
        spec = pod.spec
        regular_default = "PodInitializing" if spec.init_containers else "ContainerCreating"
        init = [
            container_status(v, "ContainerCreating", stamp)
            for v in self._views(spec.init_containers)
        ]
        regular = [
            container_status(v, regular_default, stamp) for v in self._views(spec.containers)
        ]
        sandbox = node.runtime.sandbox_of(self.uid)
        ready_sandbox = sandbox is not None and sandbox.ready and bool(sandbox.ip)
        return pod_status(
            spec,
            pod.status,
            init,
            regular,
            pod_ip=sandbox.ip if ready_sandbox and sandbox is not None else "",
            host_ip=node.config.internal_ip,
            sandbox_ready=ready_sandbox,
            start_time=stamp(node.now),
            now=stamp(node.now),
            pod_is_terminal=terminal,
        )

    async def write_status(self, span: TraceContext, terminal: bool = False) -> None:
        status = self.compute_status(terminal)
        await self._put_status(status, span)

    async def _put_status(self, status: PodStatus, span: TraceContext) -> None:
        if status == (self.written or self.pod.status):
            self.written = self.written or status
            return
        node = self.node
        for _ in range(3):
            try:
                stored = await node.api.update_status(replace(self.pod, status=status), span=span)
            except Conflict:
                self.pod = await node.api.get(
                    Pod, self.pod.metadata.namespace, self.pod.metadata.name, span=span
                )
                continue
            except NotFound:
                return
            self.pod = stored
            self.written = status
            node.log.info(
                "kubelet_status_updated",
                ctx=span,
                obj=stored,
                phase=status.phase,
                ready=_condition(status, "Ready"),
                pod_ip=status.pod_ip,
            )
            return

    def status_diverged(self) -> bool:
        """Whether the API's copy of the status strayed from the one this worker wrote.

        Cheap for the many pods that did not: an API status once found equal is recognised by
        identity afterwards, so an unchanged pod costs one comparison of references.
        """
        written, current = self.written, self.pod.status
        if written is None or self.done or self.gone or current is self._checked:
            return False
        if needs_reconcile(current, written):
            return True
        self._checked = current
        return False

    async def reconcile_status(self, span: TraceContext) -> None:
        """Write the cached status again over a diverging one (syncBatch's reconcile); a
        failed write is left to the next period."""
        written = self.written
        if written is None:
            return
        status = reconciled_status(self.pod.status, written)
        try:
            stored = await self.node.api.update_status(replace(self.pod, status=status), span=span)
        except ApiError as error:
            self.node.log.info(
                "kubelet_status_reconcile_failed", ctx=span, obj=self.pod, error=str(error)
            )
            return
        self.pod = stored
        self.written = status
        self.node.log.info(
            "kubelet_status_reconciled", ctx=span, obj=stored, ready=_condition(status, "Ready")
        )

    async def _reject(self, span: TraceContext) -> None:
        reason, detail = self.rejection
        node, pod = self.node, self.pod
        await node.events.event(pod, "Warning", reason, detail, span)
        status = replace(
            pod.status,
            phase="Failed",
            reason=reason,
            message=f"Pod was rejected: {detail}",
            host_ip=node.config.internal_ip,
            start_time=pod.status.start_time or node.stamp(node.now),
        )
        await self._put_status(status, span)
        self.finished = True
        self.done = True

    # -- termination -------------------------------------------------------------------------------

    async def terminate(self, span: TraceContext) -> None:
        """Kill every container (preStop first), free the network, then delete the pod."""
        node, pod = self.node, self.pod
        running = [c for c in node.runtime.latest(self.uid).values() if c.state == "running"]
        sidecars = {c.name for c in pod.spec.init_containers if is_sidecar(c)}
        running.sort(key=lambda c: c.name in sidecars)  # regular containers stop first
        for container in running:
            await containers.pre_stop(self, self._container(container.name), span)
            await containers.kill_container(
                self, container, f"Stopping container {container.name}", span, exit_code=0
            )
        self._release_network(span)
        node.log.info("kubelet_pod_killed", ctx=span, obj=pod, containers=len(running))
        if not self.gone:
            await self.write_status(span, terminal=True)
            await self._delete(span)
        node.runtime.remove_pod_sandbox(self.uid)
        self.finished = True
        self.done = True

    async def _delete(self, span: TraceContext) -> None:
        node, meta = self.node, self.pod.metadata
        options = DeleteOptions(grace_period_seconds=0, preconditions=Preconditions(uid=self.uid))
        try:
            await node.api.delete(Pod, meta.namespace, meta.name, options, span=span)
        except NotFound:
            return
        except Conflict:
            return  # another pod of that name now: ours is gone already
        node.log.info("kubelet_pod_deleted", ctx=span, obj=self.pod)


def _condition(status: PodStatus, kind: str) -> str:
    for condition in status.conditions:
        if condition.type == kind:
            return condition.status
    return ""


__all__ = ["TERMINAL_PHASES", "PodWorker"]
