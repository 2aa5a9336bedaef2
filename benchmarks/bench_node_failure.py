"""Node failure: 100 of 1,000 nodes go down; how long until every pod has been replaced.

The cluster of bench_density (everything in this process, virtual clock) runs `--pods` pods from
`--deployments` Deployments created with kubectl. Once they are all Running, the kubelets of
`--down` nodes stop (`Cluster.stop_node`: the node goes silent, its containers run on unseen).
Then the node lifecycle controller must notice (nodeMonitorGracePeriod, 50 s), taint the nodes
NoExecute at its eviction rate (--node-eviction-rate 0.1 node/s in a healthy zone), and the taint
manager must delete their pods once the default toleration (300 s) runs out; the ReplicaSet
controller then makes replacements, which the scheduler places on healthy nodes.

Printed: wall and simulated seconds from the failure to every desired pod Running on a healthy
node (pods being deleted not counted), with the simulated times at which the first and the last
pod of a failed node was marked for deletion, and the peak RSS.

Run: python benchmarks/bench_node_failure.py [--nodes 1000] [--down 100] [--pods 10000]
     [--deployments 10] [--trace FILE]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_density import (
    GC_THRESHOLDS,
    DiscardSink,
    cluster_config,
    node_specs,
    peak_rss_gib,
    split,
)
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

IMAGE = "registry.k8s.io/pause:3.10"
RECOVERY_TIMEOUT = 7200.0
POLL = 5.0


class Census:
    """Counts, from etcd's store, the pods that serve and the pods of failed nodes being deleted."""

    def __init__(self, down: set[str]) -> None:
        self.down = down
        self.first_deletion: float | None = None
        self.last_deletion: float | None = None
        self._doomed_seen = 0

    def healthy_running(self, cluster: Cluster) -> int:
        healthy = doomed = 0
        for kv in cluster.etcd_store.range("/registry/pods/", prefix=True).kvs:
            pod = kv.value
            node = pod.spec.node_name
            if pod.metadata.deletion_timestamp is not None:
                doomed += node in self.down
                continue
            running = pod.status is not None and pod.status.phase == "Running"
            healthy += bool(node) and running and node not in self.down
        self._note_deletions(cluster.now, doomed)
        return healthy

    def _note_deletions(self, now: float, doomed: int) -> None:
        if doomed and self.first_deletion is None:
            self.first_deletion = now
        if doomed > self._doomed_seen:
            self.last_deletion = now
            self._doomed_seen = doomed


async def scenario(
    cluster: Cluster, nodes: int, down: int, pods: int, deployments: int
) -> dict[str, Any]:
    await cluster.advance(15)
    for index, replicas in enumerate(split(pods, deployments)):
        result = await cluster.kubectl(
            f"create deployment d{index} --image={IMAGE} --replicas={replicas}"
        )
        if result.exit_code != 0:
            raise RuntimeError(f"kubectl failed: {result}")
    before = Census(set())

    async def all_running() -> bool:
        return before.healthy_running(cluster) >= pods

    if not await cluster.wait_for(all_running, timeout=RECOVERY_TIMEOUT, poll=POLL):
        raise RuntimeError("the pods never all ran before the failure")
    gc.freeze()  # the running cluster lives to the end: no collection walks it again
    # The failed nodes are spread over the cluster: every (nodes // down)-th node.
    failed = [f"node-{number}" for number in range(1, nodes + 1, max(1, nodes // down))][:down]
    census = Census(set(failed))
    on_failed = sum(
        1
        for kv in cluster.etcd_store.range("/registry/pods/", prefix=True).kvs
        if kv.value.spec.node_name in census.down
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    failed_at = cluster.now
    for name in failed:
        await cluster.stop_node(name)

    async def replaced() -> bool:
        return census.healthy_running(cluster) >= pods

    done = await cluster.wait_for(replaced, timeout=RECOVERY_TIMEOUT, poll=POLL)
    return {
        "done": done,
        "on_failed": on_failed,
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu_started,
        "simulated": cluster.now - failed_at,
        "first_deletion": _since(census.first_deletion, failed_at),
        "last_deletion": _since(census.last_deletion, failed_at),
    }


def _since(moment: float | None, origin: float) -> str:
    return "never" if moment is None else f"{moment - origin:.0f} s"


def measure(
    nodes: int, down: int, pods: int, deployments: int, trace: IO[bytes] | None
) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        sink = trace if trace is not None else DiscardSink()
        # As in bench_density: a cluster CIDR with a pod range for every node, and a garbage
        # collector that does not walk the whole (growing) heap every few thousand objects.
        spec = ClusterSpec(nodes=node_specs(nodes), config=cluster_config(nodes))
        gc.set_threshold(*GC_THRESHOLDS)
        async with Cluster(seed=1, trace=sink, spec=spec) as cluster:
            return await scenario(cluster, nodes, down, pods, deployments)

    return run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--down", type=int, default=100)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--deployments", type=int, default=10)
    parser.add_argument("--trace", type=Path, default=None, help="write the trace to this file")
    args = parser.parse_args()
    command = " ".join(["python", "benchmarks/bench_node_failure.py", *sys.argv[1:]])
    trace = args.trace.open("wb") if args.trace else None
    try:
        figures = measure(args.nodes, args.down, args.pods, args.deployments, trace)
    finally:
        if trace:
            trace.close()
    status = "all replaced" if figures["done"] else "NOT all replaced (timed out)"
    print(
        f"node failure: {args.down} of {args.nodes} nodes down, {args.pods} pods "
        f"({figures['on_failed']} on the failed nodes): {status} after {figures['wall']:.1f} s "
        f"wall ({figures['cpu']:.1f} s CPU), {figures['simulated']:.0f} s simulated; "
        f"first pod marked for deletion at "
        f"{figures['first_deletion']}, last at {figures['last_deletion']} (simulated, after the "
        f"failure, to within {POLL:.0f} s); peak RSS {peak_rss_gib():.2f} GiB"
    )
    print(f"reproduce: {command}")


if __name__ == "__main__":
    main()
