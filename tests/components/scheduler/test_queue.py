"""The scheduling queue: order, back-off timings, moves on events, the 5-minute flush."""

from __future__ import annotations

from k8s_actors.components.scheduler import PodInfo, SchedulingQueue
from tests.components.scheduler.builders import pod


def info(name: str, priority: int = 0) -> PodInfo:
    return PodInfo(pod(name, priority=priority))


def events_of(plugin: str) -> tuple[str, ...]:
    return {"NodeResourcesFit": ("NodeAdd", "AssignedPodDelete")}.get(plugin, ())


def test_higher_priority_first_then_oldest() -> None:
    """PrioritySort: priority descending, then the earlier queue timestamp."""
    queue = SchedulingQueue()
    queue.add(info("late-low"), 2.0)
    queue.add(info("early-low"), 1.0)
    queue.add(info("high", 10), 3.0)
    order = [queue.pop().name for _ in range(3)]  # type: ignore[union-attr]
    assert order == ["high", "early-low", "late-low"]
    assert queue.pop() is None


def test_backoff_doubles_from_one_second_up_to_ten() -> None:
    """1 s, 2 s, 4 s, 8 s, then 10 s for every further attempt."""
    queue = SchedulingQueue()
    item = info("p")
    durations = []
    for attempts in range(1, 7):
        item.attempts = attempts
        durations.append(queue.backoff_duration(item))
    assert durations == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_error_retry_waits_in_backoff_until_it_expires() -> None:
    """A failed pod leaves backoffQ exactly when its back-off ends."""
    queue = SchedulingQueue()
    queue.add(info("p"), 0.0)
    popped = queue.pop()
    assert popped is not None
    queue.add_after_error(popped, 5.0)
    assert queue.flush_backoff(5.9) == 0
    assert queue.pop() is None
    assert queue.next_deadline() == 6.0
    assert queue.flush_backoff(6.0) == 1
    assert queue.pop() is popped


def test_unschedulable_pod_moves_only_on_an_event_its_plugin_registered() -> None:
    """A NodeAdd moves a pod rejected by NodeResourcesFit; an unrelated event does not."""
    queue = SchedulingQueue(events_of=events_of)
    queue.add(info("p"), 0.0)
    popped = queue.pop()
    assert popped is not None
    cycle = queue.scheduling_cycle
    queue.add_unschedulable(popped, ("NodeResourcesFit",), cycle, 0.0)
    assert "default/p" in queue.unschedulable
    assert queue.move_on_event("AssignedPodAdd", 0.5) == 0
    assert queue.move_on_event("NodeAdd", 0.5) == 1
    # Still inside its 1 s back-off: backoffQ, then activeQ once it ends.
    assert queue.where["default/p"] == "backoff"
    assert queue.flush_backoff(1.0) == 1
    assert queue.pop() is popped


def test_event_during_the_cycle_sends_the_pod_to_backoff_not_unschedulable() -> None:
    """A move request after the pod's cycle began: it must not miss that event."""
    queue = SchedulingQueue(events_of=events_of)
    queue.add(info("p"), 0.0)
    popped = queue.pop()
    assert popped is not None
    cycle = queue.scheduling_cycle
    queue.move_on_event("NodeAdd", 0.0)
    queue.add_unschedulable(popped, ("NodeResourcesFit",), cycle, 0.0)
    assert "default/p" not in queue.unschedulable
    assert queue.where["default/p"] == "backoff"


def test_unschedulable_pods_are_flushed_after_five_minutes() -> None:
    """podMaxInUnschedulablePodsDuration: 300 s without a helpful event, then retried."""
    queue = SchedulingQueue(events_of=events_of)
    queue.add(info("p"), 0.0)
    popped = queue.pop()
    assert popped is not None
    queue.add_unschedulable(popped, ("NodeResourcesFit",), queue.scheduling_cycle, 10.0)
    assert queue.next_deadline() == 310.0
    assert queue.flush_unschedulable(309.0) == 0
    assert queue.flush_unschedulable(310.0) == 1
    assert queue.pop() is popped


def test_delete_forgets_a_pod_wherever_it_waits() -> None:
    """A deleted pending pod is never popped."""
    queue = SchedulingQueue()
    queue.add(info("p"), 0.0)
    queue.delete("default/p")
    assert queue.pop() is None
    assert len(queue) == 0
