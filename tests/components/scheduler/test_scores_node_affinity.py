"""NodeAffinity scoring against Kubernetes' own table.

Rows of node_affinity_test.go (TestNodeAffinityPriority), kept as data in
data/node_affinity_scores.json (named affinities and label sets, as the Go test shares them);
rows marked "known difference" are skipped with the reason. Neighbours: `builders`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from k8s_actors.api.objects.scheduling import Affinity
from tests.components.scheduler.builders import loaded, node, pod, scores_of

TABLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "node_affinity_scores.json").read_text()
)


def _rows() -> list[Any]:
    return [
        pytest.param(
            case,
            id=case["name"],
            marks=[pytest.mark.skip(reason=case["known difference"])]
            if "known difference" in case
            else [],
        )
        for case in TABLE["cases"]
    ]


@pytest.mark.parametrize("case", _rows())
def test_node_affinity_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Summed weights of matched preferred terms, normalised to 0..100, give upstream scores."""
    nodes = [node(name, labels=TABLE["labels"][label]) for name, label in case["nodes"].items()]
    named = case["affinity"]
    affinity = None if named is None else msgspec.convert(TABLE["affinities"][named], Affinity)
    scores = scores_of(loaded(nodes), "NodeAffinity", pod("pod1", affinity=affinity))
    assert scores == case["expected"]
