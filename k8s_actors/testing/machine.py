"""`ClusterMachine`: a Hypothesis state machine playing user operations and faults on a cluster.

Role: each rule applies one generated operation or fault, or lets simulated time pass; the
safety invariants are checked after every step and the liveness ones (`eventually_stable`,
`owners_exist`, `endpoints_match_ready_pods`) at teardown, once faults are lifted and the
controllers had `settle_seconds` to converge (nodes left down come back and cordoned nodes
are uncordoned first, so that convergence is possible). The steps played are recorded, and when a
property fails the shrunk sequence is written as a scenario file (`reproduce`) whose path is
printed. Subclass to change the topology, the seed, the rules or the invariants.
Neighbours: `driver`, `operations`, `strategies`, `invariants`, `reproduce`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from k8s_actors.client.errors import ApiError
from k8s_actors.kernel import KernelError
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.checks import Checks
from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.operations import (
    Apply,
    Fault,
    NodeDown,
    NodeUp,
    Operation,
    fault_seconds,
    inject_fault,
    perform,
    retarget,
)
from k8s_actors.testing.reproduce import Played, scenario_from_steps
from k8s_actors.testing.strategies import deployments, faults, operations
from k8s_actors.testing.topology import Topology, cluster_spec

# Rules draw nodes among these four; `retarget` maps them onto the machine's own topology.
NODES = ("node-1", "node-2", "node-3", "node-4")


class PropertyFailed(AssertionError):
    """An invariant failed; the message lists the violations and the reproducing scenario."""


class ClusterMachine(RuleBasedStateMachine):
    """Operations and faults on a cluster of `topology`; invariants after every step."""

    topology: ClassVar[Topology] = Topology()
    seed: ClassVar[int] = 0
    settle_seconds: ClassVar[float] = 600.0
    scenario_dir: ClassVar[Path] = Path("traces/failures")

    def __init__(self) -> None:
        super().__init__()
        self.driver = ClusterDriver(self.seed, cluster_spec(self.topology.cluster_section()))
        self.played: list[Played] = []
        self.refused: list[int] = []
        self.fault_ends = 0.0
        self.checks: Checks | None = None

    # -- rules ----------------------------------------------------------------------------------

    @initialize(manifest=deployments())
    def start_workload(self, manifest: dict[str, Any]) -> None:
        self.apply_operation(Apply(manifest=manifest))

    @rule(op=operations(NODES))
    def apply_operation(self, op: Operation) -> None:
        op = retarget(op, self.topology.node_names())  # type: ignore[assignment]
        self.played.append(op)
        if not self.driver.call(lambda cluster: _perform_quietly(cluster, op)):
            self.refused.append(len(self.played) - 1)

    @rule(fault=faults(NODES))
    def inject(self, fault: Fault) -> None:
        fault = retarget(fault, self.topology.node_names())  # type: ignore[assignment]
        self.played.append(fault)

        async def act(cluster: Cluster) -> None:
            await inject_fault(cluster, fault, self.driver.spawn, index=len(self.played))
            self.fault_ends = max(self.fault_ends, cluster.now + (fault_seconds(fault) or 0.0))

        self.driver.call(act)

    @rule(seconds=st.sampled_from((1.0, 10.0, 60.0)))
    def advance(self, seconds: float) -> None:
        self.played.append(seconds)
        self.driver.call(lambda cluster: cluster.advance(seconds))

    # -- invariants -----------------------------------------------------------------------------

    def safety_violations(self, cluster: Cluster) -> list[str]:
        """The properties that hold at every instant (`checks.SAFETY`); override to change."""
        return self._checks(cluster).safety()

    def liveness_violations(self, cluster: Cluster) -> list[str]:
        """The properties that hold once the cluster settled (`checks.LIVENESS`); override to
        change."""
        return self._checks(cluster).liveness()

    def _checks(self, cluster: Cluster) -> Checks:
        if self.checks is None:
            self.checks = Checks(cluster)
        return self.checks

    @invariant()
    def safety(self) -> None:
        self.check(self.driver.call(_now(self.safety_violations)), "safety")

    def check(self, violations: list[str], name: str) -> None:
        if violations:
            path = self.write_scenario(violations[0])
            raise PropertyFailed("\n".join([*violations, f"reproduce: k8s-actors run {path}"]))

    def write_scenario(self, violation: str) -> Path:
        """Write the steps played so far as a scenario; print and return its path."""
        self.scenario_dir.mkdir(parents=True, exist_ok=True)
        path = self.scenario_dir / f"{type(self).__name__.lower()}-{self.seed}.yaml"
        scenario_from_steps(
            self.played, self.topology, self.seed, path, violation=violation, refused=self.refused
        )
        print(f"failing scenario written to {path}")
        return path

    def teardown(self) -> None:
        try:
            self.check(self.driver.call(self._settled), "liveness")
        finally:
            self.driver.close()

    async def _settled(self, cluster: Cluster) -> list[str]:
        await _lift_node_faults(cluster, self.played)
        await _uncordon(cluster, self.topology.node_names())
        await cluster.advance(max(0.0, self.fault_ends - cluster.now))
        await cluster.wait_for(
            lambda: _holds(self.liveness_violations(cluster)),
            timeout=self.settle_seconds,
            poll=5.0,
        )
        return self.liveness_violations(cluster)


async def _holds(violations: list[str]) -> bool:
    return not violations


def _now(check: Any) -> Any:
    async def command(cluster: Cluster) -> list[str]:
        return list(check(cluster))

    return command


async def _perform_quietly(cluster: Cluster, op: Operation) -> bool:
    """A user's request may be refused (not found, conflict) or lost (a partition, message loss):
    that is an outcome, not a bug."""
    try:
        return await perform(cluster, op)
    except (ApiError, KernelError):  # refused, or lost to a network fault
        return False


async def _uncordon(cluster: Cluster, nodes: tuple[str, ...]) -> None:
    """Cordoned or drained nodes take pods again: a cluster with no schedulable node cannot
    converge, whatever its controllers do."""
    for node in nodes:
        await cluster.kubectl(f"uncordon {node}")


async def _lift_node_faults(cluster: Cluster, played: list[Played]) -> None:
    """Nodes left down come back, so that the cluster can converge."""
    down: dict[str, None] = {}
    for step in played:
        if isinstance(step, NodeDown):
            down[step.node] = None
        elif isinstance(step, NodeUp):
            down.pop(step.node, None)
    for node in down:
        await cluster.start_node(node)
