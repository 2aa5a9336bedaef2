"""Load steps and traffic expectations: their typed form, tallies and conditions (pure logic).

Role: a `load` step sends `rps` requests per simulated second for `duration` seconds from a pod,
a node or outside the cluster; each request ends in one outcome (ok, no_endpoints, refused,
timeout, dns_error, or http_<status> for a non-2xx answer) and, when a pod answered, names it.
`LoadTally` keeps those results in finishing order; `TrafficCondition` judges its running
totals (`requests`, `ok`, `errors`, `distinctPods`, `spread` = most minus fewest answers per
pod, or any outcome name), over the whole run or the last `last` seconds. Neighbours:
`load_loader` (builds the steps), `load_runner` (plays them), `runner`.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import msgspec

from k8s_actors.scenario.model import RepeatStep, Step

OUTCOMES = ("ok", "no_endpoints", "refused", "timeout", "dns_error")
METRICS = ("requests", "ok", "errors", "distinctPods", "spread", *OUTCOMES[1:])
SourceKind = Literal["pod", "node", "external"]
TrafficMode = Literal["for", "always", "never"]

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_TERM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|>=|<=|=|>|<)\s*(\d+)\s*$")


class TrafficError(ValueError):
    """A url or condition that cannot be understood; the message says why."""


class Url(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int = 80
    path: str = "/"


def parse_url(text: str) -> Url:
    """`http://HOST[:PORT][/PATH]` (only plain HTTP, as the simulated servers speak)."""
    scheme, sep, rest = text.partition("://")
    if not sep or scheme != "http":
        raise TrafficError(f'must be an http:// url such as http://web/, got "{text}"')
    authority, slash, path = rest.partition("/")
    host, colon, port_text = authority.partition(":")
    if not host or any(ch in host for ch in " @?#"):
        raise TrafficError(f'has no valid host: "{text}"')
    port = 80
    if colon:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise TrafficError(f'has an invalid port "{port_text}" (1-65535)')
        port = int(port_text)
    return Url(host=host, port=port, path=slash + path if slash else "/")


class LoadStep(Step, frozen=True, kw_only=True):
    """`rps` requests per second for `duration` seconds from `source` (`kind/name`)."""

    name: str
    source_kind: SourceKind
    source_name: str
    namespace: str
    url: str
    rps: float
    duration: float
    timeout: float

    @property
    def target(self) -> Url:
        return parse_url(self.url)

    @property
    def count(self) -> int:
        return max(1, round(self.rps * self.duration))


class TrafficTerm(msgspec.Struct, frozen=True):
    metric: str
    op: str
    value: int


class TrafficCondition(msgspec.Struct, frozen=True, kw_only=True):
    """Terms joined by `,` (all must hold), e.g. `requests>=100,errors=0`."""

    text: str
    terms: tuple[TrafficTerm, ...]


def parse_traffic_condition(text: str) -> TrafficCondition:
    terms: list[TrafficTerm] = []
    for part in text.split(","):
        match = _TERM.match(part)
        if match is None:
            raise TrafficError(
                f'"{part.strip()}" is not METRIC OP NUMBER (such as errors=0 or ok>=10)'
            )
        metric, op, value = match.groups()
        if metric not in METRICS and not re.fullmatch(r"http_\d{3}", metric):
            raise TrafficError(f'unknown metric "{metric}" (expected {", ".join(METRICS)})')
        terms.append(TrafficTerm(metric, op, int(value)))
    return TrafficCondition(text=text.strip(), terms=tuple(terms))


class TrafficExpectStep(Step, frozen=True, kw_only=True):
    """A condition over load `load`'s totals; `last` > 0 counts only its last seconds."""

    load: str
    mode: TrafficMode
    condition: TrafficCondition
    window: float
    last: float = 0.0
    load_mark: str = ""  # FILE:LINE:COL of the `traffic:` value, for the loader's name check


def unknown_loads(steps: Sequence[Step]) -> list[str]:
    """A problem line for each traffic expectation that names no load step of the file."""
    names = {step.name for step in _all(steps) if isinstance(step, LoadStep)}
    known = ", ".join(sorted(names)) or "none"
    return [
        f"{step.load_mark}: {step.where}.expect.traffic: no load step is named "
        f'"{step.load}" (loads: {known})'
        for step in traffic_expectations(steps)
        if step.load not in names
    ]


def _all(steps: Sequence[Step]) -> list[Step]:
    found: list[Step] = []
    for step in steps:
        found.append(step)
        if isinstance(step, RepeatStep):
            found.extend(_all(step.steps))
    return found


def traffic_expectations(steps: Sequence[Step]) -> list[TrafficExpectStep]:
    """Every traffic expectation, those inside repeats included, in file order."""
    found: list[TrafficExpectStep] = []
    for step in steps:
        if isinstance(step, TrafficExpectStep):
            found.append(step)
        elif isinstance(step, RepeatStep):
            found.extend(traffic_expectations(step.steps))
    return found


def outcome_of(status: int, error: str) -> str:
    """The tally name of one request's end: an error kind, ok (2xx), or http_<status>."""
    if error:
        return {"resolve": "dns_error", "no_route": "timeout"}.get(error, error)
    return "ok" if 200 <= status < 300 else f"http_{status}"


class LoadTally:
    """Finished requests of one load, in finishing order: (time, outcome, pod or "")."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.results: list[tuple[str, str]] = []

    def add(self, at: float, outcome: str, pod: str) -> None:
        self.times.append(at)
        self.results.append((outcome, pod))

    def metrics(self, now: float, last: float = 0.0) -> dict[str, int]:
        """The counts over every request, or over those that ended in the last `last` s."""
        start = bisect.bisect_right(self.times, now - last) if last > 0 else 0
        chosen = self.results[start:]
        outcomes = count(outcome for outcome, _ in chosen)
        pods = count(pod for _, pod in chosen if pod)
        found = {
            "requests": len(chosen),
            "ok": outcomes.get("ok", 0),
            "errors": len(chosen) - outcomes.get("ok", 0),
            "distinctPods": len(pods),
            "spread": max(pods.values()) - min(pods.values()) if pods else 0,
        }
        return {**{name: 0 for name in OUTCOMES}, **outcomes, **found}

    def per_pod(self) -> dict[str, int]:
        return count(pod for _, pod in self.results if pod)

    def per_outcome(self) -> dict[str, int]:
        return count(outcome for outcome, _ in self.results)


def count(values: Iterable[str]) -> dict[str, int]:
    """How often each value occurs, by value in sorted order."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def judge_traffic(condition: TrafficCondition, metrics: dict[str, int]) -> tuple[bool, str]:
    """Whether every term holds, and what was seen (the metrics the condition names)."""
    holds = all(
        _COMPARE[term.op](metrics.get(term.metric, 0), term.value) for term in condition.terms
    )
    shown = ["requests", "ok", "errors", "distinctPods"]
    shown += [t.metric for t in condition.terms if t.metric not in shown]
    return holds, " ".join(f"{name}={metrics.get(name, 0)}" for name in shown)
