"""Tests for the indexer, the lister, the reflector's back-off, informers against an apiserver."""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.client import (
    Indexer,
    Informer,
    Lister,
    ReflectorBackoff,
    SharedInformerFactory,
    object_key,
)
from k8s_actors.client.informer import MIN_WATCH_TIMEOUT
from k8s_actors.kernel import TraceContext
from k8s_actors.messages import StopWatch
from tests.client.conftest import Cluster, Probe, config_map, names, pod, serve

replace = msgspec.structs.replace


# -- indexer and lister --------------------------------------------------------------------------


def obj(namespace: str, name: str, version: str = "1", **labels: str) -> ConfigMap:
    return ConfigMap(
        metadata=ObjectMeta(name=name, namespace=namespace, resource_version=version, labels=labels)
    )


def test_keys_are_namespace_slash_name_or_just_the_name() -> None:
    assert object_key(obj("default", "a")) == "default/a"
    assert object_key(obj("", "node-1")) == "node-1"


def test_the_indexer_lists_by_key_whatever_the_insertion_order() -> None:
    indexer = Indexer()
    for namespace, name in [("b", "x"), ("a", "z"), ("a", "y")]:
        indexer.add(obj(namespace, name))
    assert indexer.keys() == ["a/y", "a/z", "b/x"]
    assert names(indexer.list()) == ["y", "z", "x"]


def test_add_returns_the_replaced_object_and_delete_the_removed_one() -> None:
    indexer = Indexer()
    first, second = obj("a", "x", "1"), obj("a", "x", "2")
    assert indexer.add(first) is None
    assert indexer.add(second) is first
    assert indexer.get("a/x") is second
    assert indexer.delete(first) is second
    assert indexer.delete(first) is None
    assert len(indexer) == 0


def test_the_namespace_index_follows_every_write() -> None:
    indexer = Indexer()
    indexer.add(obj("a", "x"))
    indexer.add(obj("b", "y"))
    indexer.add(obj("a", "w"))
    assert names(indexer.by_index("namespace", "a")) == ["w", "x"]
    indexer.delete_key("a/w")
    assert names(indexer.by_index("namespace", "a")) == ["x"]
    indexer.delete_key("a/x")
    assert indexer.by_index("namespace", "a") == []
    assert indexer.index_values("namespace") == ["b"]


def test_a_custom_index_is_updated_when_the_indexed_value_changes() -> None:
    def by_tier(item: Any) -> list[str]:
        tier = item.metadata.labels.get("tier")
        return [tier] if tier else []

    indexer = Indexer()
    indexer.add(obj("a", "x", tier="web"))
    indexer.add_indexer("tier", by_tier)  # indexes what is already stored
    indexer.add(obj("a", "y", tier="web"))
    assert names(indexer.by_index("tier", "web")) == ["x", "y"]
    indexer.update(obj("a", "x", "2", tier="db"))
    assert names(indexer.by_index("tier", "web")) == ["y"]
    assert names(indexer.by_index("tier", "db")) == ["x"]
    with pytest.raises(KeyError):
        indexer.by_index("missing", "x")


def test_indexes_stay_sorted_through_any_mix_of_adds_updates_deletes_and_reads() -> None:
    """Reads between writes (the sorted order is kept incrementally) match a sorted model."""

    def by_tier(item: Any) -> list[str]:
        return [item.metadata.labels["tier"]]

    rng = random.Random(7)
    indexer = Indexer({"tier": by_tier})
    model: dict[str, ConfigMap] = {}
    for step in range(3000):
        namespace, name = rng.choice("ab"), f"p{rng.randrange(60)}"
        key = f"{namespace}/{name}"
        if rng.random() < 0.3:
            indexer.delete_key(key)
            model.pop(key, None)
        else:
            item = obj(namespace, name, str(step), tier=rng.choice(["web", "db"]))
            indexer.add(item)
            model[key] = item
        if rng.random() < 0.2:
            assert indexer.keys() == sorted(model)
            for tier in ("web", "db"):
                wanted = [
                    model[k] for k in sorted(model) if model[k].metadata.labels["tier"] == tier
                ]
                assert indexer.by_index("tier", tier) == wanted
            wanted = [model[k] for k in sorted(model) if k.startswith("a/")]
            assert indexer.by_index("namespace", "a") == wanted


def test_replace_swaps_the_content_and_rebuilds_the_indexes() -> None:
    indexer = Indexer()
    indexer.add(obj("a", "x"))
    indexer.replace([obj("b", "y"), obj("b", "z")])
    assert indexer.keys() == ["b/y", "b/z"]
    assert indexer.by_index("namespace", "a") == []


