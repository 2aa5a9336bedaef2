"""Tests for the Event recorder: aggregation of repeated events and its bounded memory."""

from __future__ import annotations

from k8s_actors.api.objects.cluster import Event
from k8s_actors.client import events as events_module
from k8s_actors.client.events import EventRecorder
from tests.client.conftest import Cluster, config_map, serve


def test_a_repeated_event_bumps_the_count_of_the_first() -> None:
    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        subject = await probe.api.create(config_map("a"))
        recorder = EventRecorder(probe.api, "tester", probe.ctx.log)
        for _ in range(3):
            await recorder.event(subject, "Normal", "Poked", "poked")
        stored = (await probe.api.list(Event, "default")).items
        assert [(e.reason, e.count) for e in stored] == [("Poked", 3)]

    serve(body)


def test_the_recorder_forgets_the_least_recently_used_key_beyond_its_size() -> None:
    """An LRU like client-go's: a forgotten key makes a new Event, a remembered one aggregates."""

    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        subject = await probe.api.create(config_map("a"))
        recorder = EventRecorder(probe.api, "tester", probe.ctx.log)
        for reason in ("First", "Second", "Third"):
            await recorder.event(subject, "Normal", reason, "x")
        await recorder.event(subject, "Normal", "First", "x")  # First is now the most recent
        await recorder.event(subject, "Normal", "Fourth", "x")  # evicts Second
        await recorder.event(subject, "Normal", "Second", "x")  # a new Event
        await recorder.event(subject, "Normal", "First", "x")  # still remembered: aggregated
        stored = (await probe.api.list(Event, "default")).items
        counts = sorted((e.reason, e.count) for e in stored)
        assert counts == [
            ("First", 3),
            ("Fourth", 1),
            ("Second", 1),
            ("Second", 1),
            ("Third", 1),
        ]

    original = events_module.SEEN_CACHE_SIZE
    events_module.SEEN_CACHE_SIZE = 3
    try:
        serve(body)
    finally:
        events_module.SEEN_CACHE_SIZE = original
