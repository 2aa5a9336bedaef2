"""NodeAffinity scoring against Kubernetes' own table.

Rows of node_affinity_test.go (TestNodeAffinityPriority), kept as data in
data/node_affinity_scores.json (named affinities and label sets, as the Go test shares them);
rows marked "known difference" are skipped with the reason. Neighbours: `builders`.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from k8s_actors.api.objects.scheduling import Affinity
from tests.components.scheduler.builders import (
    loaded,
    node,
    pod,
    scores_of,
    upstream_cases,
    upstream_table,
)

TABLE = upstream_table("node_affinity_scores")


@pytest.mark.parametrize("case", upstream_cases(TABLE))
def test_node_affinity_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Summed weights of matched preferred terms, normalised to 0..100, give upstream scores."""
    nodes = [node(name, labels=TABLE["labels"][label]) for name, label in case["nodes"].items()]
    named = case["affinity"]
    affinity = None if named is None else msgspec.convert(TABLE["affinities"][named], Affinity)
    scores = scores_of(loaded(nodes), "NodeAffinity", pod("pod1", affinity=affinity))
    assert scores == case["expected"]
