"""A Hypothesis state machine driving a cluster with the ReplicaSet controller.

Two ReplicaSets ("web" selects app=web, "api" selects app=api) while the rules kill and delete
pods, scale, relabel pods from one selector to the other (release, then adoption), add orphans
and let time pass. Promises: no pod ever has two controller references (checked after every
step), and once the rules stop the active pods each ReplicaSet owns converge to its
spec.replicas (a released pod's deletion may hold expectations up to their 5-minute TTL).

The cluster lives in one long-running task on a virtual-time loop; each rule hands it a
coroutine and runs the loop until that coroutine is done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import ReplicaSet
from k8s_actors.client.errors import Conflict, NotFound
from k8s_actors.components.controller_manager.podutil import is_pod_active
from k8s_actors.kernel.clock import VirtualEventLoop
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec
from tests.components.controller_manager.test_replicaset import (
    bare_pod,
    replica_set,
    start_controller,
)

APPS = ("web", "api")
SETTLE_SECONDS = 420.0  # beyond the 5-minute expectations TTL
Command = Callable[[Cluster], Awaitable[Any]]


class ClusterDriver:
    """Runs a cluster in one task; `call` runs the loop until a command on it is done."""

    def __init__(self, seed: int) -> None:
        self.loop = VirtualEventLoop()
        self._queue: asyncio.Queue[tuple[Command, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._main = self.loop.create_task(self._serve(seed))

    async def _serve(self, seed: int) -> None:
        async with Cluster(seed=seed, spec=ClusterSpec(controller_managers=0)) as cluster:
            await start_controller(cluster)
            while (item := await self._queue.get()) is not None:
                command, future = item
                try:
                    future.set_result(await command(cluster))
                except Exception as error:  # handed to the rule that asked
                    future.set_exception(error)

    def call(self, command: Command) -> Any:
        future: asyncio.Future[Any] = self.loop.create_future()
        self._queue.put_nowait((command, future))
        return self.loop.run_until_complete(future)

    def close(self) -> None:
        self._queue.put_nowait(None)
        self.loop.run_until_complete(self._main)
        self.loop.close()


async def _pods(cluster: Cluster) -> list[Pod]:
    return sorted(await cluster.list("pods", "default"), key=lambda p: p.metadata.name)


async def _owned_active(cluster: Cluster, rs: ReplicaSet) -> int:
    uid = rs.metadata.uid
    return sum(
        1
        for pod in await _pods(cluster)
        if is_pod_active(pod) and (ref := pod.metadata.controller_ref()) and ref.uid == uid
    )


class ReplicaSetMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.driver = ClusterDriver(seed=7)
        self.orphans = 0

        async def create(cluster: Cluster) -> None:
            for app in APPS:
                await cluster.create(replica_set(app, 2))
            await cluster.advance(1)

        self.driver.call(create)

    @rule(index=st.integers(0, 20), delete=st.booleans())
    def pod_dies(self, index: int, delete: bool) -> None:
        """A pod fails (phase Failed) or is deleted."""

        async def act(cluster: Cluster) -> None:
            pods = [p for p in await _pods(cluster) if is_pod_active(p)]
            if not pods:
                return
            name = pods[index % len(pods)].metadata.name
            # The controller may delete it first (NotFound), or be writing it at the same
            # instant (Conflict): the rule is a user's action that may lose such races.
            with contextlib.suppress(NotFound, Conflict):
                if delete:
                    await cluster.delete("pods", "default", name)
                else:
                    status = {"status": {"phase": "Failed"}}
                    await cluster.patch("pods", "default", name, status, subresource="status")

        self.driver.call(act)

    @rule(app=st.sampled_from(APPS), replicas=st.integers(0, 4))
    def scale(self, app: str, replicas: int) -> None:
        patch = {"spec": {"replicas": replicas}}
        self.driver.call(lambda cluster: cluster.patch("replicasets", "default", app, patch))

    @rule(index=st.integers(0, 20), app=st.sampled_from((*APPS, "none")))
    def relabel(self, index: int, app: str) -> None:
        """A pod's labels move it to the other ReplicaSet's selector, or to none."""

        async def act(cluster: Cluster) -> None:
            pods = [p for p in await _pods(cluster) if is_pod_active(p)]
            if pods:
                name = pods[index % len(pods)].metadata.name
                patch = {"metadata": {"labels": {"app": app}}}
                with contextlib.suppress(NotFound):  # deleted meanwhile by a scale-down
                    await cluster.patch("pods", "default", name, patch)

        self.driver.call(act)

    @rule(app=st.sampled_from((*APPS, "none")))
    def add_orphan(self, app: str) -> None:
        self.orphans += 1
        pod = bare_pod(f"orphan-{self.orphans}", {"app": app})
        self.driver.call(lambda cluster: cluster.create(pod))

    @rule(seconds=st.sampled_from([0.01, 0.5, 3.0, 20.0]))
    def advance(self, seconds: float) -> None:
        self.driver.call(lambda cluster: cluster.advance(seconds))

    @invariant()
    def no_pod_has_two_controllers(self) -> None:
        pods: list[Pod] = self.driver.call(_pods)
        for pod in pods:
            controllers = [ref for ref in pod.metadata.owner_references if ref.controller]
            assert len(controllers) <= 1, (pod.metadata.name, controllers)

    def teardown(self) -> None:
        try:
            self.driver.call(self._converged)
        finally:
            self.driver.close()

    async def _converged(self, cluster: Cluster) -> None:
        async def settled() -> bool:
            for app in APPS:
                rs: ReplicaSet = await cluster.get("replicasets", "default", app)
                if await _owned_active(cluster, rs) != rs.spec.replicas:
                    return False
            return True

        assert await cluster.wait_for(settled, timeout=SETTLE_SECONDS, poll=5.0)


ReplicaSetMachine.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReplicaSetMachine = ReplicaSetMachine.TestCase
