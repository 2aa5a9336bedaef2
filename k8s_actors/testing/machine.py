"""`ClusterMachine`: a Hypothesis state machine playing user operations and faults on a cluster.

Role: each rule applies one generated operation or fault, or lets simulated time pass; the
safety invariants (`safety_invariants`, names in `checks.SAFETY`) are checked after every step
and the liveness ones (`liveness_invariants`) at teardown, once the cluster was given the chance
to converge: teardown plays settle steps (nodes left down come back, a deleted Node's kubelet
restarts to register it again, every node is uncordoned, time passes to the end of the last
fault), then polls the liveness invariants for up to
`settle_seconds`. Every step played is recorded, and when a property fails the shrunk sequence
is written as a scenario file (`reproduce`) whose path is printed: the same seed and cluster,
the safety invariants as `invariants:`, a liveness failure as a final `expect: {invariant:}`,
so that `k8s-actors run` fails the same way. `stats` tallies examples, steps, faults and checks.
Subclass to change the topology, the seed, the rules or the invariants.
Neighbours: `driver`, `operations`, `strategies`, `checks`, `reproduce`, `stats`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, cast

from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from k8s_actors.client.errors import ApiError
from k8s_actors.kernel import KernelError
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.faults import StepFailed
from k8s_actors.scenario.invariants import POLL_SECONDS
from k8s_actors.testing.checks import LIVENESS, SAFETY, Checks
from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.operations import (
    Apply,
    DeleteNode,
    Fault,
    KubeletCrash,
    NodeDown,
    NodeUp,
    Operation,
    Uncordon,
    chosen_pod,
    fault_body,
    fault_seconds,
    inject_fault,
    perform,
    retarget,
)
from k8s_actors.testing.reproduce import (
    Played,
    as_replayed,
    invariant_expectation,
    scenario_from_steps,
)
from k8s_actors.testing.stats import SESSION, RunStats
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
    safety_invariants: ClassVar[tuple[str, ...]] = tuple(SAFETY)
    liveness_invariants: ClassVar[tuple[str, ...]] = tuple(LIVENESS)
    stats: ClassVar[RunStats] = SESSION

    def __init__(self) -> None:
        super().__init__()
        self.driver = ClusterDriver(self.seed, cluster_spec(self.topology.cluster_section()))
        self.played: list[Played] = []
        self.refused: list[int] = []
        self.fault_ends = 0.0
        self.checks: Checks | None = None
        # Bound before the first step, as a replay binds them when its run starts.
        self.driver.call(_now(self._checks))
        self.failed = False
        self.settling = False  # the teardown's settle steps are played, not counted as drawn
        self.stats.examples += 1

    # -- rules ----------------------------------------------------------------------------------

    @initialize(manifest=deployments())
    def start_workload(self, manifest: dict[str, Any]) -> None:
        self.apply_operation(Apply(manifest=manifest))

    @rule(op=operations(NODES))
    def apply_operation(self, op: Operation) -> None:
        op = retarget(op, self.topology.node_names())  # type: ignore[assignment]
        op = self.driver.call(_now(lambda cluster: chosen_pod(cluster, op)))
        self.played.append(op)
        self.stats.steps += not self.settling
        if not self.driver.call(lambda cluster: _perform_quietly(cluster, op)):
            self.refused.append(len(self.played) - 1)

    @rule(fault=faults(NODES))
    def inject(self, fault: Fault) -> None:
        fault = retarget(fault, self.topology.node_names())  # type: ignore[assignment]
        self.played.append(fault)
        if not self.settling:
            self.stats.steps += 1
            self.stats.fault(fault_body(fault)[0])

        async def act(cluster: Cluster) -> None:
            await inject_fault(cluster, fault, self.driver.spawn, index=len(self.played))
            self.fault_ends = max(self.fault_ends, cluster.now + (fault_seconds(fault) or 0.0))

        try:
            self.driver.call(act)
        except StepFailed:
            # Refused, as a user's command may be (a crash of a component still down): nothing
            # happened, so the replay leaves the step out.
            self.played.pop()

    @rule(seconds=st.sampled_from((1.0, 10.0, 60.0)))
    def advance(self, seconds: float) -> None:
        self.played.append(seconds)
        self.stats.steps += not self.settling
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
            self.checks = Checks(cluster, self.safety_invariants, self.liveness_invariants)
        return self.checks

    @invariant()
    def safety(self) -> None:
        self.check(self.driver.call(_now(self.safety_violations)), "safety")

    def check(self, violations: list[str], name: str) -> None:
        """Fail with `violations` (of the `name` properties: safety or liveness), if any."""
        if violations:
            self.failed = True
            path = self.write_scenario(violations[0], liveness=name == "liveness")
            self.stats.failure(str(path), violations[0])
            raise PropertyFailed("\n".join([*violations, f"reproduce: k8s-actors run {path}"]))

    def write_scenario(self, violation: str, *, liveness: bool = False) -> Path:
        """Write the steps played so far as a scenario; print and return its path.

        The replay checks the safety invariants after every step, and after a `liveness`
        failure waits for the liveness invariants as teardown did.
        """
        self.scenario_dir.mkdir(parents=True, exist_ok=True)
        path = self.scenario_dir / f"{type(self).__name__.lower()}-{self.seed}.yaml"
        expectations = []
        if liveness and self.liveness_invariants:
            expectations.append(invariant_expectation(self.liveness_invariants, self._window()))
        scenario_from_steps(
            self.played,
            self.topology,
            self.seed,
            path,
            violation=violation,
            refused=self.refused,
            invariants=self.safety_invariants,
            expectations=expectations,
        )
        print(f"failing scenario written to {path}")
        return path

    def teardown(self) -> None:
        try:
            if not self.failed:  # after a failed step, only the cluster is closed
                self.settle()
                self.check(self.driver.call(self._converged), "liveness")
        finally:
            self.stats.checks += self.checks.made if self.checks is not None else 0
            self.driver.close()

    def settle(self) -> None:
        """Give the cluster the chance to converge, as steps that a replay plays too: time
        passes to the end of the last fault (so that a crashed kube-apiserver is back before
        anything is asked of it), nodes left down come back, every node is uncordoned (a
        cluster with no schedulable node cannot converge, whatever its controllers do). The
        safety invariants are checked after each, as after every step."""
        self.settling = True
        remaining = self.driver.call(_now(lambda cluster: self.fault_ends - cluster.now))
        if remaining > 0:
            self.advance(as_replayed(remaining))
            self.safety()
        for node in _nodes_left_down(self.played):
            self.inject(NodeUp(node=node))
            self.safety()
        for node in _nodes_deleted(self.played, self.refused):
            # A running kubelet registers its Node only when it starts, as Kubernetes' does.
            self.inject(KubeletCrash(node=node, seconds=1.0))
            self.safety()
        for node in self.topology.node_names():
            self.apply_operation(Uncordon(node=node))
            self.safety()

    def _window(self) -> float:
        return as_replayed(self.settle_seconds)

    async def _converged(self, cluster: Cluster) -> list[str]:
        """Poll the liveness invariants until they hold at once or the window closes, as a
        replay's `expect: {invariant: ...}` does."""
        await cluster.wait_for(
            lambda: _holds(self.liveness_violations(cluster)),
            timeout=self._window(),
            poll=POLL_SECONDS,
        )
        return self.liveness_violations(cluster)


