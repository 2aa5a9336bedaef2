"""The scheduling core: node selection, the rotating start, FitError messages, preemption."""

from __future__ import annotations

import pytest

from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.components.scheduler import CycleState, FitError, PodInfo
from k8s_actors.components.scheduler.framework import Code, Status, fit_error_message
from k8s_actors.components.scheduler.plugins.default_preemption import VICTIMS
from tests.components.scheduler.builders import loaded, node, pod

CONTROL_PLANE = Taint(key="node-role.kubernetes.io/control-plane", effect="NoSchedule")


def test_ties_are_broken_by_the_generator_and_every_tied_node_can_win() -> None:
    """Identical empty nodes tie; different seeds pick different nodes, each one a tied node."""
    chosen = set()
    for seed in range(20):
        core = loaded([node(f"n{i}") for i in range(4)], seed=seed)
        chosen.add(core.schedule(PodInfo(pod("p", {"cpu": "1"}))).node)
    assert chosen == {"n0", "n1", "n2", "n3"}


def test_result_names_the_runner_up_with_its_plugin_scores() -> None:
    """The busier node is the runner-up; both carry the per-plugin scores."""
    core = loaded([node("idle"), node("busy")], [pod("e", {"cpu": "2"}, node_name="busy")])
    result = core.schedule(PodInfo(pod("p", {"cpu": "1"})))
    assert result.node == "idle"
    assert result.runner_up is not None and result.runner_up[0] == "busy"
    assert result.scores["NodeResourcesFit"] > result.runner_up[2]["NodeResourcesFit"]
    assert result.total == sum(
        score * {"TaintToleration": 3}.get(name, 1) for name, score in result.scores.items()
    )


def test_filtering_stops_at_the_feasible_count_and_resumes_where_it_stopped() -> None:
    """200 nodes: 100 feasible found per cycle (numFeasibleNodesToFind), start index rotates."""
    core = loaded([node(f"n{i:03}") for i in range(200)])
    first = core.schedule(PodInfo(pod("a", {"cpu": "1"})))
    assert (first.evaluated, first.feasible) == (100, 100)
    assert core.next_start_node_index == 100
    core.schedule(PodInfo(pod("b", {"cpu": "1"})))
    assert core.next_start_node_index == 0


def test_fit_error_message_is_kubernetes_one() -> None:
    """Sorted "count reason" entries, then the PostFilter message, each ending in a period."""
    core = loaded(
        [node("cp", taints=(CONTROL_PLANE,)), node("w1", {"cpu": "1"}), node("w2", {"cpu": "1"})]
    )
    info = PodInfo(pod("x", {"cpu": "2"}))
    with pytest.raises(FitError) as caught:
        core.schedule(info)
    error = caught.value
    assert str(error) == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu."
    )
    error.post_filter_message = "preemption: " + fit_error_message(
        3,
        {
            n: Status(
                Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "Preemption is not helpful for scheduling"
            )
            for n in ("cp", "w1", "w2")
        },
    )
    assert str(error).endswith(
        "2 Insufficient cpu. preemption: 0/3 nodes are available: "
        "3 Preemption is not helpful for scheduling.."
    )


def test_preemption_picks_the_node_with_the_lowest_priority_victims() -> None:
    """Victims of priority 1 are preferred over victims of priority 5; only as many as needed."""
    existing = [
        pod("a1", {"cpu": "1"}, node_name="n1", priority=5),
        pod("a2", {"cpu": "1"}, node_name="n1", priority=5),
        pod("b1", {"cpu": "1"}, node_name="n2", priority=1),
        pod("b2", {"cpu": "1"}, node_name="n2", priority=1),
    ]
    core = loaded([node("n1", {"cpu": "2"}), node("n2", {"cpu": "2"})], existing)
    info = PodInfo(pod("high", {"cpu": "1"}, priority=100))
    state = CycleState()
    with pytest.raises(FitError) as caught:
        core.schedule(info, state)
    nominated, status = core.framework.run_post_filter(state, info, caught.value.statuses)
    assert status is None
    assert nominated == "n2"
    assert len(state.data[VICTIMS]) == 1
    assert state.data[VICTIMS][0].priority == 1


def test_preemption_is_not_helpful_against_taints() -> None:
    """Nodes rejected as unresolvable are never preemption candidates."""
    core = loaded([node("cp", taints=(CONTROL_PLANE,))], [pod("low", {}, node_name="cp")])
    info = PodInfo(pod("high", {}, priority=100))
    state = CycleState()
    with pytest.raises(FitError) as caught:
        core.schedule(info, state)
    nominated, status = core.framework.run_post_filter(state, info, caught.value.statuses)
    assert nominated == ""
    assert status is not None
    assert status.message == (
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )
