"""Tests for leader election on a Lease: one leader, takeover after a crash, never two at once."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from k8s_actors.api.objects.cluster import Lease
from k8s_actors.client import ComponentActor, LeaderElector
from k8s_actors.client.leaderelection import JITTER_FACTOR
from k8s_actors.kernel import AddressSet, Envelope, Partition
from tests.client.conftest import Cluster, serve

LEASE_DURATION = 15.0
RETRY_PERIOD = 2.0
# The longest a candidate waits between two attempts (client-go's JitterUntil with 1.2).
LONGEST_RETRY = RETRY_PERIOD * (1.0 + JITTER_FACTOR)


@dataclass
class Terms:
    """When each candidate started and stopped leading, in simulated seconds."""

    starts: dict[str, list[float]] = field(default_factory=dict)
    stops: dict[str, list[float]] = field(default_factory=dict)
    leaders_seen: dict[str, list[str]] = field(default_factory=dict)

    def leading(self) -> list[str]:
        return sorted(
            name
            for name, starts in self.starts.items()
            if len(starts) > len(self.stops.get(name, []))
        )

    def intervals(self, end: float) -> list[tuple[float, float, str]]:
        spans = []
        for name, starts in self.starts.items():
            stops = self.stops.get(name, [])
            for index, start in enumerate(starts):
                stop = stops[index] if index < len(stops) else end
                spans.append((start, stop, name))
        return sorted(spans)


class Candidate(ComponentActor):
    """A component replica that runs for leadership and records its terms."""

    def __init__(self, name: str, terms: Terms) -> None:
        super().__init__(name)
        self.terms = terms

    async def started(self) -> None:
        clock = self.ctx.clock
        name = self.name

        async def lead() -> None:
            self.terms.starts.setdefault(name, []).append(clock.now())

        def stop() -> None:
            # A stop without a start (cancelled while a candidate) is not a term.
            if len(self.terms.stops.get(name, [])) < len(self.terms.starts.get(name, [])):
                self.terms.stops.setdefault(name, []).append(clock.now())

        elector = LeaderElector(
            self.api,
            name="kube-controller-manager",
            identity=name,
            lease_duration=LEASE_DURATION,
            retry_period=RETRY_PERIOD,
            on_started_leading=lead,
            on_stopped_leading=stop,
            on_new_leader=lambda leader: self.terms.leaders_seen.setdefault(name, []).append(
                leader
            ),
        )
        self.ctx.tasks.start_soon(elector.run)

    def receive(self, envelope: Envelope) -> None:
        return None


async def candidates(cluster: Cluster, terms: Terms, *names: str) -> None:
    for name in names:
        await cluster.start(name, lambda name=name: Candidate(name, terms))  # type: ignore[misc]


def test_the_timings_must_leave_room_for_renewal() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api

        async def lead() -> None:
            return None

        def make(
            lease_duration: float = 15.0, renew_deadline: float = 10.0, retry_period: float = 2.0
        ) -> LeaderElector:
            return LeaderElector(
                api,
                name="l",
                identity="me",
                lease_duration=lease_duration,
                renew_deadline=renew_deadline,
                retry_period=retry_period,
                on_started_leading=lead,
                on_stopped_leading=lambda: None,
            )

        with pytest.raises(ValueError, match="lease_duration"):
            make(lease_duration=10.0, renew_deadline=10.0)
        with pytest.raises(ValueError, match="renew_deadline"):
            make(renew_deadline=2.4, retry_period=2.0)
        assert make().lease_duration == 15.0

    serve(body)


def test_exactly_one_of_two_candidates_leads_and_both_know_who() -> None:
    async def body(cluster: Cluster) -> None:
        terms = Terms()
        await candidates(cluster, terms, "cm-a", "cm-b")
        await cluster.settle(60.0)
        assert terms.leading() == ["cm-a"]
        assert terms.leaders_seen == {"cm-a": ["cm-a"], "cm-b": ["cm-a"]}
        api = (await cluster.component()).api
        lease = await api.get(Lease, "kube-system", "kube-controller-manager")
        assert lease.spec.holder_identity == "cm-a"
        assert lease.spec.lease_duration_seconds == 15
        assert lease.spec.lease_transitions == 0

    serve(body)


def test_the_leader_renews_the_lease_every_retry_period() -> None:
    async def body(cluster: Cluster) -> None:
        terms = Terms()
        await candidates(cluster, terms, "cm-a")
        await cluster.settle(1.0)
        api = (await cluster.component()).api
        first = await api.get(Lease, "kube-system", "kube-controller-manager")
        await cluster.settle(10.0)
        later = await api.get(Lease, "kube-system", "kube-controller-manager")
        assert later.spec.acquire_time == first.spec.acquire_time
        assert cluster.clock.parse_timestamp(later.spec.renew_time or "") >= 9.0
        assert int(later.metadata.resource_version) > int(first.metadata.resource_version)

    serve(body)


def test_a_candidate_takes_over_once_the_crashed_leaders_lease_expires() -> None:
    async def body(cluster: Cluster) -> None:
        terms = Terms()
        await candidates(cluster, terms, "cm-a", "cm-b")
        await cluster.settle(30.0)
        api = (await cluster.component()).api
        held = await api.get(Lease, "kube-system", "kube-controller-manager")
        last_renewal = cluster.clock.parse_timestamp(held.spec.renew_time or "")
        crashed_at = cluster.clock.now()
        await cluster.supervisor.crash("cm-a")
        await cluster.settle(60.0)
        assert terms.leading() == ["cm-b"]
        (took_over,) = terms.starts["cm-b"]
        # Never before the lease ran out; at most one expiry and two waits after the crash.
        assert took_over >= last_renewal + LEASE_DURATION
        assert took_over <= crashed_at + LEASE_DURATION + 2 * LONGEST_RETRY
        lease = await api.get(Lease, "kube-system", "kube-controller-manager")
        assert lease.spec.holder_identity == "cm-b"
        assert lease.spec.lease_transitions == 1
        assert terms.leaders_seen["cm-b"] == ["cm-a", "cm-b"]

    serve(body)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_partitioned_leader_steps_down_before_another_takes_over(seed: int) -> None:
    async def body(cluster: Cluster) -> None:
        terms = Terms()
        await candidates(cluster, terms, "cm-a", "cm-b")
        await cluster.settle(30.0)
        cut = Partition(source=AddressSet(("cm-a",)), target=AddressSet(("kube-apiserver",)))
        cluster.add_fault(cut)
        await cluster.settle(60.0)
        cluster.remove_fault(cut)
        await cluster.settle(60.0)
        intervals = terms.intervals(cluster.clock.now())
        assert [name for _, _, name in intervals] == ["cm-a", "cm-b"]
        for (_, stop, _), (start, _, _) in itertools.pairwise(intervals):
            assert stop <= start, intervals
        assert terms.leading() == ["cm-b"]

    serve(body, seed=seed)
