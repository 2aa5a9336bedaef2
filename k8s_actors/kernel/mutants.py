"""Mutants: deliberate, switchable defects in real components, for testing the test kit.

Role: the names a scenario's `cluster: mutants: [...]` may list, each with what it breaks. A
component given a mutant's name takes a wrong branch at the one place the real code decides; with
no mutant on every component behaves as Kubernetes does. The mutation tests check that the
cluster state machine's invariants find each defect; a real scenario never turns one on.
Neighbours: `k8s_actors.scenario.cluster_loader` (validates the names),
`k8s_actors.scenario.cluster` (hands them to the components), `k8s_actors.testing`.
"""

from __future__ import annotations

MUTANTS: dict[str, str] = {
    "maxSurgeRoundedDown": (
        "deployment controller: a rolling update rounds a percentage maxSurge down, not up as "
        "Kubernetes does (pkg/controller/deployment/util/deployment_util.go ResolveFenceposts)"
    ),
    "replicaSetWithoutExpectations": (
        "replicaset controller: creates and deletes pods from its informer cache alone, ignoring "
        "the creations and deletions it is still expecting to observe (Kubernetes waits for them: "
        "pkg/controller/replicaset/replica_set.go syncReplicaSet, controller_utils.go)"
    ),
    "gcIgnoresBlockOwnerDeletion": (
        "garbage collector: in foreground deletion removes the owner's foregroundDeletion "
        "finalizer without waiting for dependents with blockOwnerDeletion: true (Kubernetes "
        "waits: pkg/controller/garbagecollector/garbagecollector.go processDeletingDependentsItem)"
    ),
    "kubeletKeepsPodsOfDeletedNode": (
        "kubelet: a node that comes back keeps running the containers of pods that were deleted "
        "or replaced while it was away (Kubernetes' kubelet kills pods no longer bound to it: "
        "pkg/kubelet/kubelet.go HandlePodCleanups)"
    ),
    "endpointsIncludeNotReady": (
        "endpointslice controller: publishes not-ready pods as ready endpoints (Kubernetes "
        "uses the pod's Ready condition: pkg/controller/endpointslice/utils.go podToEndpoint)"
    ),
    "schedulerIgnoresTaints": (
        "scheduler: the TaintToleration filter lets every pod through, tolerated or not "
        "(pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go Filter)"
    ),
}
"""Each mutant's name and the defect it switches on."""


def unknown_mutants(names: tuple[str, ...] | list[str]) -> list[str]:
    """The names in `names` that are not mutants."""
    return [name for name in names if name not in MUTANTS]