def test_the_lister_reads_by_name_namespace_and_label_selector() -> None:
    indexer = Indexer()
    for namespace, name, tier in [("a", "x", "web"), ("a", "y", "db"), ("b", "z", "web")]:
        indexer.add(obj(namespace, name, tier=tier))
    lister = Lister(indexer)
    assert lister.get("a", "y") is indexer.get("a/y")
    assert lister.get("a", "missing") is None
    assert names(lister.list("a")) == ["x", "y"]
    assert names(lister.list(selector="tier=web")) == ["x", "z"]
    assert names(lister.list("a", "tier!=web")) == ["y"]


# -- the reflector's back-off --------------------------------------------------------------------


def test_backoff_doubles_from_800ms_to_a_30s_cap() -> None:
    backoff = ReflectorBackoff(random.Random(0), jitter=0.0)
    delays = [backoff.delay(now=float(second)) for second in range(8)]
    assert delays == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]


def test_backoff_starts_over_after_two_calm_minutes() -> None:
    backoff = ReflectorBackoff(random.Random(0), jitter=0.0)
    backoff.delay(0.0)
    backoff.delay(1.0)
    assert backoff.delay(122.0) == 0.8


def test_backoff_jitter_adds_at_most_the_delay_itself() -> None:
    backoff = ReflectorBackoff(random.Random(3))
    delays = [backoff.delay(float(second)) for second in range(4)]
    for delay, base in zip(delays, [0.8, 1.6, 3.2, 6.4], strict=True):
        assert base <= delay <= 2 * base


# -- informers against the apiserver -------------------------------------------------------------


class Recorded:
    """Handler calls as (verb, name, data) rows, with the spans they came with."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.spans: list[TraceContext | None] = []

    def attach(self, informer: Informer) -> None:
        informer.add_handler(self.on_add, self.on_update, self.on_delete)

    def on_add(self, item: Any, span: TraceContext | None) -> None:
        self._row("add", item, span)

    def on_update(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._row("update" if old is not new else "resync", new, span)

    def on_delete(self, item: Any, span: TraceContext | None) -> None:
        self._row("delete", item, span)

    def _row(self, verb: str, item: Any, span: TraceContext | None) -> None:
        self.calls.append((verb, item.metadata.name, item.data.get("v", "")))
        self.spans.append(span)


async def started_informer(cluster: Cluster, **options: Any) -> tuple[Probe, Informer, Recorded]:
    probe = await cluster.component()
    informer = Informer(probe.api, ConfigMap, namespace="default", **options)
    recorded = Recorded()
    recorded.attach(informer)
    probe.ctx.tasks.start_soon(informer.run)
    await informer.wait_synced()
    await cluster.settle()  # the watch opens right after the list
    return probe, informer, recorded


def test_the_first_list_is_announced_as_adds_and_marks_the_informer_synced() -> None:
    async def body(cluster: Cluster) -> None:
        setup = await cluster.component("setup")
        await setup.api.create(config_map("a", {"v": "1"}))
        await setup.api.create(config_map("b", {"v": "1"}))
        _, informer, recorded = await started_informer(cluster)
        assert informer.has_synced
        assert recorded.calls == [("add", "a", "1"), ("add", "b", "1")]
        assert names(informer.lister.list("default")) == ["a", "b"]

    serve(body)


def test_the_informer_sees_adds_updates_and_deletes_in_order() -> None:
    async def body(cluster: Cluster) -> None:
        probe, informer, recorded = await started_informer(cluster)
        api = probe.api
        created = await api.create(config_map("a", {"v": "1"}))
        await api.update(replace(created, data={"v": "2"}))
        await api.create(config_map("b", {"v": "1"}))
        await api.delete(ConfigMap, "default", "a")
        await cluster.settle()
        assert recorded.calls == [
            ("add", "a", "1"),
            ("update", "a", "2"),
            ("add", "b", "1"),
            ("delete", "a", "2"),
        ]
        assert names(informer.lister.list()) == ["b"]

    serve(body)


def test_handlers_receive_the_span_of_the_write_behind_each_event() -> None:
    async def body(cluster: Cluster) -> None:
        probe, _, recorded = await started_informer(cluster)
        writer = TraceContext(trace_id="12" * 16, span_id="34" * 8)
        await probe.api.create(config_map("a"), span=writer)
        await cluster.settle()
        (span,) = recorded.spans
        assert span is not None and span.trace_id == writer.trace_id

    serve(body)


def test_an_informer_only_caches_its_namespace() -> None:
    async def body(cluster: Cluster) -> None:
        probe, informer, recorded = await started_informer(cluster)
        await probe.api.create(config_map("a"))
        await probe.api.create(
            replace(config_map("b"), metadata=ObjectMeta(name="b")), namespace="kube-system"
        )
        await cluster.settle()
        assert [call[1] for call in recorded.calls] == ["a"]
        assert informer.indexer.keys() == ["default/a"]

    serve(body)


def test_bookmarks_only_advance_the_resource_version() -> None:
    async def body(cluster: Cluster) -> None:
        probe, informer, recorded = await started_informer(cluster)
        await probe.api.create(pod("web"))  # another resource: moves the revision only
        before = informer.last_resource_version
        await cluster.settle(61.0)  # the apiserver sends bookmarks every minute
        assert int(informer.last_resource_version) > int(before)
        assert recorded.calls == []

    serve(body)


def test_a_watch_ends_within_its_timeout_and_resumes_without_relisting() -> None:
    async def body(cluster: Cluster) -> None:
        probe, informer, recorded = await started_informer(cluster)
        first = informer.stream
        assert first is not None
        await cluster.settle(2 * MIN_WATCH_TIMEOUT)
        assert informer.watches >= 2 and informer.lists == 1
        await probe.api.create(config_map("a"))
        await cluster.settle()
        assert recorded.calls == [("add", "a", "")]

    serve(body)


async def stop_watch_behind_its_back(cluster: Cluster, probe: Probe, informer: Informer) -> None:
    """End the informer's watch at the server, as a lost connection would, unknown to it."""
    stream = informer.stream
    assert stream is not None
    stop = StopWatch(resource="configmaps", namespace="default", watch_id=stream.watch_id)
    cluster.bus.send(probe.name, "kube-apiserver", stop)
    await cluster.settle()


