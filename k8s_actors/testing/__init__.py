"""The public test kit (layer 4): strategies, the cluster state machine, invariants, replay.

`strategies` draws small readable clusters, workloads, operations and faults; `ClusterMachine`
plays them on a simulated cluster and checks the `invariants` after each step; a failure is
written as a scenario file by `scenario_from_steps`; `open_cluster` / the `simulated_cluster`
fixture give a cluster to synchronous tests; `register_profiles` adds the `ci` and `thorough`
Hypothesis profiles. See docs/testing.md.
"""

from k8s_actors.testing import invariants, strategies
from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.fixtures import open_cluster, simulated_cluster
from k8s_actors.testing.machine import ClusterMachine, PropertyFailed
from k8s_actors.testing.operations import (
    Apply,
    ComponentCrash,
    Cordon,
    DeleteObject,
    Drain,
    Fault,
    KubeletCrash,
    LatencyFault,
    MessageLossFault,
    NetworkPartition,
    NodeDown,
    NodeUp,
    Operation,
    RolloutPause,
    RolloutResume,
    RolloutUndo,
    Scale,
    SetImage,
    Uncordon,
)
from k8s_actors.testing.profiles import register_profiles
from k8s_actors.testing.reproduce import scenario_from_steps
from k8s_actors.testing.topology import NodeGroup, Topology, cluster_spec

__all__ = [
    "Apply",
    "ClusterDriver",
    "ClusterMachine",
    "ComponentCrash",
    "Cordon",
    "DeleteObject",
    "Drain",
    "Fault",
    "KubeletCrash",
    "LatencyFault",
    "MessageLossFault",
    "NetworkPartition",
    "NodeDown",
    "NodeGroup",
    "NodeUp",
    "Operation",
    "PropertyFailed",
    "RolloutPause",
    "RolloutResume",
    "RolloutUndo",
    "Scale",
    "SetImage",
    "Topology",
    "Uncordon",
    "cluster_spec",
    "invariants",
    "open_cluster",
    "register_profiles",
    "scenario_from_steps",
    "simulated_cluster",
    "strategies",
]
