"""kube-apiserver throughput: pod creates per second under watch load, and a 100,000-pod list.

Run: python -m benchmarks.bench_apiserver [--pods N] [--nodes M] [--list-pods K] [--concurrency C]

Creates: a client actor creates N pods, pre-bound round-robin to M nodes through spec.nodeName,
with C requests in flight, through kube-apiserver into etcd. Measured three times, each on a fresh
cluster: with no watcher, with one watcher of all pods, and with one watcher per node selecting
`spec.nodeName=node-i` (what M kubelets do). A run ends when every create is answered and every
watcher has received its events. The point of the last ratio: the node index of the watch cache
makes M node-selected watchers cost about one watcher's work, not M times it.

List: K pods are written straight into etcd's store before the apiserver starts (loading them
through the apiserver would only measure creates again); the apiserver's start-up list fills its
watch cache, then one ListRequest of the namespace is timed (served from the cache).

Figures are wall-clock seconds of one process on the virtual-time loop (no simulated latency).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec

from k8s_actors.api.defaults import default_object
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod, PodSpec, PodStatus
from k8s_actors.api.registry import REGISTRY
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
    run,
)
from k8s_actors.messages import ApiResponse, Create, ListRequest, Watch, WatchEvent
from k8s_actors.store import Store

APISERVER = "kube-apiserver"
NAMESPACE = "default"


def make_pod(index: int, nodes: int) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=f"pod-{index:06d}", labels={"app": f"app-{index % 50}"}),
        spec=PodSpec(
            containers=(Container(name="app", image="nginx:1.25"),),
            node_name=f"node-{index % nodes}",
        ),
    )


class Watcher(Actor):
    """Counts the watch events it receives; signals once it has seen `expected`."""

    def __init__(self, name: str, expected: int, done: asyncio.Event) -> None:
        super().__init__(name)
        self.expected = expected
        self.seen = 0
        self.done = done

    def receive(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, WatchEvent):
            self.seen += 1
            if self.seen == self.expected:
                self.done.set()

    async def open(self, field_selector: str) -> None:
        watch = Watch(resource="pods", watch_id=1, field_selector=field_selector)
        reply = await self.ctx.request(APISERVER, watch)
        assert isinstance(reply.payload, ApiResponse) and reply.payload.ok, reply.payload


class Creator(Actor):
    """Creates pods with `concurrency` requests in flight; signals when all are answered."""

    def __init__(self, name: str, pods: list[Pod], concurrency: int, done: asyncio.Event) -> None:
        super().__init__(name)
        self.pods = pods
        self.concurrency = concurrency
        self.done = done
        self.failed = 0
        self._left = 0

    async def started(self) -> None:
        self._left = len(self.pods)
        queue = iter(self.pods)
        for _ in range(self.concurrency):
            self.ctx.tasks.start_soon(self._worker, queue)

    async def _worker(self, queue: Iterator[Pod]) -> None:
        for pod in queue:
            request = Create(resource="pods", namespace=NAMESPACE, body=pod)
            reply = (await self.ctx.request(APISERVER, request)).payload
            assert isinstance(reply, ApiResponse)
            self.failed += 0 if reply.ok else 1
            self._left -= 1
            if self._left == 0:
                self.done.set()


@dataclass
class CreateRun:
    seconds: float
    events: int
    failed: int
    gc_seconds: float


class GcTimer:
    """Adds up the time the cyclic garbage collector runs (it scans every tracked object)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def _cluster(supervisor: Supervisor, store: Store | None = None) -> None:
    disk = store if store is not None else Store()
    await supervisor.start(ActorSpec("etcd-0", lambda: Etcd(store=disk)))
    await supervisor.start(ActorSpec(APISERVER, ApiServer))


def _world() -> tuple[Clock, Bus, IdSource, random.Random]:
    clock = Clock()
    clock.bind(asyncio.get_running_loop())
    rng = random.Random(0)
    return clock, Bus(clock, rng), IdSource(rng), rng


