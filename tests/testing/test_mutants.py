"""Mutation tests: the cluster state machine finds each deliberate defect within the CI budget.

For each mutant (`k8s_actors.kernel.mutants`) a ClusterMachine subclass narrows what it draws
(one application, the operations that reach the defective code, and only the faults it needs:
none, or a watch delay for the ReplicaSet controller) without changing how operations and
faults play or which invariants are checked. With the mutant on, a run of at most the CI
budget (5 examples of at most 6 steps, derandomized, not shrunk) fails with PropertyFailed
naming the invariant that catches it, and the scenario it writes fails again when replayed; the
same machine without the mutant passes, so the test cannot pass vacuously. The mutants no
machine reaches yet are listed in UNREACHED with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from k8s_actors.cli import main
from k8s_actors.kernel.mutants import MUTANTS
from k8s_actors.testing.machine import ClusterMachine, PropertyFailed, run_machine
from k8s_actors.testing.operations import (
    Apply,
    DeleteNode,
    DeleteObject,
    Fault,
    ForceDeletePod,
    NodeDown,
    NodeUp,
    Operation,
    Scale,
    SetImage,
    WatchDelayFault,
)
from k8s_actors.testing.strategies import IMAGES, deployments, services
from k8s_actors.testing.topology import NodeGroup, Topology

APP = ("web",)

# The CI profile's budget, derandomized for a stable tier-1 test; finding the defect is the
# promise, so the (slow) shrinking phase is left out.
CI_BUDGET = settings(
    max_examples=5,
    stateful_step_count=6,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _quarter_fenceposts(manifest: dict[str, Any]) -> dict[str, Any]:
    """25% / 25% over 1-3 replicas: surge rounds up to 1, unavailability down to 0."""
    spec = manifest["spec"]
    spec["replicas"] = 1 + spec["replicas"] % 3
    spec["strategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    return manifest


def _with_pods(manifest: dict[str, Any]) -> dict[str, Any]:
    """At least two replicas: a defect in how pods are handled needs pods (two, so that the
    scheduler spreads them over two nodes)."""
    manifest["spec"]["replicas"] = max(2, manifest["spec"]["replicas"])
    return manifest


def _readiness_probed(manifest: dict[str, Any]) -> dict[str, Any]:
    """The pods get an HTTP readiness probe (every 10 s; the images turn ready after 1 s)."""
    manifest = _with_pods(manifest)
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"] = {"httpGet": {"path": "/", "port": 80}}
    return manifest


class NoFaults(ClusterMachine):
    """One application; no faults (none is needed to reach these defects)."""

    def inject(self, fault: Fault) -> None:  # not a rule here: no faults are drawn
        super().inject(fault)


class RollingUpdates(NoFaults):
    """maxSurgeRoundedDown: rolling updates of a 25% / 25% Deployment of 1-3 replicas."""

    @initialize(manifest=deployments(APP).map(_quarter_fenceposts))
    def start_workload(self, manifest: dict[str, Any]) -> None:
        super().start_workload(manifest)

    @rule(op=st.builds(SetImage, name=st.just("web"), image=st.sampled_from(IMAGES)))
    def apply_operation(self, op: Operation) -> None:
        super().apply_operation(op)


class Deletions(NoFaults):
    """gcIgnoresBlockOwnerDeletion: a Deployment deleted in the foreground (the cascade in
    which the garbage collector must hold the owner back)."""

    @initialize(manifest=deployments(APP).map(_with_pods))
    def start_workload(self, manifest: dict[str, Any]) -> None:
        super().start_workload(manifest)

    @rule(
        op=st.builds(
            DeleteObject,
            kind=st.just("deployment"),
            name=st.just("web"),
            cascade=st.just("foreground"),
        )
    )
    def apply_operation(self, op: Operation) -> None:
        super().apply_operation(op)


class ServedWorkload(NoFaults):
    """endpointsIncludeNotReady: a Deployment behind a Service, scaled and updated; its pods
    have a readiness probe, so each runs a while before it is Ready."""

    @initialize(manifest=deployments(APP).map(_readiness_probed), service=services(APP))
    def start_workload(
        self, manifest: dict[str, Any], service: dict[str, Any] | None = None
    ) -> None:
        super().start_workload(manifest)
        if service is not None:
            self.apply_operation(Apply(manifest=service))

    @rule(
        op=st.one_of(
            st.builds(Scale, name=st.just("web"), replicas=st.integers(1, 5)),
            st.builds(SetImage, name=st.just("web"), image=st.sampled_from(IMAGES)),
        )
    )
    def apply_operation(self, op: Operation) -> None:
        super().apply_operation(op)


class TaintedNodes(NoFaults):
    """schedulerIgnoresTaints: one untainted node and one tainted NoSchedule (the pods of the
    strategies carry no tolerations); Deployments scaled up."""

    topology = Topology(
        groups=(NodeGroup(count=1), NodeGroup(count=1, taints=("dedicated=db:NoSchedule",)))
    )

    @initialize(manifest=deployments(APP).map(_with_pods))
    def start_workload(self, manifest: dict[str, Any]) -> None:
        super().start_workload(manifest)

    @rule(op=st.builds(Scale, name=st.just("web"), replicas=st.integers(1, 5)))
    def apply_operation(self, op: Operation) -> None:
        super().apply_operation(op)


class NodeAway(NoFaults):
    """kubeletKeepsPodsOfDeletedNode: the workload runs 30 s on the one node, which then goes
    down; while it is away a pod is force-deleted, or the Node deleted (the pod garbage collector
    then force-deletes its pods after its 40 s quarantine), and time passes; then the node comes
    back (teardown brings it back if no step did)."""

    topology = Topology(groups=(NodeGroup(count=1),))
    away = False

    @initialize(manifest=deployments(APP).map(_with_pods))
    def start_workload(self, manifest: dict[str, Any]) -> None:
        super().start_workload(manifest)
        super().advance(30.0)

    @precondition(lambda machine: machine.away)
    @rule(seconds=st.sampled_from((1.0, 10.0, 60.0)))
    def advance(self, seconds: float) -> None:
        super().advance(seconds)

    @precondition(lambda machine: machine.away)
    @rule(
        op=st.one_of(
            st.builds(ForceDeletePod, name=st.just("web")),
            st.builds(DeleteNode, node=st.just("node-1")),
        )
    )
    def apply_operation(self, op: Operation) -> None:
        super().apply_operation(op)

    @precondition(lambda machine: not machine.away)
    @rule()
    def node_down(self) -> None:
        self.inject(NodeDown(node="node-1"))
        self.away = True

    @precondition(lambda machine: machine.away)
    @rule()
    def node_up(self) -> None:
        self.inject(NodeUp(node="node-1"))
        self.away = False


def _few_replicas(manifest: dict[str, Any]) -> dict[str, Any]:
    """0 or 1 replicas: every scale the machine draws (2-5) then asks for more pods."""
    manifest["spec"]["replicas"] = manifest["spec"]["replicas"] % 2
    return manifest


WATCH_DELAYS = st.builds(
    WatchDelayFault,
    component=st.just("kube-controller-manager"),
    add=st.sampled_from((1.5, 3.0)),
    seconds=st.just(60.0),
)


class LaggingInformers(ClusterMachine):
    """replicaSetWithoutExpectations: a Deployment of 0-1 replicas whose kube-controller-manager
    gets its watch events 1.5 or 3 s late (from 2 s in, once the nodes are Ready), then scaled to
    2-5 replicas half a second apart: the ReplicaSet controller syncs again before it observes
    the pods it just created. Over 1 s: longer than the Deployment controller's second between
    two scales of the ReplicaSet (docs/testing.md)."""

    @initialize(manifest=deployments(APP).map(_few_replicas), fault=WATCH_DELAYS)
    def start_lagging(self, manifest: dict[str, Any], fault: Fault) -> None:
        self.start_workload(manifest)
        self.advance(2.0)
        self.inject(fault)

    def start_workload(self, manifest: dict[str, Any]) -> None:  # played by start_lagging
        super().start_workload(manifest)

    @rule(
        op=st.builds(Scale, name=st.just("web"), replicas=st.integers(2, 5)),
        seconds=st.just(0.5),
    )
    def scale_and_wait(self, op: Operation, seconds: float) -> None:
        self.apply_operation(op)
        self.advance(seconds)

    def apply_operation(self, op: Operation) -> None:  # played by the rules above, not drawn
        super().apply_operation(op)

    def inject(self, fault: Fault) -> None:
        super().inject(fault)

    def advance(self, seconds: float) -> None:
        super().advance(seconds)


# mutant -> (the machine that reaches it, the invariant expected to catch it)
CASES: dict[str, tuple[type[ClusterMachine], str]] = {
    "maxSurgeRoundedDown": (RollingUpdates, "eventually_stable"),
    "replicaSetWithoutExpectations": (LaggingInformers, "replicaset_creations_bounded"),
    "gcIgnoresBlockOwnerDeletion": (Deletions, "foreground_deletion_waits"),
    "endpointsIncludeNotReady": (ServedWorkload, "endpoints_follow_readiness"),
    "schedulerIgnoresTaints": (TaintedNodes, "scheduling_safety"),
    "kubeletKeepsPodsOfDeletedNode": (NodeAway, "no_copy_after_deletion"),
}

# Mutants the state machine cannot reach yet, and why (see docs/testing.md).
UNREACHED: dict[str, str] = {}


def _run(machine: type[ClusterMachine]) -> None:
    """Run `machine` as Hypothesis would in a test, within the CI budget."""
    run_machine(machine, settings=CI_BUDGET)


def _variant(
    machine: type[ClusterMachine], mutants: tuple[str, ...], where: Path
) -> type[ClusterMachine]:
    """`machine` with `mutants` switched on, writing its failing scenarios under `where`."""
    topology = msgspec.structs.replace(machine.topology, mutants=mutants)
    name = f"{machine.__name__}{''.join(m[0].upper() + m[1:] for m in mutants)}"
    return type(name, (machine,), {"topology": topology, "scenario_dir": where})


@pytest.mark.parametrize("mutant", sorted(CASES))
def test_the_machine_finds_the_mutant_within_the_ci_budget(mutant: str, tmp_path: Path) -> None:
    """With the mutant on, the machine fails naming the invariant that catches it, and writes
    a scenario that carries the mutant and fails again when `k8s-actors run` replays it."""
    machine, invariant = CASES[mutant]
    with pytest.raises(PropertyFailed, match=rf"(?m)^{invariant}: ") as failed:
        _run(_variant(machine, (mutant,), tmp_path))
    written = next(line for line in str(failed.value).splitlines() if "k8s-actors run" in line)
    path = Path(written.split("k8s-actors run ", 1)[1])
    assert f"- {mutant}" in path.read_text()
    trace = tmp_path / "replay.jsonl"
    assert main(["run", str(path), "--quiet", "--trace", str(trace)]) == 1
    assert '"event":"mutants_enabled"' in trace.read_text()


@pytest.mark.parametrize("mutant", sorted(CASES))
def test_the_same_machine_passes_without_the_mutant(mutant: str, tmp_path: Path) -> None:
    """The narrowed machine alone finds nothing: the failure above is the mutant's doing."""
    machine, _ = CASES[mutant]
    _run(_variant(machine, (), tmp_path))


def test_every_mutant_has_a_case_or_is_named_as_unreached() -> None:
    """Each mutant is either found by a machine here or listed as not reachable yet."""
    assert sorted([*CASES, *UNREACHED]) == sorted(MUTANTS)
