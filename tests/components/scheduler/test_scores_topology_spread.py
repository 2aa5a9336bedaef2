"""PodTopologySpread scoring against Kubernetes' own table.

A representative subset of the rows of podtopologyspread/scoring_test.go
(TestPodTopologySpreadScore), kept as data in data/topology_spread_scores.json. As in the Go
test, `nodes` are the candidates handed to PreScore and Score, while `failedNodes` sit only in
the snapshot (their pods still count); nodes carry exactly the labels the row gives them.
Neighbours: `builders`.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from k8s_actors.api.labels import Selector
from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.scheduling import TopologySpreadConstraint
from k8s_actors.components.scheduler import CycleState, PodInfo, Scheduler
from tests.components.scheduler.builders import loaded, node, pod, upstream_cases, upstream_table

TABLE = upstream_table("topology_spread_scores")
PLUGIN = "PodTopologySpread"


def _node(name: str, labels: dict[str, str]) -> Node:
    """A node with exactly these labels (no implicit hostname label)."""
    built = node(name)
    return msgspec.structs.replace(
        built, metadata=msgspec.structs.replace(built.metadata, labels=labels)
    )


def _incoming(spec: dict[str, Any]) -> Pod:
    bare = pod("p", labels=spec["labels"])
    constraints = msgspec.convert(spec["constraints"], tuple[TopologySpreadConstraint, ...])
    return msgspec.structs.replace(
        bare, spec=msgspec.structs.replace(bare.spec, topology_spread_constraints=constraints)
    )


def _candidate_scores(core: Scheduler, incoming: Pod, candidates: list[str]) -> dict[str, int]:
    """PreScore, Score and NormalizeScore over the candidate nodes only."""
    plugin = core.framework.plugin(PLUGIN)
    assert plugin is not None
    by_name = {n.name: n for n in core.cache.node_list()}
    nodes = [by_name[name] for name in candidates]
    info = PodInfo(incoming)
    state = CycleState()
    core.framework.run_pre_filter(state, info)
    assert plugin.pre_score(state, info, nodes) is None
    scores = plugin.score(state, info, nodes)
    plugin.normalize(state, info, nodes, scores)
    return dict(zip(candidates, scores, strict=True))


@pytest.mark.parametrize("case", upstream_cases(TABLE))
def test_topology_spread_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Matching pods per domain, weighted by ln(domains + 2), give the upstream scores."""
    every = {**case["nodes"], **case["failedNodes"]}
    nodes = [_node(name, labels) for name, labels in every.items()]
    existing = [
        pod(name, node_name=where, labels=labels) for name, where, labels in case["existingPods"]
    ]
    core = loaded(nodes, existing)
    if "serviceSelector" in case:
        service = Selector.from_set(case["serviceSelector"])
        plugin = core.framework.plugin(PLUGIN)
        assert plugin is not None
        plugin.handle.selectors = lambda info: [service]
    incoming = _incoming(case["pod"])
    assert _candidate_scores(core, incoming, list(case["nodes"])) == case["expected"]
