"""Named invariant checks bound to one cluster: what the state machine and replays evaluate.

Role: `SAFETY` and `LIVENESS` map an invariant's name to a factory that binds it to a running
`Cluster` and returns a zero-argument check (some keep state between calls, such as the node each
pod was first bound to). `Checks` holds the bound checks of one run; the state machine calls
`safety()` after every step and `liveness()` once the cluster settled, and a replayed scenario
names the invariant that failed so that it is checked again. Neighbours: `invariants`,
`machine`, `reproduce`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import invariants
from k8s_actors.testing.invariants import watches, writes
from k8s_actors.testing.invariants.deletion import DeletionHistory, foreground_deletion_waits
from k8s_actors.testing.invariants.readiness import ReadinessHistory, endpoints_follow_readiness
from k8s_actors.testing.invariants.replicas import ReplicaHistory, replicaset_creations_bounded

Check = Callable[[], list[str]]
CheckFactory = Callable[[Cluster], Check]


def _stateless(invariant: Callable[[Cluster], list[str]]) -> CheckFactory:
    return lambda cluster: lambda: invariant(cluster)


def _scheduling_safety(cluster: Cluster) -> Check:
    bound: dict[str, str] = {}  # pod uid -> the node it was first seen bound to
    return lambda: invariants.scheduling_safety(cluster, bound)


def _rollout_bounds(cluster: Cluster) -> Check:
    # Faults come and go between steps: the availability floor is not a safety property then.
    return lambda: invariants.rollout_bounds(cluster, faults_active=True)


def _writes_carry_preconditions(cluster: Cluster) -> Check:
    log = writes.install(cluster)  # taps the bus from now on
    return lambda: invariants.writes_carry_preconditions(log)


def _watch_events_in_order(cluster: Cluster) -> Check:
    log = watches.install(cluster)  # taps the bus from now on
    return lambda: invariants.watch_events_in_order(log)


def _pod_transitions_legal(cluster: Cluster) -> Check:
    history = invariants.PodHistory()  # each pod's last state, kept across compactions
    return lambda: invariants.pod_transitions_legal(cluster, history)


def _pod_steps_in_order(cluster: Cluster) -> Check:
    order = invariants.TraceOrder()  # the trace records read so far
    return lambda: invariants.pod_steps_in_order(cluster, order)


def _foreground_deletion_waits(cluster: Cluster) -> Check:
    history = DeletionHistory()  # etcd's history read so far
    return lambda: foreground_deletion_waits(cluster, history)


def _endpoints_follow_readiness(cluster: Cluster) -> Check:
    history = ReadinessHistory()  # etcd's history read so far
    return lambda: endpoints_follow_readiness(cluster, history)


def _replicaset_creations_bounded(cluster: Cluster) -> Check:
    history = ReplicaHistory()  # etcd's history read so far
    return lambda: replicaset_creations_bounded(cluster, history)


SAFETY: dict[str, CheckFactory] = {
    "one_controller_per_object": _stateless(invariants.one_controller_per_object),
    "store_revisions_increase": _stateless(invariants.store_revisions_increase),
    "uids_never_reused": _stateless(invariants.uids_never_reused),
    "rollout_bounds": _rollout_bounds,
    "scheduling_safety": _scheduling_safety,
    "at_most_one_running_copy": _stateless(invariants.at_most_one_running_copy),
    "runs_only_on_its_node": _stateless(invariants.runs_only_on_its_node),
    "writes_carry_preconditions": _writes_carry_preconditions,
    "pod_transitions_legal": _pod_transitions_legal,
    "pod_steps_in_order": _pod_steps_in_order,
    "foreground_deletion_waits": _foreground_deletion_waits,
    "endpoints_follow_readiness": _endpoints_follow_readiness,
    "replicaset_creations_bounded": _replicaset_creations_bounded,
    "watch_events_in_order": _watch_events_in_order,
}
"""Properties that hold at every instant, checked after every step."""

LIVENESS: dict[str, CheckFactory] = {
    "eventually_stable": _stateless(invariants.eventually_stable),
    "owners_exist": _stateless(invariants.owners_exist),
    "endpoints_match_ready_pods": _stateless(invariants.endpoints_match_ready_pods),
    "no_copy_after_deletion": _stateless(invariants.no_copy_after_deletion),
    "proxy_rules_match_ready_pods": _stateless(invariants.proxy_rules_match_ready_pods),
    "informer_caches_converge": _stateless(invariants.informer_caches_converge),
}
"""Properties that hold once faults stopped and the cluster had time to settle."""


class Checks:
    """The named safety and liveness checks of one run, bound to its cluster."""

    def __init__(
        self,
        cluster: Cluster,
        safety: Sequence[str] = tuple(SAFETY),
        liveness: Sequence[str] = tuple(LIVENESS),
    ) -> None:
        unknown = [name for name in (*safety, *liveness) if name not in {**SAFETY, **LIVENESS}]
        if unknown:
            raise ValueError(f"unknown invariant {unknown[0]!r} (known: {', '.join(known())})")
        self._safety = {name: SAFETY[name](cluster) for name in safety}
        self._liveness = {name: LIVENESS[name](cluster) for name in liveness}
        self.made = 0  # how many invariant evaluations were made

    def safety(self) -> list[str]:
        """The violations of every safety invariant now."""
        return self._run(self._safety)

    def liveness(self) -> list[str]:
        """The violations of every liveness invariant now."""
        return self._run(self._liveness)

    def _run(self, checks: dict[str, Check]) -> list[str]:
        self.made += len(checks)
        return [violation for check in checks.values() for violation in check()]


def known() -> list[str]:
    """Every invariant name a run can be checked against."""
    return [*SAFETY, *LIVENESS]
