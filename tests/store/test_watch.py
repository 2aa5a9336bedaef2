"""Tests of watches (`k8s_actors.store.watch` through `Store.watch`) and `Store.events_since`."""

from __future__ import annotations

import pytest

from k8s_actors.store import (
    Compacted,
    Delete,
    Event,
    EventType,
    FutureRevision,
    KeyValue,
    Put,
    Store,
    Watcher,
)


class Recorder:
    """A watch callback that keeps each call's events."""

    def __init__(self) -> None:
        self.calls: list[list[Event]] = []

    def __call__(self, events: list[Event]) -> None:
        self.calls.append(events)

    @property
    def summary(self) -> list[list[tuple[str, str, int]]]:
        return [[(e.type.value, e.kv.key, e.revision) for e in call] for call in self.calls]


def test_a_key_watch_sees_puts_and_deletes_of_that_key_only() -> None:
    store = Store()
    seen = Recorder()
    store.watch("a", callback=seen)
    store.put("a", 1)
    store.put("ab", 1)
    store.delete("a")
    assert seen.summary == [[("PUT", "a", 2)], [("DELETE", "a", 4)]]


def test_events_carry_the_new_and_previous_versions() -> None:
    store = Store()
    seen = Recorder()
    store.put("a", 1)
    store.watch("a", callback=seen)
    store.put("a", 2)
    store.delete("a")
    put, delete = seen.calls[0][0], seen.calls[1][0]
    assert put.kv == KeyValue("a", 2, 2, 3, 2)
    assert put.prev_kv == KeyValue("a", 1, 2, 2, 1)
    assert delete.type is EventType.DELETE
    assert (delete.kv.key, delete.kv.mod_revision, delete.prev_kv) == ("a", 4, put.kv)


def test_a_prefix_watch_gets_one_call_per_transaction_in_op_order() -> None:
    store = Store()
    seen = Recorder()
    store.watch("/p/", prefix=True, callback=seen)
    store.txn([], [Put("/p/b", 1), Put("/q", 1), Put("/p/a", 1)])
    assert seen.summary == [[("PUT", "/p/b", 2), ("PUT", "/p/a", 2)]]


def test_a_range_watch_sees_keys_in_its_range() -> None:
    store = Store()
    seen = Recorder()
    store.watch("b", end="d", callback=seen)
    for key in ("a", "b", "c", "d"):
        store.put(key, 1)
    assert [call[0].kv.key for call in seen.calls] == ["b", "c"]


def test_watchers_are_called_in_creation_order() -> None:
    store = Store()
    order: list[str] = []
    store.watch("", prefix=True, callback=lambda _: order.append("prefix"))
    store.watch("a", callback=lambda _: order.append("key"))
    store.watch("a", end="b", callback=lambda _: order.append("range"))
    store.put("a", 1)
    assert order == ["prefix", "key", "range"]


def test_a_watch_from_an_old_revision_replays_history_in_one_call() -> None:
    store = Store()
    store.put("a", 1)
    store.put("b", 1)
    store.txn([], [Put("a", 2), Delete("b")])
    seen = Recorder()
    store.watch("", prefix=True, start_revision=3, callback=seen)
    store.put("c", 1)
    assert seen.summary == [
        [("PUT", "b", 3), ("PUT", "a", 4), ("DELETE", "b", 4)],
        [("PUT", "c", 5)],
    ]


def test_a_watch_from_a_future_revision_waits_for_it() -> None:
    store = Store()
    seen = Recorder()
    store.watch("a", start_revision=4, callback=seen)
    for value in (1, 2, 3):
        store.put("a", value)
    assert seen.summary == [[("PUT", "a", 4)]]


def test_a_watch_from_a_compacted_revision_fails() -> None:
    store = Store()
    for value in range(5):
        store.put("a", value)
    store.compact(4)
    with pytest.raises(Compacted) as caught:
        store.watch("a", start_revision=3, callback=Recorder())
    assert (caught.value.compact_revision, caught.value.requested_revision) == (4, 3)
    seen = Recorder()
    store.watch("a", start_revision=4, callback=seen)
    assert [e.revision for e in seen.calls[0]] == [4, 5, 6]


def test_a_cancelled_watcher_gets_nothing() -> None:
    store = Store()
    seen = Recorder()
    watcher = store.watch("a", callback=seen)
    watcher.cancel()
    watcher.cancel()
    store.put("a", 1)
    assert seen.calls == []
    assert not watcher.active


def test_a_watcher_cancelled_by_an_earlier_callback_of_the_same_write_gets_nothing() -> None:
    store = Store()
    seen = Recorder()
    victim: list[Watcher] = []
    store.watch("a", callback=lambda _: victim[0].cancel())
    victim.append(store.watch("a", callback=seen))
    store.put("a", 1)
    assert seen.calls == []


def test_a_write_from_a_callback_is_delivered_after_the_current_one() -> None:
    store = Store()
    first, second = Recorder(), Recorder()

    def echo(events: list[Event]) -> None:
        first(events)
        if events[0].kv.key == "a":
            store.put("b", 1)

    store.watch("", prefix=True, callback=echo)
    store.watch("", prefix=True, callback=second)
    store.put("a", 1)
    assert first.summary == second.summary == [[("PUT", "a", 2)], [("PUT", "b", 3)]]


def test_a_watch_started_inside_a_callback_sees_each_event_once() -> None:
    store = Store()
    late = Recorder()

    def start_another(events: list[Event]) -> None:
        if events[0].revision == 3:
            store.watch("", prefix=True, start_revision=2, callback=late)

    store.watch("", prefix=True, callback=start_another)
    store.put("a", 1)
    store.put("b", 1)
    store.put("c", 1)
    assert late.summary == [[("PUT", "a", 2), ("PUT", "b", 3)], [("PUT", "c", 4)]]


def test_thousands_of_prefix_watchers_are_found_through_the_index() -> None:
    store = Store()
    seen = Recorder()
    for index in range(2000):
        store.watch(f"/registry/pods/ns{index}/", prefix=True, callback=seen)
    store.put("/registry/pods/ns7/web", 1)
    store.put("/registry/nodes/n1", 1)
    assert seen.summary == [[("PUT", "/registry/pods/ns7/web", 2)]]


def test_events_since_returns_the_writes_after_a_revision() -> None:
    store = Store()
    store.put("a", 1)
    store.put("b", 1, meta="span")
    store.delete("a")
    events = store.events_since(2)
    assert [(e.type, e.kv.key, e.meta) for e in events] == [
        (EventType.PUT, "b", "span"),
        (EventType.DELETE, "a", None),
    ]
    assert store.events_since(store.revision) == []


def test_events_since_a_compacted_revision_fails() -> None:
    store = Store()
    for value in range(4):
        store.put("a", value)
    store.compact(4)
    assert [e.revision for e in store.events_since(3)] == [4, 5]
    with pytest.raises(Compacted):
        store.events_since(2)
    with pytest.raises(FutureRevision):
        store.events_since(store.revision + 1)
