"""numFeasibleNodesToFind: Kubernetes' adaptive percentage (schedule_one_test.go cases)."""

from __future__ import annotations

import pytest

from k8s_actors.components.scheduler import num_feasible_nodes_to_find

CASES = [
    # (nodes, percentageOfNodesToScore, expected)
    (10, 0, 10),
    (99, 0, 99),
    (100, 0, 100),
    (1000, 0, 420),
    (1000, 40, 400),
    (5000, 0, 500),
    (6000, 0, 300),
    (6000, 20, 1200),
    (10000, 0, 500),
    (100, 5, 100),
    (1000, 5, 100),
    (1000, 100, 1000),
]


@pytest.mark.parametrize(("nodes", "percentage", "expected"), CASES)
def test_num_feasible_nodes_to_find(nodes: int, percentage: int, expected: int) -> None:
    """The count filtering stops at, for each size and setting."""
    assert num_feasible_nodes_to_find(nodes, percentage) == expected
