"""DefaultPreemption: when no node fits, find lower-priority pods whose removal would make room.

Role: plugins/defaultpreemption and framework/preemption (Evaluator.Preempt). Only nodes that
failed with a resolvable status are tried (the others: `Preemption is not helpful for
scheduling`), from a random offset, until max(10% of them, 100) candidates are found. On each,
every lower-priority pod is removed, the filters run, then victims are reprieved from the most
important down while the pod still fits. The candidate chosen has the lowest highest-victim
priority, then the lowest priority sum, the fewest victims, the latest start of its most
important victims, then the first. The victims and the nominated node are left in the cycle
state for the actor, which deletes them and sets status.nominatedNodeName. PodDisruptionBudgets
are not modelled. Neighbours: `framework` (filters re-run on cloned NodeInfos), `agent`.
"""

from __future__ import annotations

from k8s_actors.components.scheduler.framework import (
    Code,
    CycleState,
    Plugin,
    Status,
    fit_error_message,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["VICTIMS", "DefaultPreemption"]

VICTIMS = "DefaultPreemption/victims"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
Candidate = tuple[NodeInfo, list[PodInfo]]


def _start_time(pod: PodInfo) -> str:
    return pod.pod.status.start_time or pod.pod.metadata.creation_timestamp or ""


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def post_filter(
        self, state: CycleState, pod: PodInfo, statuses: dict[str, Status]
    ) -> tuple[str, Status | None]:
        refusal = self._ineligible(pod)
        if refusal:
            return "", Status(Code.UNSCHEDULABLE, f"preemption: {refusal}")
        nodes = self.handle.cache.node_list()
        potential = [
            n for n in nodes if (s := statuses.get(n.name)) is None or s.code == Code.UNSCHEDULABLE
        ]
        results: dict[str, Status] = {
            n.name: Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, NOT_HELPFUL) for n in nodes
        }
        candidates = self._dry_run(state, pod, potential, results) if potential else []
        if not candidates:
            message = fit_error_message(len(nodes), results)
            return "", Status(Code.UNSCHEDULABLE, f"preemption: {message}")
        node, victims = self._pick(candidates)
        state.data[VICTIMS] = victims
        return node.name, None

    def _ineligible(self, pod: PodInfo) -> str:
        """PodEligibleToPreemptOthers: why the pod may not preempt, "" when it may."""
        if pod.pod.spec.preemption_policy == "Never":
            return "not eligible due to preemptionPolicy=Never."
        nominated = pod.pod.status.nominated_node_name
        node = self.handle.cache.nodes.get(nominated) if nominated else None
        if node is not None and any(
            p.terminating and p.priority < pod.priority for p in node.pods.values()
        ):
            return "not eligible due to a terminating pod on the nominated node."
        return ""

    def _dry_run(
        self, state: CycleState, pod: PodInfo, potential: list[NodeInfo], results: dict[str, Status]
    ) -> list[Candidate]:
        wanted = min(
            len(potential),
            max(
                len(potential) * MIN_CANDIDATE_NODES_PERCENTAGE // 100, MIN_CANDIDATE_NODES_ABSOLUTE
            ),
        )
        offset = self.handle.rng.randrange(len(potential))
        candidates: list[Candidate] = []
        for step in range(len(potential)):
            node = potential[(offset + step) % len(potential)]
            victims, status = self.select_victims(state, pod, node)
            if status is not None:
                results[node.name] = status
                continue
            del results[node.name]
            candidates.append((node, victims))
            if len(candidates) >= wanted:
                break
        return candidates

    def select_victims(
        self, state: CycleState, pod: PodInfo, node: NodeInfo
    ) -> tuple[list[PodInfo], Status | None]:
        framework = self.handle.framework
        assert framework is not None
        trial = node.clone()
        lower = [p for p in trial.pods.values() if p.priority < pod.priority]
        if not lower:
            return [], Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, NO_VICTIMS)
        for victim in lower:
            trial.remove_pod(victim.key)
        status = framework.run_filter_one(state, pod, trial)
        if status is not None:
            return [], status
        # MoreImportantPod: higher priority first, then the one that started earlier.
        lower.sort(key=lambda p: (-p.priority, _start_time(p)))
        victims: list[PodInfo] = []
        for candidate in lower:
            trial.add_pod(candidate)
            if framework.run_filter_one(state, pod, trial) is not None:
                trial.remove_pod(candidate.key)
                victims.append(candidate)
        return victims, None

    @staticmethod
    def _pick(candidates: list[Candidate]) -> Candidate:
        """pickOneNodeForPreemption's criteria, in order; the first candidate on a full tie."""

        def rank(candidate: Candidate) -> tuple[int, int, int, str]:
            victims = candidate[1]
            highest = max((v.priority for v in victims), default=-(2**31))
            offset_sum = sum(v.priority + 2**31 for v in victims)
            earliest = min((_start_time(v) for v in victims if v.priority == highest), default="")
            return (highest, offset_sum, len(victims), _invert(earliest))

        return min(candidates, key=rank)


def _invert(timestamp: str) -> str:
    """A key under which a later RFC 3339 time sorts first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in timestamp)
