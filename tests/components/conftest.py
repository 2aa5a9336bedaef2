"""Component test helpers: etcd and kube-apiserver on a virtual loop, builders, a watch recorder.

`serve(body)` starts `etcd-0` and `kube-apiserver` under a supervisor and runs `body` with an `Api`
handle that sends requests over the bus as a client would. `WatchRecorder` is an actor that opens
watches and keeps every event it receives with its envelope (to check trace context).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

import msgspec

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.machinery import Status
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.components.apiserver import ApiServer
from k8s_actors.components.etcd import Etcd
from k8s_actors.kernel import (
    Actor,
    ActorSpec,
    Bus,
    Clock,
    Envelope,
    IdSource,
    Supervisor,
    TraceContext,
    run,
)
from k8s_actors.messages import ApiRequest, ApiResponse, EtcdWatchEvents, Watch, WatchEvent
from k8s_actors.store import Store

T = TypeVar("T")
APISERVER = "kube-apiserver"
replace = msgspec.structs.replace


class Where(TypedDict):
    """The path part of a request, to spread into it: `Get(**PODS, name="p")`."""

    resource: str
    namespace: str


class GroupWhere(Where):
    group: str


PODS: Where = {"resource": "pods", "namespace": "default"}
APPS: GroupWhere = {"resource": "deployments", "group": "apps", "namespace": "default"}


class WatchRecorder(Actor):
    """A client that keeps every watch event it receives (API or etcd), with its envelope."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.envelopes: list[Envelope] = []

    def receive(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, WatchEvent | EtcdWatchEvents):
            self.envelopes.append(envelope)

    @property
    def etcd_batches(self) -> list[EtcdWatchEvents]:
        return [e.payload for e in self.envelopes if isinstance(e.payload, EtcdWatchEvents)]

    @property
    def events(self) -> list[WatchEvent]:
        return [e.payload for e in self.envelopes if isinstance(e.payload, WatchEvent)]

    def seen(self, watch_id: int = 1) -> list[tuple[str, str]]:
        """(type, name) of each event of one watch, in arrival order."""
        return [(e.type, e.obj.metadata.name) for e in self.events if e.watch_id == watch_id]  # type: ignore[attr-defined]

    def clear(self) -> None:
        self.envelopes.clear()

    async def watch(self, resource: str, **fields: Any) -> ApiResponse:
        """Open a watch (watch_id 1 unless given); the answer says whether it was accepted."""
        fields.setdefault("watch_id", 1)
        reply = await self.ctx.request(APISERVER, Watch(resource=resource, **fields))
        assert isinstance(reply.payload, ApiResponse)
        return reply.payload


@dataclass
class Api:
    """One running etcd + kube-apiserver pair and the means to talk to it."""

    bus: Bus
    clock: Clock
    supervisor: Supervisor
    store: Store

    async def call(
        self, request: ApiRequest, ctx: TraceContext | None = None, src: str = "kubectl"
    ) -> ApiResponse:
        reply = await self.bus.request(src, APISERVER, request, ctx)
        assert isinstance(reply.payload, ApiResponse)
        return reply.payload

    async def ok(self, request: ApiRequest) -> Any:
        """The object of a successful answer (fails the test on an error Status)."""
        response = await self.call(request)
        assert response.ok, response.status
        return response.obj

    async def fail(self, request: ApiRequest, code: int) -> Status:
        """The Status of a failed answer, checking its HTTP code."""
        response = await self.call(request)
        assert response.code == code, (response.code, response.status, response.obj)
        assert isinstance(response.status, Status)
        assert response.status.code == code
        return response.status

    async def recorder(self, name: str = "watcher") -> WatchRecorder:
        actor = await self.supervisor.start(ActorSpec(name, lambda: WatchRecorder(name)))
        assert isinstance(actor, WatchRecorder)
        return actor

    async def settle(self) -> None:
        """Let every message in flight be delivered (a tiny step of virtual time)."""
        await self.clock.sleep(0.001)

    def now(self) -> str:
        return self.clock.timestamp()


def serve(
    body: Callable[[Api], Awaitable[T]],
    *,
    seed: int = 0,
    store: Store | None = None,
    apiserver: bool = True,
) -> T:
    """Run `body` against a fresh etcd (+ kube-apiserver unless told not) on a virtual loop."""

    async def main() -> T:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        rng = random.Random(seed)
        bus = Bus(clock, rng)
        disk = store if store is not None else Store()
        failure: BaseException | None = None
        async with Supervisor(bus, clock, IdSource(rng), rng) as supervisor:
            await supervisor.start(ActorSpec("etcd-0", lambda: Etcd(store=disk)))
            if apiserver:
                await supervisor.start(ActorSpec(APISERVER, ApiServer))
            try:
                result = await body(Api(bus, clock, supervisor, disk))
            except Exception as error:  # re-raised outside the task group: a plain traceback
                failure = error
        if failure is not None:
            raise failure
        return result

    return run(main)


# -- builders ----------------------------------------------------------------------------------


def pod(
    name: str,
    *,
    node: str = "",
    labels: dict[str, str] | None = None,
    namespace: str = "",
    grace: int | None = None,
) -> Pod:
    """A one-container pod, optionally already bound to `node`."""
    return Pod(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or {}),
        spec=PodSpec(
            containers=(Container(name="app", image="nginx:1.25"),),
            node_name=node,
            termination_grace_period_seconds=grace,
        ),
    )


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME}
spec:
  replicas: 3
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.25"}
      - {name: sidecar, image: "busybox:1.36"}
"""


def deployment(name: str = "web") -> Any:
    """A defaulted apps/v1 Deployment of 3 replicas with two containers."""
    (obj,) = load_manifests(DEPLOYMENT.replace("NAME", name))
    return obj
