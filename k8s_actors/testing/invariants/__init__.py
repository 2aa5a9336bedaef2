"""Invariants of a reconciling cluster, each a function returning its violations as strings.

Role: the properties the cluster state machine checks, usable alone in any test. Most read the
state etcd holds (the source of truth, which no network fault hides) or its retained history
from a `Cluster` or a bare `Store`; a few read the node runtimes, the components' informer
caches, the trace, or what a bus tap saw (`WatchLog`, `WriteLog`). Each returns a list of
readable violations, empty when the property holds. Safety properties hold at every instant;
liveness ones (`eventually_stable`, `owners_exist`, `endpoints_match_ready_pods`,
`no_copy_after_deletion`, `informer_caches_converge`) hold once faults stop and the spec stops
changing, so callers wait for them (see `machine`). docs/testing.md numbers them as the
requirement does. Each family lives in its own module; this package re-exports them.
Neighbours: `checks` (names them for the state machine and replays), `machine`,
`k8s_actors.store`.
"""

from k8s_actors.testing.invariants.common import Source, objects
from k8s_actors.testing.invariants.copies import no_copy_after_deletion, runs_only_on_its_node
from k8s_actors.testing.invariants.deletion import DeletionHistory, foreground_deletion_waits
from k8s_actors.testing.invariants.lifecycle import PodHistory, pod_transitions_legal
from k8s_actors.testing.invariants.lifecycle_trace import TraceOrder, pod_steps_in_order
from k8s_actors.testing.invariants.networking import (
    endpoints_match_ready_pods,
    proxy_rules_match_ready_pods,
)
from k8s_actors.testing.invariants.ownership import one_controller_per_object, owners_exist
from k8s_actors.testing.invariants.placement import at_most_one_running_copy, scheduling_safety
from k8s_actors.testing.invariants.readiness import ReadinessHistory, endpoints_follow_readiness
from k8s_actors.testing.invariants.replicas import ReplicaHistory, replicaset_creations_bounded
from k8s_actors.testing.invariants.rollout import eventually_stable, rollout_bounds
from k8s_actors.testing.invariants.store import store_revisions_increase, uids_never_reused
from k8s_actors.testing.invariants.watches import (
    WatchLog,
    informer_caches_converge,
    watch_events_in_order,
)
from k8s_actors.testing.invariants.writes import WriteLog, writes_carry_preconditions

__all__ = [
    "DeletionHistory",
    "PodHistory",
    "ReadinessHistory",
    "ReplicaHistory",
    "Source",
    "TraceOrder",
    "WatchLog",
    "WriteLog",
    "at_most_one_running_copy",
    "endpoints_follow_readiness",
    "endpoints_match_ready_pods",
    "eventually_stable",
    "foreground_deletion_waits",
    "informer_caches_converge",
    "no_copy_after_deletion",
    "objects",
    "one_controller_per_object",
    "owners_exist",
    "pod_steps_in_order",
    "pod_transitions_legal",
    "proxy_rules_match_ready_pods",
    "replicaset_creations_bounded",
    "rollout_bounds",
    "runs_only_on_its_node",
    "scheduling_safety",
    "store_revisions_increase",
    "uids_never_reused",
    "watch_events_in_order",
    "writes_carry_preconditions",
]
