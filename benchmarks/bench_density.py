"""Cluster density: N nodes, M pods from `kubectl create deployment`, until every pod is Running.

The whole cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, one kubelet and
one kube-proxy per node, kubectl) runs in this process on the virtual clock. The pods come from
`--deployments` Deployments made by the kubectl actor (`kubectl create deployment dN
--image=registry.k8s.io/pause:3.10 --replicas=R`), so they travel the real path: Deployment
controller, ReplicaSet controller, scheduler, kubelet (sandbox, CNI, pull, start), status.
Running pods are counted straight from etcd's store (a list through the API server of 150,000
pods would cost more than what it measures). Printed: wall seconds and simulated seconds from the
first kubectl command to all pods Running (and this process's CPU seconds, the figure that
stays put when other processes share the machine), the cluster's setup (every node registered
and Ready) in wall and CPU seconds, and the process's peak RSS (ru_maxrss).

The tracer is always on; `--trace FILE` writes the trace to a file, otherwise each encoded
line is handed to a sink that discards it (the cost of building records remains).

The garbage collector is tuned as long-running Python servers tune it: a larger first-generation
threshold, and the cluster as set up (nodes registered) frozen out of later collections
(`gc.freeze`). With CPython's defaults every full collection walks the whole heap, which grows
with the cluster: at 100 nodes / 3,000 pods they took a fifth of the CPU. `--gc-default` keeps
the defaults.

Run: python benchmarks/bench_density.py [--nodes 100] [--pods 3000] [--deployments 1]
     [--trace FILE] [--profile] [--poll 1] [--gc-default]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import ipaddress
import pstats
import resource
import sys
import time
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from k8s_actors.api.quantity import Quantity
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import CONFIG_DEFAULTS, DEFAULT_CAPACITY, ClusterSpec, NodeSpec

IMAGE = "registry.k8s.io/pause:3.10"
# Where self time is charged, by the first matching fragment of the function's file path.
COMPONENTS = (
    ("apiserver/watchcache", "watch cache"),
    ("components/apiserver", "apiserver"),
    ("components/etcd", "etcd"),
    ("k8s_actors/store", "etcd"),
    ("components/scheduler", "scheduler"),
    ("components/kubelet", "kubelet"),
    ("components/controller_manager", "controllers"),
    ("components/kube_proxy", "kube-proxy"),
    ("components/dns", "coredns"),
    ("components/kubectl", "kubectl"),
    ("k8s_actors/client", "client (informers, requests)"),
    ("kernel/bus", "bus"),
    ("k8s_actors/trace", "trace"),
    ("structlog", "trace"),
    ("k8s_actors/kernel", "kernel (actors, clock, supervisor)"),
    ("k8s_actors/api", "api (objects, labels, codec)"),
    ("asyncio", "event loop (asyncio, anyio)"),
    ("anyio", "event loop (asyncio, anyio)"),
    ("benchmarks/", "benchmark (counting pods)"),
    ("~", "C built-ins (msgspec, dict, ...), callers' share"),
)
# Simulated seconds allowed for the whole rollout before the benchmark gives up.
ROLLOUT_TIMEOUT = 7200.0
# Allocations between young-generation collections (CPython's default is 700), and how many
# young and middle collections precede a middle and a full one.
GC_THRESHOLDS = (50_000, 20, 10)


class DiscardSink:
    """A trace sink that drops every line: the tracer's record building is kept, the I/O not."""

    def write(self, data: bytes, /) -> int:
        return len(data)


def node_specs(count: int) -> tuple[NodeSpec, ...]:
    """`count` identical nodes as a `nodes:` group would give them (110 pods each)."""
    capacity = {key: Quantity.parse(text) for key, text in DEFAULT_CAPACITY.items()}
    return tuple(
        NodeSpec(
            name=f"node-{number}",
            capacity=capacity,
            allocatable=dict(capacity),
            labels={"kubernetes.io/hostname": f"node-{number}", "kubernetes.io/os": "linux"},
        )
        for number in range(1, count + 1)
    )


def cluster_config(nodes: int) -> dict[str, Any]:
    """The default settings, with a cluster CIDR holding a /24 pod range for every node.

    The default 10.244.0.0/16 holds 256 node ranges: the node IPAM controller leaves the
    257th node and beyond without a podCIDR (CIDRNotAvailable), their pods never get an IP
    and the rollout never ends. Large clusters are set up with a wider --cluster-cidr; this
    widens 10.244.0.0/16 just enough (10.224.0.0/11 for 5,000 nodes, clear of the Service
    range 10.96.0.0/12).
    """
    mask = int(CONFIG_DEFAULTS["nodeCIDRMaskSize"])
    prefix = min(16, mask - max(0, nodes - 1).bit_length())
    cidr = ipaddress.ip_network(f"10.244.0.0/{prefix}", strict=False)
    return {**CONFIG_DEFAULTS, "clusterCIDR": str(cidr)}


