"""NodeResourcesFit and BalancedAllocation against Kubernetes' own test tables.

Rows of least_allocated_test.go (TestLeastAllocatedScoringStrategy) and
balanced_allocation_test.go (TestNodeResourcesBalancedAllocation), with cpu in millicores and
memory in bytes as the Go tests give them; plus the filter's reasons.
"""

from __future__ import annotations

import pytest

from k8s_actors.api.objects.cluster import Node
from k8s_actors.components.scheduler import CycleState, PodInfo
from tests.components.scheduler.builders import loaded, node, pod, scores_of

Req = dict[str, str]
CPU_ONLY: list[Req] = [{"cpu": "1000m", "memory": "0"}, {"cpu": "2000m", "memory": "0"}]
CPU_AND_MEMORY: list[Req] = [
    {"cpu": "1000m", "memory": "2000"},
    {"cpu": "2000m", "memory": "3000"},
]


def sized(name: str, milli_cpu: int, memory: int) -> Node:
    return node(name, {"cpu": f"{milli_cpu}m", "memory": str(memory)})


# (name, incoming containers, nodes (milli cpu, memory), existing (node, containers), expected)
LEAST_ALLOCATED = [
    ("nothing scheduled, nothing requested", [], [(4000, 10000), (4000, 10000)], [], [100, 100]),
    (
        "nothing scheduled, resources requested, differently sized nodes",
        CPU_AND_MEMORY,
        [(4000, 10000), (6000, 10000)],
        [],
        [37, 50],
    ),
    (
        "no resources requested, pods scheduled",
        [],
        [(4000, 10000), (4000, 10000)],
        [("node1", []), ("node1", []), ("node2", []), ("node2", [])],
        [100, 100],
    ),
    (
        "no resources requested, pods scheduled with resources",
        [],
        [(10000, 20000), (10000, 20000)],
        [
            ("node1", [{"cpu": "3000m", "memory": "0"}]),
            ("node1", [{"cpu": "3000m", "memory": "0"}]),
            ("node2", [{"cpu": "3000m", "memory": "0"}]),
            ("node2", [{"cpu": "3000m", "memory": "5000"}]),
        ],
        [70, 57],
    ),
    (
        "resources requested, pods scheduled with resources",
        CPU_AND_MEMORY,
        [(10000, 20000), (10000, 20000)],
        [
            ("node1", [{"cpu": "3000m", "memory": "0"}]),
            ("node2", [{"cpu": "3000m", "memory": "5000"}]),
        ],
        [57, 45],
    ),
    (
        "resources requested, pods scheduled with resources, differently sized nodes",
        CPU_AND_MEMORY,
        [(10000, 20000), (10000, 50000)],
        [
            ("node1", [{"cpu": "3000m", "memory": "0"}]),
            ("node2", [{"cpu": "3000m", "memory": "5000"}]),
        ],
        [57, 60],
    ),
    (
        "requested resources exceed node capacity",
        [{"cpu": "3000m", "memory": "0"}],
        [(4000, 10000), (4000, 10000)],
        [
            ("node1", [{"cpu": "3000m", "memory": "0"}]),
            ("node2", [{"cpu": "3000m", "memory": "5000"}]),
        ],
        [50, 25],
    ),
]

BALANCED = [
    (
        "nothing scheduled, resources requested, differently sized nodes",
        CPU_AND_MEMORY,
        [(4000, 10000), (6000, 10000)],
        [],
        [87, 100],
    ),
    (
        "resources requested, pods scheduled with resources",
        CPU_AND_MEMORY,
        [(10000, 20000), (10000, 20000)],
        [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)],
        [82, 95],
    ),
    (
        "resources requested, pods scheduled with resources, differently sized nodes",
        CPU_AND_MEMORY,
        [(10000, 20000), (10000, 50000)],
        [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)],
        [82, 80],
    ),
    (
        "requested resources at node capacity",
        CPU_ONLY,
        [(6000, 10000), (6000, 10000)],
        [("node1", CPU_ONLY), ("node2", CPU_AND_MEMORY)],
        [50, 75],
    ),
]


def _scores(
    plugin: str,
    incoming: list[Req],
    sizes: list[tuple[int, int]],
    existing: list[tuple[str, list[Req]]],
) -> list[int]:
    nodes = [sized(f"node{i + 1}", cpu, mem) for i, (cpu, mem) in enumerate(sizes)]
    pods = [pod(f"e{i}", *reqs, node_name=where) for i, (where, reqs) in enumerate(existing)]
    core = loaded(nodes, pods)
    scores = scores_of(core, plugin, pod("incoming", *incoming))
    return [scores[f"node{i + 1}"] for i in range(len(sizes))]


@pytest.mark.parametrize(("name", "incoming", "sizes", "existing", "expected"), LEAST_ALLOCATED)
def test_least_allocated_scores_as_kubernetes(
    name: str,
    incoming: list[Req],
    sizes: list[tuple[int, int]],
    existing: list[tuple[str, list[Req]]],
    expected: list[int],
) -> None:
    """LeastAllocated (non-zero requests, cpu:memory 1:1) gives the upstream scores."""
    assert _scores("NodeResourcesFit", incoming, sizes, existing) == expected


@pytest.mark.parametrize(("name", "incoming", "sizes", "existing", "expected"), BALANCED)
def test_balanced_allocation_scores_as_kubernetes(
    name: str,
    incoming: list[Req],
    sizes: list[tuple[int, int]],
    existing: list[tuple[str, list[Req]]],
    expected: list[int],
) -> None:
    """BalancedAllocation ((1 - std) * 100 over actual requests) gives the upstream scores."""
    assert _scores("NodeResourcesBalancedAllocation", incoming, sizes, existing) == expected


def test_balanced_allocation_skips_best_effort_pods() -> None:
    """A pod requesting nothing: PreScore answers Skip."""
    core = loaded([node("node1")])
    plugin = core.framework.plugin("NodeResourcesBalancedAllocation")
    assert plugin is not None
    status = plugin.pre_score(CycleState(), PodInfo(pod("p", {})), core.cache.node_list())
    assert status is not None and status.code.name == "SKIP"


def test_fit_filter_lists_every_insufficient_resource_and_too_many_pods() -> None:
    """Too many pods, then cpu, memory, each as its own reason."""
    full = node("node1", {"cpu": "1", "memory": "1Gi", "pods": "1"})
    core = loaded([full], [pod("e", {"cpu": "500m"}, node_name="node1")])
    info = PodInfo(pod("p", {"cpu": "1", "memory": "2Gi"}))
    state = CycleState()
    assert core.framework.run_pre_filter(state, info) is None
    status = core.framework.run_filter_one(state, info, core.cache.node_list()[0])
    assert status is not None
    assert status.reasons == ("Too many pods", "Insufficient cpu", "Insufficient memory")
