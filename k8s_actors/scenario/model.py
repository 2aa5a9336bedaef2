"""What a scenario file says, once loaded and checked: its name, seed, cluster and steps.

Role: the typed form of a scenario (frozen Structs) that the runner executes; the loader builds it
and reports every problem with its file, line and column first. Neighbours: `loader`, `runner`,
`spec` (the cluster section), `selection` (what expectations look at and test).
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec

from k8s_actors.scenario.selection import Condition, Selection
from k8s_actors.scenario.spec import ClusterSpec

ExpectMode = Literal["for", "always", "never"]


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the script: where it was written, what it does, and when (`at`, if set)."""

    index: int
    line: int
    text: str
    where: str = ""
    at: float | None = None


class ApplyStep(Step, frozen=True, kw_only=True):
    """Apply manifests; with `expect_failure`, the API must refuse it (or the request be lost)."""

    objects: tuple[Any, ...]
    source: str
    expect_failure: bool = False


class SleepStep(Step, frozen=True, kw_only=True):
    seconds: float


class DeleteStep(Step, frozen=True, kw_only=True):
    kind: str
    name: str
    namespace: str
    propagation: str


class OutputCheck(msgspec.Struct, frozen=True, kw_only=True):
    """What a kubectl step's output (stdout then stderr) must show: a substring or a regex."""

    contains: str | None = None
    matches: str | None = None

    def describe(self) -> str:
        if self.contains is not None:
            return f"contain {self.contains!r}"
        return f"match {self.matches!r}"

    def holds(self, output: str) -> bool:
        if self.contains is not None:
            return self.contains in output
        return re.search(self.matches or "", output, re.MULTILINE) is not None


class KubectlStep(Step, frozen=True, kw_only=True):
    """A kubectl command line; exit 0 passes, unless `expect_failure` (then non-zero passes).

    With `expect_output`, the output must also show what it asks for.
    """

    command: str
    namespace: str = "default"
    expect_failure: bool = False
    expect_output: OutputCheck | None = None


class ExpectStep(Step, frozen=True, kw_only=True):
    """`for` holds once within `window`; `always` / `never` hold / fail at every change."""

    selection: Selection
    mode: ExpectMode
    condition: Condition
    window: float


class InvariantExpectStep(Step, frozen=True, kw_only=True):
    """The named invariants all hold at one instant within `window` (checked every few seconds).

    The names are resolved by whoever runs the scenario (`run_scenario(invariant_checks=...)`).
    """

    names: tuple[str, ...]
    window: float


class InvariantRef(msgspec.Struct, frozen=True, kw_only=True):
    """An invariant named in the top-level `invariants:` list: checked after every step."""

    name: str
    line: int
    where: str


class FaultStep(Step, frozen=True, kw_only=True):
    """One fault; `kind` is its key in the file (partition, crash, ...), `args` its fields."""

    kind: str
    args: dict[str, Any]
    duration: float | None = None


class RepeatStep(Step, frozen=True, kw_only=True):
    times: int
    steps: tuple[Step, ...]


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    seed: int
    path: str
    steps: tuple[Step, ...]
    cluster: ClusterSpec = msgspec.field(default_factory=ClusterSpec)
    invariants: tuple[InvariantRef, ...] = ()

    def expectations(self) -> list[ExpectStep]:
        """Every expect step, those inside repeats included, in file order."""
        return [step for step in self.all_steps() if isinstance(step, ExpectStep)]

    def invariant_expectations(self) -> list[InvariantExpectStep]:
        """Every `expect: {invariant: ...}` step, those inside repeats included, in file order."""
        return [step for step in self.all_steps() if isinstance(step, InvariantExpectStep)]

    def all_steps(self) -> list[Step]:
        """Every step, those inside repeats included (once each), in file order."""
        found: list[Step] = []
        pending = list(self.steps)
        while pending:
            step = pending.pop(0)
            found.append(step)
            if isinstance(step, RepeatStep):
                pending[:0] = step.steps
        return found
