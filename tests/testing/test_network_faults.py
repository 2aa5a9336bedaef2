"""Under latency, loss and restarts, watches stay in order and informer caches converge.

Each test replays a case the state machine found: jitter that reordered a link's watch events,
lost watch events that left the Deployment controller's caches stale for good, and a restarted
kube-controller-manager whose informers were handed another resource's objects.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from k8s_actors.api.objects.workloads import Deployment
from k8s_actors.kernel import AddressSet, FaultRule, Verdict
from k8s_actors.messages import StopWatch, WatchEvent
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.checks import LIVENESS, Checks
from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.fixtures import open_cluster
from k8s_actors.testing.invariants.watches import (
    informer_caches_converge,
    informers_of,
    install,
    watch_events_in_order,
)
from k8s_actors.testing.operations import (
    Apply,
    ComponentCrash,
    LatencyFault,
    Operation,
    Scale,
    SetImage,
    inject_fault,
    perform,
)

CONTROLLER_MANAGER = "kube-controller-manager"
Step = Operation | LatencyFault | ComponentCrash


def deployment(replicas: int, strategy: str = "RollingUpdate") -> Apply:
    return Apply(
        manifest={
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": replicas,
                "strategy": {"type": strategy},
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.24"}]},
                },
            },
        }
    )


def play(driver: ClusterDriver, steps: list[Step], settle: float) -> Any:
    """Play the steps a second apart, let `settle` seconds pass, and return what the watch and
    liveness invariants report: (events in order, caches converge, liveness, foreign objects)."""

    async def run(cluster: Cluster) -> tuple[list[str], list[str], list[str], list[str]]:
        log = install(cluster)
        for index, step in enumerate(steps):
            if isinstance(step, (LatencyFault, ComponentCrash)):
                await inject_fault(cluster, step, driver.spawn, index=index)
            else:
                await perform(cluster, step)
            await cluster.advance(1.0)
        await cluster.advance(settle)
        liveness = Checks(cluster, (), tuple(LIVENESS)).liveness()
        caches = informer_caches_converge(cluster)
        return watch_events_in_order(log), caches, liveness, foreign_objects(cluster)

    return driver.call(run)


def foreign_objects(cluster: Cluster) -> list[str]:
    """Objects an informer holds that are not of its own resource."""
    found = []
    for name in cluster.supervisor.names():
        for informer in informers_of(cluster.supervisor.actor(name)):
            for obj in informer.indexer.list():
                if type(obj) is not informer.info.struct_type:
                    found.append(f"{name} {informer.info.resource}: {type(obj).__name__}")
    return found


def test_jitter_on_a_link_keeps_the_watch_events_in_order() -> None:
    """Latency with jitter between kube-apiserver and the controllers delays, never reorders."""
    jitter = LatencyFault(
        between=("kube-apiserver", CONTROLLER_MANAGER), add=0.05, jitter=1.0, seconds=30.0
    )
    steps: list[Step] = [
        jitter,
        deployment(4),
        SetImage(name="web", image="nginx:1.25"),
        Scale(name="web", replicas=2),
    ]
    with open_cluster(seed=3) as driver:
        in_order, caches, liveness, _ = play(driver, steps, settle=60.0)
    assert (in_order, caches, liveness) == ([], [], [])


@dataclass(eq=False)
class Lose(FaultRule):
    """Drops the next `count` messages of type `payload` (those carrying a `kind` object, when
    set), nothing else."""

    payload: type = WatchEvent
    kind: type | None = None
    count: int = 1

    def judge(self, rng: random.Random) -> Verdict:
        return Verdict()

    def judge_message(self, rng: random.Random, src: str, dst: str, payload: object) -> Verdict:
        if not self.count or not isinstance(payload, self.payload):
            return Verdict()
        if self.kind is not None and not isinstance(getattr(payload, "obj", None), self.kind):
            return Verdict()
        self.count -= 1
        return Verdict(dropped=True, reason="message_loss")


def test_a_lost_watch_event_does_not_leave_the_deployment_controller_stale() -> None:
    """The controllers miss the Deployment's new template: the next bookmark shows the gap, the
    informer watches again from its last resourceVersion and the rollout completes (before, the
    controller stayed at "observedGeneration 1 of 2" until its watch timed out, 5 to 10 min)."""
    lose = Lose(kind=Deployment, target=AddressSet((CONTROLLER_MANAGER,)))

    async def lose_the_next_event(cluster: Cluster) -> None:
        cluster.bus.faults.append(lose)

    with open_cluster() as driver:
        play(driver, [deployment(3)], settle=30.0)
        driver.call(lose_the_next_event)
        in_order, caches, liveness, _ = play(
            driver, [SetImage(name="web", image="nginx:1.25")], settle=90.0
        )
    assert lose.count == 0
    assert (in_order, caches, liveness) == ([], [], [])


def test_a_restarted_controller_manager_caches_only_its_own_resources() -> None:
    """A crashed instance's StopWatch messages are lost, so kube-apiserver keeps streaming its
    watches to the address. Its informers had watched again (timeouts of 5 to 10 min), so those
    watch ids belong to other resources than the same ids of the next instance, once that one
    watches again too: each of its informers must hold only its own resource's objects (a
    priorityclasses informer was seen holding Leases), and its caches converge."""
    lose = Lose(payload=StopWatch, count=-1, source=AddressSet((CONTROLLER_MANAGER,)))

    async def lose_stop_watches(cluster: Cluster) -> None:
        cluster.bus.faults.append(lose)

    async def deliver_again(cluster: Cluster) -> None:
        cluster.bus.faults.remove(lose)

    with open_cluster() as driver:
        play(driver, [deployment(3)], settle=650.0)
        driver.call(lose_stop_watches)
        play(driver, [ComponentCrash(component=CONTROLLER_MANAGER, seconds=2.0)], settle=5.0)
        driver.call(deliver_again)
        steps: list[Step] = [Scale(name="web", replicas=5)]
        seen = []
        for _ in range(13):  # every 50 s, through the next instance's own watch timeouts
            in_order, caches, liveness, foreign = play(driver, steps, settle=50.0)
            seen += foreign
            steps = []
    assert lose.count < -1  # StopWatch messages were lost
    assert (in_order, caches, liveness, seen) == ([], [], [], [])