def split(total: int, parts: int) -> list[int]:
    """`total` replicas over `parts` Deployments, as even as possible."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def running_pods(cluster: Cluster) -> int:
    """Pods bound to a node and Running, read from etcd's store."""
    count = 0
    for kv in cluster.etcd_store.range("/registry/pods/", prefix=True).kvs:
        pod = kv.value
        if pod.spec.node_name and pod.status is not None and pod.status.phase == "Running":
            count += 1
    return count


def component_shares(stats: pstats.Stats) -> list[tuple[str, float]]:
    """CPU self time per component, from the profile's per-function tottime."""
    totals: dict[str, float] = {}
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        where = next((label for part, label in COMPONENTS if part in filename), "other")
        totals[where] = totals.get(where, 0.0) + tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def print_profile(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(25)
    shares = component_shares(stats)
    total = sum(seconds for _, seconds in shares) or 1.0
    print("CPU self time by component:")
    for label, seconds in shares:
        print(f"  {label:<36} {seconds:8.1f} s  {100 * seconds / total:5.1f} %")


def peak_rss_gib() -> float:
    """The process's peak resident set size (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024)


async def rollout(cluster: Cluster, pods: int, deployments: int, poll: float) -> dict[str, Any]:
    """Create the Deployments through kubectl; wait for every pod Running; the figures."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    virtual_start = cluster.now
    for index, replicas in enumerate(split(pods, deployments)):
        result = await cluster.kubectl(
            f"create deployment d{index} --image={IMAGE} --replicas={replicas}"
        )
        if result.exit_code != 0:
            raise RuntimeError(f"kubectl failed: {result}")

    async def all_running() -> bool:
        return running_pods(cluster) >= pods

    done = await cluster.wait_for(all_running, timeout=ROLLOUT_TIMEOUT, poll=poll)
    return {
        "done": done,
        "running": running_pods(cluster),
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu_started,
        "simulated": cluster.now - virtual_start,
        "records": cluster.tracer.records,
    }


def measure(
    nodes: int,
    pods: int,
    deployments: int,
    poll: float,
    trace: IO[bytes] | None,
    tune_gc: bool = True,
) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        setup_started = time.perf_counter()
        setup_cpu_started = time.process_time()
        sink = trace if trace is not None else DiscardSink()
        if tune_gc:
            gc.set_threshold(*GC_THRESHOLDS)
        spec = ClusterSpec(nodes=node_specs(nodes), config=cluster_config(nodes))
        async with Cluster(seed=1, trace=sink, spec=spec) as c:
            # Let every kubelet register its Node and report Ready before the clock starts.
            await c.advance(15)
            if tune_gc:
                gc.freeze()  # what exists now lives to the end: no collection walks it again
            setup = time.perf_counter() - setup_started
            setup_cpu = time.process_time() - setup_cpu_started
            figures = await rollout(c, pods, deployments, poll)
            figures["setup"] = setup
            figures["setup_cpu"] = setup_cpu
            return figures

    return run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--pods", type=int, default=3000)
    parser.add_argument("--deployments", type=int, default=1)
    parser.add_argument("--poll", type=float, default=1.0, help="simulated seconds between counts")
    parser.add_argument("--trace", type=Path, default=None, help="write the trace to this file")
    parser.add_argument("--profile", action="store_true", help="cProfile; top 25 cum and tottime")
    parser.add_argument(
        "--gc-default", action="store_true", help="keep CPython's garbage collector settings"
    )
    args = parser.parse_args()
    command = " ".join(["python", "benchmarks/bench_density.py", *sys.argv[1:]])
    # CPU time, not wall time: the figures hold when other processes share the machine.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    trace = args.trace.open("wb") if args.trace else None
    if profiler:
        profiler.enable()
    try:
        figures = measure(
            args.nodes, args.pods, args.deployments, args.poll, trace, not args.gc_default
        )
    finally:
        if profiler:
            profiler.disable()
        if trace:
            trace.close()
    if profiler:
        print_profile(profiler)
    status = "all Running" if figures["done"] else f"TIMED OUT, {figures['running']} Running"
    print(
        f"density: {args.nodes} nodes, {args.pods} pods in {args.deployments} Deployment(s): "
        f"{status} after {figures['wall']:.1f} s wall ({figures['cpu']:.1f} s CPU), "
        f"{figures['simulated']:.1f} s simulated; "
        f"setup {figures['setup']:.1f} s wall ({figures['setup_cpu']:.1f} s CPU); "
        f"peak RSS {peak_rss_gib():.2f} GiB; "
        f"{figures['records']:,} trace records ({'file' if args.trace else 'discarded'}); "
        f"gc {'default' if args.gc_default else 'tuned'}"
    )
    print(f"reproduce: {command}")


if __name__ == "__main__":
    main()