async def _holds(violations: list[str]) -> bool:
    return not violations


def _now(read: Any) -> Any:
    """A driver command returning `read(cluster)` at the current instant."""

    async def command(cluster: Cluster) -> Any:
        return read(cluster)

    return command


async def _perform_quietly(cluster: Cluster, op: Operation) -> bool:
    """A user's request may be refused (not found, conflict) or lost (a partition, message loss):
    that is an outcome, not a bug."""
    try:
        return await perform(cluster, op)
    except (ApiError, KernelError):  # refused, or lost to a network fault
        return False


def _nodes_left_down(played: list[Played]) -> list[str]:
    """The nodes a NodeDown took away and no later NodeUp brought back, in order of going."""
    down: dict[str, None] = {}
    for step in played:
        if isinstance(step, NodeDown):
            down[step.node] = None
        elif isinstance(step, NodeUp):
            down.pop(step.node, None)
    return list(down)


def _nodes_deleted(played: list[Played], refused: list[int]) -> list[str]:
    """The nodes whose Node a DeleteNode removed with no NodeUp or KubeletCrash after it (a
    kubelet starting again registers its Node), in order of deletion."""
    deleted: dict[str, None] = {}
    for index, step in enumerate(played):
        if isinstance(step, DeleteNode) and index not in refused:
            deleted[step.node] = None
        elif isinstance(step, (NodeUp, KubeletCrash)):
            deleted.pop(step.node, None)
    return list(deleted)


def run_machine(machine: type[RuleBasedStateMachine], settings: Settings | None = None) -> None:
    """Run a state machine class as Hypothesis runs it in a test (typed, whatever the installed
    Hypothesis says of its own signature)."""
    _run_as_test(machine, settings=settings)


_run_as_test = cast("Callable[..., None]", run_state_machine_as_test)
