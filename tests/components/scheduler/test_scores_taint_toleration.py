"""TaintToleration scoring against Kubernetes' own table.

Rows of taint_toleration_test.go (TestTaintTolerationScore), kept as data in
data/taint_toleration_scores.json; rows marked "known difference" are skipped with the reason.
Neighbours: `builders` (nodes, pods, a loaded core, one plugin's normalised scores).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from k8s_actors.api.objects.scheduling import Taint, Toleration
from tests.components.scheduler.builders import loaded, node, pod, scores_of

TABLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "taint_toleration_scores.json").read_text()
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
def test_taint_toleration_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Untolerated PreferNoSchedule taints, counted and reverse-normalised, give upstream scores."""
    nodes = [
        node(name, taints=msgspec.convert(taints, tuple[Taint, ...]))
        for name, taints in case["nodes"].items()
    ]
    tolerations = msgspec.convert(case["tolerations"], tuple[Toleration, ...])
    scores = scores_of(loaded(nodes), "TaintToleration", pod("pod1", tolerations=tolerations))
    assert scores == case["expected"]