def measure_creates(pods: int, nodes: int, watchers: str, concurrency: int) -> CreateRun:
    """Create `pods` pods with no watcher ("none"), one ("one") or one per node ("nodes")."""

    async def main() -> CreateRun:
        clock, bus, ids, rng = _world()
        batch = [make_pod(i, nodes) for i in range(pods)]
        async with Supervisor(bus, clock, ids, rng) as supervisor:
            await _cluster(supervisor)
            watching: list[tuple[Watcher, asyncio.Event]] = []
            if watchers == "one":
                watching.append(await _watcher(supervisor, "watch-all", pods, ""))
            elif watchers == "nodes":
                per_node = [len(range(n, pods, nodes)) for n in range(nodes)]
                for n in range(nodes):
                    selector = f"spec.nodeName=node-{n}"
                    watching.append(
                        await _watcher(supervisor, f"kubelet-{n}", per_node[n], selector)
                    )
            created = asyncio.Event()
            with GcTimer() as collector:
                started = time.perf_counter()
                creator = await supervisor.start(
                    ActorSpec("client", lambda: Creator("client", batch, concurrency, created))
                )
                await created.wait()
                for watcher, done in watching:
                    if watcher.expected:
                        await done.wait()
                seconds = time.perf_counter() - started
            events = sum(w.seen for w, _ in watching)
            assert isinstance(creator, Creator)
            return CreateRun(seconds, events, creator.failed, collector.seconds)

    return run(main)


async def _watcher(
    supervisor: Supervisor, name: str, expected: int, selector: str
) -> tuple[Watcher, asyncio.Event]:
    done = asyncio.Event()
    actor = await supervisor.start(ActorSpec(name, lambda: Watcher(name, expected, done)))
    assert isinstance(actor, Watcher)
    await actor.open(selector)
    return actor, done


def preload(store: Store, pods: int, nodes: int) -> None:
    """Write `pods` stored-form pods straight into etcd's store (what creates would leave)."""
    info = REGISTRY.for_name("pods")
    replace = msgspec.structs.replace
    for i in range(pods):
        pod = default_object(make_pod(i, nodes))
        meta = replace(
            pod.metadata,
            namespace=NAMESPACE,
            uid=f"00000000-0000-4000-8000-{i:012d}",
            creation_timestamp="2025-01-01T00:00:00Z",
        )
        stored = replace(pod, metadata=meta, status=PodStatus(phase="Pending"))
        store.put(info.storage_key(NAMESPACE, meta.name), stored)


def measure_list(pods: int, nodes: int) -> tuple[float, float, int]:
    """Seconds to preload, and to list every pod of the namespace from the watch cache."""
    store = Store()
    started = time.perf_counter()
    preload(store, pods, nodes)
    preload_seconds = time.perf_counter() - started

    async def main() -> tuple[float, int]:
        clock, bus, ids, rng = _world()
        async with Supervisor(bus, clock, ids, rng) as supervisor:
            await _cluster(supervisor, store)
            warm = ListRequest(resource="pods", namespace=NAMESPACE, limit=1)
            await bus.request("kubectl", APISERVER, warm)  # waits for the cache to be filled
            begin = time.perf_counter()
            reply = (
                await bus.request(
                    "kubectl", APISERVER, ListRequest(resource="pods", namespace=NAMESPACE)
                )
            ).payload
            seconds = time.perf_counter() - begin
            assert isinstance(reply, ApiResponse) and reply.ok
            return seconds, len(reply.obj.items)  # type: ignore[attr-defined]

    seconds, count = run(main)
    return preload_seconds, seconds, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pods", type=int, default=20_000, help="pods created per measurement")
    parser.add_argument("--nodes", type=int, default=1_000, help="nodes (and node watchers)")
    parser.add_argument("--list-pods", type=int, default=100_000, help="pods in the timed list")
    parser.add_argument("--concurrency", type=int, default=200, help="creates in flight")
    args = parser.parse_args()
    print("reproduce:", "python -m benchmarks.bench_apiserver", *sys.argv[1:])
    print(f"creates: {args.pods:,} pods on {args.nodes:,} nodes, {args.concurrency} in flight")
    rates: dict[str, float] = {}
    for label, watchers in (
        ("0 watchers", "none"),
        ("1 watcher (all pods)", "one"),
        (f"{args.nodes:,} node watchers", "nodes"),
    ):
        result = measure_creates(args.pods, args.nodes, watchers, args.concurrency)
        rates[watchers] = args.pods / result.seconds
        print(
            f"  {label:<24} {rates[watchers]:10,.0f} creates/s  "
            f"({result.seconds:5.2f} s, of which GC {result.gc_seconds:4.2f} s; "
            f"{result.events:,} watch events, {result.failed} failed)"
        )
    ratio = rates["nodes"] / rates["one"]
    print(f"  rate with {args.nodes:,} node watchers / rate with 1 watcher: {ratio:.2f}")
    preload_seconds, seconds, count = measure_list(args.list_pods, args.nodes)
    print(
        f"list: {count:,} pods preloaded straight into etcd's store ({preload_seconds:.1f} s), "
        "then served from the watch cache"
    )
    print(f"  one ListRequest of the namespace: {seconds * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
