"""One scheduling cycle, synchronously: filter, score and pick a node for one pod.

Role: schedule_one.go's schedulePod, findNodesThatFitPod, prioritizeNodes and selectHost. The
filtering pass starts where the previous one stopped (nextStartNodeIndex) and stops once
`num_feasible_nodes_to_find` nodes passed; when a single node passes, scoring is skipped. The
best total score wins and ties are broken uniformly with reservoir sampling on the run's
generator. The result keeps the per-plugin scores of the chosen node and of the runner-up for
the trace. Neighbours: `framework` (the plugins), `cache` (nodes), `numfeasible`, `agent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8s_actors.components.scheduler.cache import Cache
from k8s_actors.components.scheduler.framework import (
    CycleState,
    FitError,
    Framework,
    Status,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.numfeasible import num_feasible_nodes_to_find
from k8s_actors.components.scheduler.podinfo import PodInfo

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in

__all__ = ["ScheduleResult", "Scheduler"]

NO_NODES_MESSAGE = "no nodes available to schedule pods"


class ScheduleResult:
    """Where the pod goes and why: counts and scores for the trace."""

    __slots__ = ("evaluated", "feasible", "node", "runner_up", "scores", "total")

    def __init__(
        self,
        node: str,
        evaluated: int,
        feasible: int,
        total: int = 0,
        scores: dict[str, int] | None = None,
        runner_up: tuple[str, int, dict[str, int]] | None = None,
    ) -> None:
        self.node = node
        self.evaluated = evaluated
        self.feasible = feasible
        self.total = total
        self.scores = scores or {}
        self.runner_up = runner_up


class NoNodesAvailable(Exception):
    """The cluster has no node at all (ErrNoNodesAvailable)."""

    def __str__(self) -> str:
        return NO_NODES_MESSAGE


class Scheduler:
    """The synchronous core of kube-scheduler for one profile."""

    def __init__(
        self,
        cache: Cache,
        framework: Framework,
        rng: random.Random,
        percentage_of_nodes_to_score: int = 0,
    ) -> None:
        self.cache = cache
        self.framework = framework
        self.rng = rng
        self.percentage = percentage_of_nodes_to_score
        self.next_start_node_index = 0

    def schedule(self, pod: PodInfo, state: CycleState | None = None) -> ScheduleResult:
        """Pick a node, or raise FitError / NoNodesAvailable."""
        state = state if state is not None else CycleState()
        nodes = self.cache.node_list()
        if not nodes:
            raise NoNodesAvailable()
        feasible, statuses, evaluated = self.find_nodes_that_fit(state, pod, nodes)
        if not feasible:
            error = FitError(pod, len(nodes), statuses)
            pre = state.data.get("__pre_filter_failure")
            if isinstance(pre, Status):
                error.pre_filter_message = pre.message
            raise error
        if len(feasible) == 1:
            return ScheduleResult(feasible[0].name, evaluated, 1)
        self.framework.run_pre_score(state, pod, feasible)
        totals, by_plugin = self.framework.run_score(state, pod, feasible)
        return self._select_host(feasible, totals, by_plugin, evaluated)

    def find_nodes_that_fit(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[list[NodeInfo], dict[str, Status], int]:
        """(feasible nodes, status of each rejected node, number of nodes evaluated)."""
        statuses: dict[str, Status] = {}
        failure = self.framework.run_pre_filter(state, pod)
        if failure is not None:
            state.data["__pre_filter_failure"] = failure
            for node in nodes:
                statuses[node.name] = failure
            return [], statuses, len(nodes)
        wanted = num_feasible_nodes_to_find(len(nodes), self.percentage)
        total = len(nodes)
        start = self.next_start_node_index % total
        feasible: list[NodeInfo] = []
        evaluated = 0
        # Filter in chunks just large enough to find what is still wanted: the same nodes as
        # a node-by-node pass would examine, with one plugin call per chunk.
        while evaluated < total and len(feasible) < wanted:
            size = min(wanted - len(feasible), total - evaluated)
            begin = (start + evaluated) % total
            chunk = nodes[begin : begin + size]
            if len(chunk) < size:
                chunk += nodes[: size - len(chunk)]
            evaluated += size
            feasible += self.framework.run_filter(state, pod, chunk, statuses)
        self.next_start_node_index = (start + evaluated) % total
        return feasible, statuses, evaluated

    def _select_host(
        self,
        nodes: list[NodeInfo],
        totals: list[int],
        by_plugin: dict[str, list[int]],
        evaluated: int,
    ) -> ScheduleResult:
        """selectHost: the best total wins; among equal totals each is equally likely.

        Reservoir sampling over the ties (one draw per tie, as upstream) and a single draw
        among the counted ties give every tied node the same chance; the single draw is used.
        """
        best_score = max(totals)
        ties = [i for i, score in enumerate(totals) if score == best_score]
        best = ties[self.rng.randrange(len(ties))] if len(ties) > 1 else ties[0]
        second = -1
        if len(ties) > 1:
            second = ties[0] if ties[0] != best else ties[1]
        else:
            lower = [score for score in totals if score < best_score]
            if lower:
                second = totals.index(max(lower))
        runner_up = None
        if second >= 0:
            runner_up = (
                nodes[second].name,
                totals[second],
                {name: scores[second] for name, scores in by_plugin.items()},
            )
        return ScheduleResult(
            nodes[best].name,
            evaluated,
            len(nodes),
            best_score,
            {name: scores[best] for name, scores in by_plugin.items()},
            runner_up,
        )
