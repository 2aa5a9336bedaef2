"""The scheduling framework: plugin interface, statuses, cycle state and the extension points.

Role: pkg/scheduler/framework (interface.go, runtime/framework.go, types.go FitError). A plugin
implements any of PreFilter, Filter, PostFilter, PreScore, Score (+ NormalizeScore), Reserve,
Permit and PreBind; the `Framework` runs each point over the plugins of the profile in order.
Filter and Score take a batch of nodes (one call per plugin per cycle, not per node): the
outcome is Kubernetes' - a node's status is the first failing plugin's - but the loop over nodes
stays inside each plugin, where it can read per-node aggregates without a call per node. A
PreFilter or PreScore answering Skip removes the plugin from the rest of the cycle, as upstream.
Neighbours: `podinfo`, `nodeinfo`, `cache` (via `Handle`), `core` (drives a cycle), `plugins`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from k8s_actors.components.scheduler.cache import Cache
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.podinfo import PodInfo

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in

__all__ = [
    "MAX_NODE_SCORE",
    "Code",
    "CycleState",
    "FitError",
    "Framework",
    "Handle",
    "Plugin",
    "Status",
    "default_normalize",
]

MAX_NODE_SCORE = 100


class Code(enum.IntEnum):
    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5


class Status:
    """A plugin's verdict; `None` stands for Success everywhere in this package."""

    __slots__ = ("code", "plugin", "reasons")

    def __init__(self, code: Code, *reasons: str, plugin: str = "") -> None:
        self.code = code
        self.reasons = reasons
        self.plugin = plugin

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    def __repr__(self) -> str:
        return f"Status({self.code.name}, {self.message!r}, plugin={self.plugin!r})"


SKIP = Status(Code.SKIP)


class CycleState:
    """Data plugins keep for one scheduling cycle, and the plugins skipped in it."""

    __slots__ = ("data", "skip_filter", "skip_score")

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()

    def clone(self) -> CycleState:
        copy = CycleState()
        copy.data = dict(self.data)
        copy.skip_filter = set(self.skip_filter)
        copy.skip_score = set(self.skip_score)
        return copy


class Handle:
    """What plugins may read besides the pod and the nodes (framework.Handle)."""

    def __init__(
        self,
        cache: Cache,
        *,
        rng: random.Random,
        selectors: Callable[[PodInfo], list[Any]] | None = None,
        scheduler_name: str = "default-scheduler",
        mutants: tuple[str, ...] = (),
    ) -> None:
        self.cache = cache
        self.mutants = mutants  # deliberate defects (k8s_actors.kernel.mutants)
        self.rng = rng  # the run's generator: every random choice of a plugin comes from it
        # The label selectors of the Services and controllers owning a pod (DefaultSelector).
        self.selectors = selectors or (lambda info: [])
        self.scheduler_name = scheduler_name
        self.framework: Framework | None = None


