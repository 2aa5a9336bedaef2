"""Client test helpers: etcd and kube-apiserver on a virtual-time loop, and component actors.

`serve(body)` starts `etcd-0` and `kube-apiserver` under a supervisor and runs `body` with a
`Cluster` handle; `cluster.component(name)` starts a `Probe`, a `ComponentActor` whose `api` the
test drives and which keeps every message that is not a watch event. `FakeServer` answers API
requests with a scripted function, for tests of the client alone.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.client import ComponentActor
from k8s_actors.components.apiserver import ApiServer
from k8s_actors.components.etcd import Etcd
from k8s_actors.kernel import (
    Actor,
    ActorSpec,
    Bus,
    Clock,
    Envelope,
    FaultRule,
    IdSource,
    Supervisor,
    run,
)
from k8s_actors.store import Store

T = TypeVar("T")
APISERVER = "kube-apiserver"


class Probe(ComponentActor):
    """A component that does nothing on its own; tests drive `api` and read `received`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.received: list[Envelope] = []

    def receive(self, envelope: Envelope) -> None:
        self.received.append(envelope)


@dataclass
class Cluster:
    """One running etcd + kube-apiserver pair, and the run's pieces."""

    bus: Bus
    clock: Clock
    rng: random.Random
    supervisor: Supervisor

    async def component(self, name: str = "probe") -> Probe:
        actor = await self.supervisor.start(ActorSpec(name, lambda: Probe(name), restart="never"))
        assert isinstance(actor, Probe)
        return actor

    async def start(self, name: str, factory: Callable[[], Actor]) -> Actor:
        return await self.supervisor.start(ActorSpec(name, factory, restart="never"))

    def add_fault(self, rule: FaultRule) -> None:
        self.bus.faults.append(rule)

    def remove_fault(self, rule: FaultRule) -> None:
        self.bus.faults.remove(rule)

    async def settle(self, seconds: float = 0.01) -> None:
        """Let the messages in flight be delivered and handled."""
        await self.clock.sleep(seconds)


def serve(body: Callable[[Cluster], Awaitable[T]], *, seed: int = 0) -> T:
    """Run `body` against a fresh etcd + kube-apiserver on a virtual-time loop."""

    async def main() -> T:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        rng = random.Random(seed)
        bus = Bus(clock, rng)
        disk = Store()
        failure: BaseException | None = None
        async with Supervisor(bus, clock, IdSource(rng), rng) as supervisor:
            await supervisor.start(ActorSpec("etcd-0", lambda: Etcd(store=disk)))
            await supervisor.start(ActorSpec(APISERVER, ApiServer))
            try:
                result = await body(Cluster(bus, clock, rng, supervisor))
            except Exception as error:  # re-raised outside the task group: a plain traceback
                failure = error
        if failure is not None:
            raise failure
        return result

    return run(main)


Script = Callable[[Envelope], object]
"""Answers one request envelope: the reply payload, or None to answer nothing."""


class FakeServer(Actor):
    """Stands at the API server's address and answers each request with `script`."""

    def __init__(self, script: Script, name: str = APISERVER) -> None:
        super().__init__(name)
        self.script = script
        self.requests: list[object] = []

    def receive(self, envelope: Envelope) -> None:
        self.requests.append(envelope.payload)
        answer = self.script(envelope)
        if answer is not None and envelope.correlation:
            self.ctx.reply(envelope, answer)


def with_fake(body: Callable[[Supervisor, Clock], Awaitable[T]], script: Script) -> T:
    """Run `body` with a `FakeServer` (answering with `script`) in place of the API server."""

    async def main() -> T:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        rng = random.Random(0)
        failure: BaseException | None = None
        async with Supervisor(Bus(clock, rng), clock, IdSource(rng), rng) as supervisor:
            await supervisor.start(ActorSpec(APISERVER, lambda: FakeServer(script)))
            try:
                result = await body(supervisor, clock)
            except Exception as error:
                failure = error
        if failure is not None:
            raise failure
        return result

    return run(main)


# -- builders ------------------------------------------------------------------------------------


def pod(name: str, *, namespace: str = "default", labels: dict[str, str] | None = None) -> Pod:
    """A one-container pod."""
    return Pod(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or {}),
        spec=PodSpec(containers=(Container(name="app", image="nginx:1.25"),)),
    )


def config_map(name: str, data: dict[str, str] | None = None, **labels: str) -> ConfigMap:
    return ConfigMap(
        metadata=ObjectMeta(name=name, namespace="default", labels=labels), data=data or {}
    )


def names(objects: list[Any]) -> list[str]:
    return [obj.metadata.name for obj in objects]
