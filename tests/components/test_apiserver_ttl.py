"""Events expire after --event-ttl through etcd leases; the apiserver compacts etcd periodically."""

from __future__ import annotations

import pytest

from k8s_actors import Cluster, run
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Event
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.client.errors import NotFound


def _event(name: str) -> Event:
    return Event(
        metadata=ObjectMeta(name=name, namespace="default"),
        involved_object=ObjectReference(kind="Pod", namespace="default", name="web"),
        reason="Scheduled",
        message="Successfully assigned default/web to node-1",
        type="Normal",
    )


def test_an_event_is_gone_after_the_event_ttl_and_not_before() -> None:
    async def main() -> None:
        async with Cluster() as cluster:
            await cluster.create(_event("web.1"))
            await cluster.advance(3500)
            assert (await cluster.get("events", "default", "web.1")).reason == "Scheduled"
            await cluster.advance(200)  # past 1 h plus the 60 s lease reuse window
            with pytest.raises(NotFound):
                await cluster.get("events", "default", "web.1")

    run(main)


def test_events_written_within_a_minute_share_one_lease() -> None:
    async def main() -> None:
        async with Cluster() as cluster:
            await cluster.create(_event("a.1"))
            await cluster.advance(30)
            await cluster.create(_event("a.2"))
            await cluster.advance(90)
            await cluster.create(_event("a.3"))
            leases = {
                kv.lease for kv in cluster.etcd_store.range("/registry/events/", prefix=True).kvs
            }
            assert len(leases) == 2

    run(main)


def test_other_kinds_carry_no_lease() -> None:
    async def main() -> None:
        async with Cluster() as cluster:
            kvs = cluster.etcd_store.range("/registry/namespaces/", prefix=True).kvs
            assert kvs and all(kv.lease == 0 for kv in kvs)

    run(main)


def test_the_apiserver_compacts_etcd_every_five_minutes() -> None:
    """At each 5-minute tick it compacts to the revision it saw at the previous tick."""

    async def main() -> None:
        async with Cluster() as cluster:
            await cluster.create(_event("b.1"))
            await cluster.advance(299)
            before_first_tick = cluster.etcd_store.revision
            await cluster.advance(2)
            assert cluster.etcd_store.compact_revision == 0
            after_first_tick = cluster.etcd_store.revision
            await cluster.advance(300)
            assert before_first_tick <= cluster.etcd_store.compact_revision <= after_first_tick

    run(main)
