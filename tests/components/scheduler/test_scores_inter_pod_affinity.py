"""InterPodAffinity scoring against Kubernetes' own table.

A representative subset of the rows of interpodaffinity/scoring_test.go (TestPreferredAffinity),
kept as data in data/inter_pod_affinity_scores.json with the Go test's shared label sets and
affinities by name; rows marked "known difference" are skipped with the reason. Every node is a
candidate, and nodes carry exactly the labels the row gives them. Neighbours: `builders`.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.scheduling import Affinity
from k8s_actors.components.scheduler import CycleState, PodInfo
from k8s_actors.components.scheduler.framework import SKIP
from tests.components.scheduler.builders import loaded, node, pod, upstream_cases, upstream_table

TABLE = upstream_table("inter_pod_affinity_scores")
PLUGIN = "InterPodAffinity"


def _labels(name: str | None) -> dict[str, str]:
    return {} if name is None else dict(TABLE["labels"][name])


def _affinity(name: str | None) -> Affinity | None:
    return None if name is None else msgspec.convert(TABLE["affinities"][name], Affinity)


def _node(name: str, labels: str) -> Node:
    """A node with exactly the named label set (no implicit hostname label)."""
    built = node(name)
    meta = msgspec.structs.replace(built.metadata, labels=_labels(labels))
    return msgspec.structs.replace(built, metadata=meta)


def _pod(
    name: str,
    labels: str | None,
    affinity: str | None,
    *,
    node_name: str = "",
    namespace: str = "default",
) -> Pod:
    return pod(
        name,
        node_name=node_name,
        namespace=namespace,
        labels=_labels(labels),
        affinity=_affinity(affinity),
    )


@pytest.mark.parametrize("case", upstream_cases(TABLE))
def test_inter_pod_affinity_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Preferred (anti-)affinity and the existing pods' symmetric terms give upstream scores."""
    existing = [
        _pod(f"e{i}", labels, affinity, node_name=where)
        for i, (where, labels, affinity) in enumerate(case["pods"])
    ]
    core = loaded([_node(name, labels) for name, labels in case["nodes"].items()], existing)
    plugin = core.framework.plugin(PLUGIN)
    assert plugin is not None
    spec = case["pod"]
    namespace = case.get("podNamespace", "default")
    info = PodInfo(_pod("p", spec["labels"], spec["affinity"], namespace=namespace))
    state = CycleState()
    core.framework.run_pre_filter(state, info)
    nodes = core.cache.node_list()
    status = plugin.pre_score(state, info, nodes)
    if case.get("wantStatus") == "Skip":
        assert status is SKIP
        return
    assert status is None
    scores = plugin.score(state, info, nodes)
    plugin.normalize(state, info, nodes, scores)
    assert {n.name: s for n, s in zip(nodes, scores, strict=True)} == case["expected"]