def test_the_informer_converges_after_its_watch_was_stopped() -> None:
    async def body(cluster: Cluster) -> None:
        probe, informer, recorded = await started_informer(cluster)
        await stop_watch_behind_its_back(cluster, probe, informer)
        created = await probe.api.create(config_map("a", {"v": "1"}))
        await probe.api.update(replace(created, data={"v": "2"}))
        await cluster.settle()
        assert recorded.calls == []  # missed for now
        await cluster.settle(2 * MIN_WATCH_TIMEOUT)  # the watch times out and resumes
        assert recorded.calls == [("add", "a", "1"), ("update", "a", "2")]
        assert informer.lists == 1

    serve(body)


def test_the_informer_relists_after_410_and_announces_the_differences() -> None:
    async def body(cluster: Cluster) -> None:
        setup = await cluster.component("setup")
        doomed = await setup.api.create(config_map("doomed", {"v": "1"}))
        changed = await setup.api.create(config_map("changed", {"v": "1"}))
        probe, informer, recorded = await started_informer(cluster)
        recorded.calls.clear()
        await stop_watch_behind_its_back(cluster, probe, informer)
        await setup.api.delete(ConfigMap, "default", doomed.metadata.name)
        await setup.api.update(replace(changed, data={"v": "2"}))
        # Push the informer's resourceVersion out of the apiserver's watch window.
        for index in range(110):
            await setup.api.create(config_map(f"m-{index:03}"))
        await cluster.settle(80.0)
        await setup.api.create(config_map("late"))
        await cluster.settle(2 * MIN_WATCH_TIMEOUT + 60.0)
        assert informer.lists == 2
        added = [name for verb, name, _ in recorded.calls if verb == "add"]
        assert ("update", "changed", "2") in recorded.calls
        assert ("delete", "doomed", "1") in recorded.calls
        assert len(added) == 111 and "late" in added
        server_view = await probe.api.list(ConfigMap, "default")
        assert informer.indexer.list() == list(server_view.items)

    serve(body)


def test_resync_replays_every_cached_object_as_an_update_to_itself() -> None:
    async def body(cluster: Cluster) -> None:
        setup = await cluster.component("setup")
        await setup.api.create(config_map("a"))
        _, _, recorded = await started_informer(cluster, resync_period=30.0)
        recorded.calls.clear()
        await cluster.settle(65.0)
        assert recorded.calls == [("resync", "a", ""), ("resync", "a", "")]

    serve(body)


def test_a_late_handler_first_gets_adds_for_the_cached_objects() -> None:
    async def body(cluster: Cluster) -> None:
        setup = await cluster.component("setup")
        await setup.api.create(config_map("a"))
        _, informer, _ = await started_informer(cluster)
        late = Recorded()
        late.attach(informer)
        assert late.calls == [("add", "a", "")]

    serve(body)


def test_the_factory_shares_one_informer_per_resource_and_scope() -> None:
    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        factory = SharedInformerFactory(probe.api)
        maps = factory.informer(ConfigMap, "default")
        assert factory.informer("configmaps", "default") is maps
        assert factory.informer(ConfigMap) is not maps
        assert factory.lister(ConfigMap, "default") is maps.lister
        await probe.api.create(config_map("a"))
        factory.start()
        factory.start()  # starting twice runs each informer once
        await factory.wait_for_cache_sync()
        assert names(maps.lister.list()) == ["a"]
        await cluster.settle()
        assert maps.lists == 1 and maps.watches == 1

    serve(body)