class Plugin:
    """Base of every plugin; a subclass overrides the extension points it takes part in."""

    name: ClassVar[str] = ""
    # Cluster events after which a pod this plugin rejected may fit (EventsToRegister).
    events: ClassVar[tuple[str, ...]] = ()

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        return None

    def filter_nodes(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], failed: dict[str, Status]
    ) -> list[NodeInfo]:
        """The nodes passing this filter; the others go into `failed` with their status."""
        passed: list[NodeInfo] = []
        check = self.filter
        for node in nodes:
            status = check(state, pod, node)
            if status is None:
                passed.append(node)
            else:
                status.plugin = self.name
                failed[node.name] = status
        return passed

    def post_filter(
        self, state: CycleState, pod: PodInfo, statuses: dict[str, Status]
    ) -> tuple[str, Status | None]:
        """(nominated node or "", status): what could make the pod fit later."""
        return "", Status(Code.UNSCHEDULABLE)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        return [0] * len(nodes)

    def normalize(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        """Scale `scores` in place to 0..MAX_NODE_SCORE (no-op unless overridden)."""

    def reserve(self, state: CycleState, pod: PodInfo, node: str) -> Status | None:
        return None

    def unreserve(self, state: CycleState, pod: PodInfo, node: str) -> None:
        return None

    def permit(self, state: CycleState, pod: PodInfo, node: str) -> Status | None:
        return None

    def pre_bind(self, state: CycleState, pod: PodInfo, node: str) -> Status | None:
        return None


def _implements(plugin: Plugin, method: str) -> bool:
    return getattr(type(plugin), method) is not getattr(Plugin, method)


def default_normalize(scores: list[int], reverse: bool) -> None:
    """helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores), in place."""
    highest = max(scores, default=0)
    if highest == 0:
        if reverse:
            scores[:] = [MAX_NODE_SCORE] * len(scores)
        return
    if reverse:
        scores[:] = [MAX_NODE_SCORE - MAX_NODE_SCORE * s // highest for s in scores]
    else:
        scores[:] = [MAX_NODE_SCORE * s // highest for s in scores]


class Framework:
    """One profile: its plugins per extension point and the score weights."""

    def __init__(self, handle: Handle, plugins: list[Plugin], weights: dict[str, int]) -> None:
        self.handle = handle
        handle.framework = self
        self.plugins = plugins
        self.weights = weights
        self.pre_filters = [p for p in plugins if _implements(p, "pre_filter")]
        self.filters = [
            p for p in plugins if _implements(p, "filter") or _implements(p, "filter_nodes")
        ]
        self.post_filters = [p for p in plugins if _implements(p, "post_filter")]
        self.pre_scores = [p for p in plugins if _implements(p, "pre_score")]
        self.scorers = [p for p in plugins if _implements(p, "score") and weights.get(p.name)]
        self.reservers = [p for p in plugins if _implements(p, "reserve")]
        self.permitters = [p for p in plugins if _implements(p, "permit")]
        self.pre_binders = [p for p in plugins if _implements(p, "pre_bind")]

    def plugin(self, name: str) -> Plugin | None:
        return next((p for p in self.plugins if p.name == name), None)

    def events_of(self, name: str) -> tuple[str, ...]:
        plugin = self.plugin(name)
        return plugin.events if plugin is not None else ()

    # -- filtering -------------------------------------------------------------------------------

    def run_pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        for plugin in self.pre_filters:
            status = plugin.pre_filter(state, pod)
            if status is None:
                continue
            if status.code == Code.SKIP:
                state.skip_filter.add(plugin.name)
                continue
            status.plugin = plugin.name
            return status
        return None

    def run_filter(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], failed: dict[str, Status]
    ) -> list[NodeInfo]:
        skipped = state.skip_filter
        for plugin in self.filters:
            if plugin.name in skipped:
                continue
            nodes = plugin.filter_nodes(state, pod, nodes, failed)
            if not nodes:
                break
        return nodes

    def run_filter_one(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        failed: dict[str, Status] = {}
        self.run_filter(state, pod, [node], failed)
        return failed.get(node.name)

    def run_post_filter(
        self, state: CycleState, pod: PodInfo, statuses: dict[str, Status]
    ) -> tuple[str, Status | None]:
        status: Status | None = Status(Code.UNSCHEDULABLE)
        for plugin in self.post_filters:
            nominated, status = plugin.post_filter(state, pod, statuses)
            if status is None or status.code != Code.UNSCHEDULABLE:
                return nominated, status
        return "", status

    # -- scoring ---------------------------------------------------------------------------------

    def run_pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> None:
        for plugin in self.pre_scores:
            status = plugin.pre_score(state, pod, nodes)
            if status is not None and status.code == Code.SKIP:
                state.skip_score.add(plugin.name)

    def run_score(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[list[int], dict[str, list[int]]]:
        """Total weighted score per node, and each plugin's normalised (unweighted) scores."""
        totals = [0] * len(nodes)
        by_plugin: dict[str, list[int]] = {}
        skipped = state.skip_score
        for plugin in self.scorers:
            if plugin.name in skipped:
                continue
            scores = plugin.score(state, pod, nodes)
            plugin.normalize(state, pod, nodes, scores)
            by_plugin[plugin.name] = scores
            weight = self.weights[plugin.name]
            if weight == 1:
                totals = [t + s for t, s in zip(totals, scores, strict=True)]
            else:
                totals = [t + s * weight for t, s in zip(totals, scores, strict=True)]
        return totals, by_plugin

    # -- after a node is chosen ------------------------------------------------------------------

    def run_reserve(self, state: CycleState, pod: PodInfo, node: str) -> Status | None:
        for plugin in self.reservers:
            status = plugin.reserve(state, pod, node)
            if status is not None:
                self.run_unreserve(state, pod, node)
                return status
        return None

    def run_unreserve(self, state: CycleState, pod: PodInfo, node: str) -> None:
        for plugin in reversed(self.reservers):
            plugin.unreserve(state, pod, node)

    def run_permit(self, state: CycleState, pod: PodInfo, node: str) -> Status | None:
        for plugin in self.permitters:
            status = plugin.permit(state, pod, node)
            if status is not None:
                return status
        return None

    def run_pre_bind(self, state: CycleState, pod: PodInfo, node: str) -> Status | None:
        for plugin in self.pre_binders:
            status = plugin.pre_bind(state, pod, node)
            if status is not None:
                return status
        return None


class FitError(Exception):
    """No node fits: the message Kubernetes puts in FailedScheduling (framework/types.go)."""

    def __init__(
        self,
        pod: PodInfo,
        num_all_nodes: int,
        statuses: dict[str, Status],
        pre_filter_message: str = "",
    ) -> None:
        super().__init__()
        self.pod = pod
        self.num_all_nodes = num_all_nodes
        self.statuses = statuses
        self.pre_filter_message = pre_filter_message
        self.post_filter_message = ""

    def unschedulable_plugins(self) -> list[str]:
        return sorted({s.plugin for s in self.statuses.values() if s.plugin})

    def __str__(self) -> str:
        return fit_error_message(
            self.num_all_nodes, self.statuses, self.pre_filter_message, self.post_filter_message
        )


def fit_error_message(
    num_all_nodes: int, statuses: dict[str, Status], pre_filter: str = "", post_filter: str = ""
) -> str:
    """`0/N nodes are available: <sorted "count reason">.` then the PostFilter message, each
    with its own ". " separator (SeparatorFormat " %v."), exactly as Kubernetes prints it:
    a PostFilter message that is itself a FitError therefore ends in two periods."""
    message = f"0/{num_all_nodes} nodes are available:"
    if pre_filter:
        message += f" {pre_filter}."
    else:
        counts: dict[str, int] = {}
        for status in statuses.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        histogram = sorted(f"{count} {reason}" for reason, count in counts.items())
        if histogram:
            message += f" {', '.join(histogram)}."
    if post_filter:
        message += f" {post_filter}."
    return message
