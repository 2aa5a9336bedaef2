"""TaintToleration scoring against Kubernetes' own table.

Rows of taint_toleration_test.go (TestTaintTolerationScore), kept as data in
data/taint_toleration_scores.json; rows marked "known difference" are skipped with the reason.
Neighbours: `builders` (nodes, pods, a loaded core, one plugin's normalised scores).
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from k8s_actors.api.objects.scheduling import Taint, Toleration
from tests.components.scheduler.builders import (
    loaded,
    node,
    pod,
    scores_of,
    upstream_cases,
    upstream_table,
)

TABLE = upstream_table("taint_toleration_scores")


@pytest.mark.parametrize("case", upstream_cases(TABLE))
def test_taint_toleration_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Untolerated PreferNoSchedule taints, counted and reverse-normalised, give upstream scores."""
    nodes = [
        node(name, taints=msgspec.convert(taints, tuple[Taint, ...]))
        for name, taints in case["nodes"].items()
    ]
    tolerations = msgspec.convert(case["tolerations"], tuple[Toleration, ...])
    scores = scores_of(loaded(nodes), "TaintToleration", pod("pod1", tolerations=tolerations))
    assert scores == case["expected"]
