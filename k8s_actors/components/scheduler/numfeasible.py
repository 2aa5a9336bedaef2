"""How many feasible nodes a scheduling cycle looks for before it stops filtering.

Role: schedule_one.go numFeasibleNodesToFind. Small clusters are searched whole; beyond 100
nodes the adaptive percentage starts at 50% and falls by 1 point per 125 nodes, never below 5%,
and never fewer than 100 nodes. Neighbours: `core` (its only caller).
"""

from __future__ import annotations

__all__ = ["MIN_FEASIBLE_NODES_TO_FIND", "num_feasible_nodes_to_find"]

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(num_all_nodes: int, percentage: int = 0) -> int:
    """`percentage` 0 means adaptive (percentageOfNodesToScore's default)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND or percentage >= 100:
        return num_all_nodes
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        percentage = max(percentage, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    found = num_all_nodes * percentage // 100
    return max(found, MIN_FEASIBLE_NODES_TO_FIND)
