"""kube-scheduler throughput: pods placed per second against 5,000 nodes, 10,000 pods.

The workload of kube-scheduler's scheduler_perf "SchedulingBasic/5000Nodes_10000Pods" (whose CI
threshold is 680-810 pods/s): identical nodes, plain pods with small requests, the default
profile with every score plugin kept. Two figures are printed:

* core: the synchronous scheduling core (cache + framework + queue pop), nodes and pods loaded
  in memory, each chosen node assumed in the cache - no bus, no API server;
* end to end: etcd + kube-apiserver + kube-scheduler on the virtual clock, pods created through
  the API and bound through pods/binding; reported per second of wall time.

Run: python benchmarks/bench_scheduler.py [--nodes 5000] [--pods 10000] [--e2e-pods 2000]
     [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node, NodeCondition, NodeSpec, NodeStatus
from k8s_actors.api.objects.container import Container, ResourceRequirements
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.scheduler import (
    Cache,
    CycleState,
    Handle,
    PodInfo,
    Scheduler,
    default_framework,
)

NODE_CAPACITY = {"cpu": "4", "memory": "32Gi", "pods": "110"}
POD_REQUESTS = {"cpu": "100m", "memory": "500Mi"}


def make_node(index: int) -> Node:
    resources = {k: Quantity.parse(v) for k, v in NODE_CAPACITY.items()}
    name = f"node-{index}"
    return Node(
        metadata=ObjectMeta(name=name, labels={"kubernetes.io/hostname": name}),
        spec=NodeSpec(),
        status=NodeStatus(
            capacity=resources,
            allocatable=resources,
            conditions=(NodeCondition(type="Ready", status="True"),),
        ),
    )


def make_pod(index: int) -> Pod:
    requests = {k: Quantity.parse(v) for k, v in POD_REQUESTS.items()}
    return Pod(
        metadata=ObjectMeta(name=f"pod-{index}", namespace="default", uid=f"uid-{index}"),
        spec=PodSpec(
            containers=(
                Container(
                    name="pause",
                    image="registry.k8s.io/pause:3.10",
                    resources=ResourceRequirements(requests=requests),
                ),
            ),
            scheduler_name="default-scheduler",
            priority=0,
        ),
    )


def bench_core(nodes: int, pods: int, profile: bool) -> tuple[float, float]:
    cache = Cache()
    for index in range(nodes):
        cache.add_node(make_node(index))
    rng = random.Random(1)
    core = Scheduler(cache, default_framework(Handle(cache, rng=rng)), rng)
    infos = [PodInfo(make_pod(i)) for i in range(pods)]
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    cpu_started = time.process_time()
    if profiler:
        profiler.enable()
    for info in infos:
        result = core.schedule(info, CycleState())
        cache.assume(info, result.node)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return pods / elapsed, pods / cpu


def bench_e2e(nodes: int, pods: int) -> tuple[float, float]:
    from k8s_actors.kernel import run
    from k8s_actors.scenario.cluster import Cluster

    async def main() -> tuple[float, float]:
        async with Cluster(seed=1) as cluster:
            for index in range(nodes):
                await cluster.create(make_node(index))
            await cluster.advance(5)
            started = time.perf_counter()
            virtual_start = cluster.now
            for index in range(pods):
                await cluster.create(make_pod(index))

            async def all_bound() -> bool:
                listed = await cluster.list("pods", "default", field_selector="spec.nodeName=")
                return not listed

            await cluster.wait_for(all_bound, timeout=3600, poll=1.0)
            return time.perf_counter() - started, cluster.now - virtual_start

    wall, virtual = run(main)
    return pods / wall, pods / virtual if virtual else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--e2e-pods", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    command = " ".join(["python", "benchmarks/bench_scheduler.py", *sys.argv[1:]])
    rate, cpu_rate = bench_core(args.nodes, args.pods, args.profile)
    # Per second of wall time, and per second of this process's CPU time (the figure that
    # stays put when other processes share the machine).
    print(
        f"core: {rate:,.0f} pods/s of wall time, {cpu_rate:,.0f} pods/s of CPU time "
        f"({args.pods} pods on {args.nodes} nodes)"
    )
    if args.e2e_pods:
        wall, virtual = bench_e2e(args.nodes, args.e2e_pods)
        print(
            f"end to end: {wall:,.0f} pods/s of wall time, {virtual:,.0f} pods/s of simulated time "
            f"({args.e2e_pods} pods on {args.nodes} nodes, through kube-apiserver)"
        )
    print(f"reproduce: {command}")


if __name__ == "__main__":
    main()
