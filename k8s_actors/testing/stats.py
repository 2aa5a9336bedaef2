"""What cluster state machines did: examples, steps, faults by kind, invariant checks, failures.

Role: `RunStats` is the small tally a `ClusterMachine` updates as it plays (each machine class
shares `SESSION` unless given its own); `k8s-actors fuzz` and the pytest plugin print it with
`lines()`. Counting only: nothing here reads a clock or decides anything.
Neighbours: `machine` (updates it), `pytest_plugin`, `k8s_actors.cli.fuzz_verb` (report it).
"""

from __future__ import annotations


class RunStats:
    """Counts over every example played by the machines that share this object."""

    def __init__(self) -> None:
        self.examples = 0
        self.steps = 0
        self.faults: dict[str, int] = {}  # fault kind (the scenario file's name) -> count
        self.checks = 0
        self.failures: dict[str, str] = {}  # written scenario path -> first violation

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def failure(self, path: str, violation: str) -> None:
        """A property failed; the latest run of a failing case (the shrunk one) names it."""
        self.failures[path] = violation

    def lines(self) -> list[str]:
        """The figures as short lines of text, failures last."""
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items()))
        lines = [
            f"examples run: {self.examples}",
            f"steps played: {self.steps}",
            f"faults injected: {self.faults_injected}" + (f" ({kinds})" if kinds else ""),
            f"invariant checks made: {self.checks}",
            f"failures: {len(self.failures)}",
        ]
        lines += [f"  {path}: {violation}" for path, violation in self.failures.items()]
        return lines


SESSION = RunStats()
"""The tally every machine class updates unless it sets its own `stats`."""
