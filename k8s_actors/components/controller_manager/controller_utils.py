"""What the workload controllers share, after pkg/controller/controller_utils.go and
controller_ref_manager.go: the deletion ranking of pods, controller expectations, slow-start
batching and the claiming (adoption / release) of dependents through ownerReferences.

Role: the ranking, expectations and claim decisions are synchronous and read no clock (callers
pass "now" and a timestamp parser); only `ControllerRefManager` and `slow_start_batch` await.
Neighbours: `podutil` (pod predicates), `replicaset` (the main caller), `k8s_actors.client`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

from k8s_actors.api.labels import Selector
from k8s_actors.api.meta import OwnerReference
from k8s_actors.api.objects.pod import Pod
from k8s_actors.client import ApiClient, Indexer
from k8s_actors.client.errors import ApiError, Invalid, NotFound
from k8s_actors.components.controller_manager.podutil import (
    POD_READY,
    get_pod_condition,
    is_pod_ready,
)
from k8s_actors.kernel import Logger, TraceContext

# If a watch drops an event, a controller waiting for it wakes up after this anyway.
EXPECTATIONS_TIMEOUT = 300.0
# Creates start with a batch of this size and double while batches succeed.
SLOW_START_INITIAL_BATCH_SIZE = 1
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"

ParseTs = Callable[[str], float]

# -- pods by controller (controller_utils.go PodControllerUIDIndex, FilterPodsByOwner) ---------

POD_CONTROLLER_UID_INDEX = "podControllerUID"
ORPHAN_POD_INDEX_KEY = "_ORPHAN_POD"


def orphan_pod_index_key(namespace: str) -> str:
    """The index value of the pods of `namespace` that no controller owns."""
    return f"{namespace}/{ORPHAN_POD_INDEX_KEY}"


def _pod_controller_uid(pod: Any) -> list[str]:
    # Namespaced values, so that a read needs no namespace filter.
    namespace = pod.metadata.namespace
    ref = pod.metadata.controller_ref()
    return [f"{namespace}/{ref.uid}"] if ref is not None else [orphan_pod_index_key(namespace)]


def add_pod_controller_uid_indexer(indexer: Indexer) -> None:
    """Index pods by their controller's uid, orphans by namespace (once per shared informer)."""
    if POD_CONTROLLER_UID_INDEX not in indexer.index_names():
        indexer.add_indexer(POD_CONTROLLER_UID_INDEX, _pod_controller_uid)


def pods_controlled_by(indexer: Indexer, namespace: str, uid: str) -> list[Pod]:
    """The pods of `namespace` whose controller has `uid`, by key, without a namespace walk."""
    pods: list[Pod] = indexer.by_index(POD_CONTROLLER_UID_INDEX, f"{namespace}/{uid}")
    return pods


# -- ranking of pods for deletion (controller_utils.go ActivePodsWithRanks.Less) --------------

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


@dataclass(frozen=True)
class RankOptions:
    """Feature gates of the ranking: PodDeletionCost (beta, on) and LogarithmicScaleDown (GA)."""

    pod_deletion_cost: bool = True
    logarithmic_scale_down: bool = True


def deletion_cost(pod: Pod) -> int:
    """The pod-deletion-cost annotation as an int32; 0 when absent or invalid.

    pkg/apis/core/helper GetDeletionCostFromPodAnnotations: no leading "+" or zeros.
    """
    value = pod.metadata.annotations.get(POD_DELETION_COST)
    if not value:
        return 0
    first = value[0]
    if not (first == "-" or value == "0" or "1" <= first <= "9"):
        return 0
    try:
        cost = int(value, 10)
    except ValueError:
        return 0
    return cost if -(2**31) <= cost < 2**31 else 0


def pod_ready_time(pod: Pod) -> str | None:
    """lastTransitionTime of a True Ready condition (None: not ready, or never recorded)."""
    if not is_pod_ready(pod):
        return None
    condition = get_pod_condition(pod, POD_READY)
    return condition.last_transition_time if condition is not None else None


def max_container_restarts(pod: Pod) -> int:
    return max((s.restart_count for s in pod.status.container_statuses), default=0)


def _after_or_zero(t1: str | None, t2: str | None, parse_ts: ParseTs) -> bool:
    """Zero time first, then the later time first (controller_utils.go afterOrZero)."""
    if not t1 or not t2:
        return not t1
    return parse_ts(t1) > parse_ts(t2)


def _log2_rank(when: str, now: float, parse_ts: ParseTs) -> int:
    # Kubernetes takes int64(math.Log2(nanoseconds)); bit_length is the exact floor of it.
    nanos = round((now - parse_ts(when)) * 1e9)
    return nanos.bit_length() - 1 if nanos > 0 else -1


def _time_less(
    t1: str | None,
    t2: str | None,
    uids: tuple[str, str],
    now: float | None,
    parse_ts: ParseTs,
    options: RankOptions,
) -> bool:
    """Compare two times (recent first); with LogarithmicScaleDown by log2 bucket, then uid."""
    if not options.logarithmic_scale_down or now is None or not t1 or not t2:
        return _after_or_zero(t1, t2, parse_ts)
    diff = _log2_rank(t1, now, parse_ts) - _log2_rank(t2, now, parse_ts)
    if diff == 0:
        return uids[0] < uids[1]
    return diff < 0


def rank_less(
    a: Pod,
    rank_a: int,
    b: Pod,
    rank_b: int,
    now: float | None,
    parse_ts: ParseTs,
    options: RankOptions = RankOptions(),
) -> bool:
    """True when `a` should be deleted before `b` (ActivePodsWithRanks.Less, rules 1-8)."""
    node_a, node_b = a.spec.node_name, b.spec.node_name
    if node_a != node_b and (not node_a or not node_b):
        return not node_a  # 1. unassigned first
    phase_a = _PHASE_ORDINAL.get(a.status.phase, 0)
    phase_b = _PHASE_ORDINAL.get(b.status.phase, 0)
    if phase_a != phase_b:
        return phase_a < phase_b  # 2. Pending < Unknown < Running
    ready_a, ready_b = is_pod_ready(a), is_pod_ready(b)
    if ready_a != ready_b:
        return not ready_a  # 3. not ready first
    if options.pod_deletion_cost and deletion_cost(a) != deletion_cost(b):
        return deletion_cost(a) < deletion_cost(b)  # 4. cheaper first
    if rank_a != rank_b:
        return rank_a > rank_b  # 5. more colocated pods first
    uids = (a.metadata.uid, b.metadata.uid)
    if ready_a and ready_b:  # 6. ready for less time first
        since_a, since_b = pod_ready_time(a), pod_ready_time(b)
        if _instant(since_a, parse_ts) != _instant(since_b, parse_ts):
            return _time_less(since_a, since_b, uids, now, parse_ts, options)
    restarts_a, restarts_b = max_container_restarts(a), max_container_restarts(b)
    if restarts_a != restarts_b:
        return restarts_a > restarts_b  # 7. more restarts first
    created_a, created_b = a.metadata.creation_timestamp, b.metadata.creation_timestamp
    if _instant(created_a, parse_ts) != _instant(created_b, parse_ts):
        return _time_less(created_a, created_b, uids, now, parse_ts, options)  # 8. newer first
    return False


def _instant(text: str | None, parse_ts: ParseTs) -> float | None:
    return parse_ts(text) if text else None


def sort_pods_with_ranks(
    pods: Sequence[Pod],
    ranks: Sequence[int],
    now: float | None,
    parse_ts: ParseTs,
    options: RankOptions = RankOptions(),
) -> list[Pod]:
    """The pods, most preferred for deletion first (a stable sort by `rank_less`)."""
    ranked = list(zip(pods, ranks, strict=True))

    def compare(x: tuple[Pod, int], y: tuple[Pod, int]) -> int:
        if rank_less(x[0], x[1], y[0], y[1], now, parse_ts, options):
            return -1
        if rank_less(y[0], y[1], x[0], x[1], now, parse_ts, options):
            return 1
        return 0

    ranked.sort(key=functools.cmp_to_key(compare))
    return [pod for pod, _ in ranked]


# -- expectations (controller_utils.go ControllerExpectations, UIDTrackingControllerExpectations)


@dataclass
class ControlleeExpectations:
    """Creates and deletes a controller still waits to observe, since `timestamp`."""

    add: int
    delete: int
    timestamp: float
    deleting: dict[str, None] = field(default_factory=dict)  # pod keys expected to go

    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0


class ControllerExpectations:
    """Per controller key, what its informer must observe before the next create/delete round.

    Expectations are set when the controller acts and only lowered by observations; a
    controller whose expectations are neither fulfilled nor older than 5 minutes skips
    managing replicas. Deletions are tracked by pod key so that a deletionTimestamp update and
    the final delete event count once (UIDTrackingControllerExpectations).
    """

    def __init__(self, now: Callable[[], float], timeout: float = EXPECTATIONS_TIMEOUT) -> None:
        self._now = now
        self.timeout = timeout
        self._items: dict[str, ControlleeExpectations] = {}

    def get(self, key: str) -> ControlleeExpectations | None:
        return self._items.get(key)

    def satisfied(self, key: str) -> bool:
        """True when there are no expectations, they are fulfilled, or they expired."""
        exp = self._items.get(key)
        if exp is None or exp.fulfilled():
            return True
        return self._now() - exp.timestamp > self.timeout

    def delete(self, key: str) -> None:
        self._items.pop(key, None)

    def expect_creations(self, key: str, adds: int) -> None:
        self._items[key] = ControlleeExpectations(add=adds, delete=0, timestamp=self._now())

    def expect_deletions(self, key: str, pod_keys: Sequence[str]) -> None:
        deleting = dict.fromkeys(pod_keys)
        self._items[key] = ControlleeExpectations(
            add=0, delete=len(deleting), timestamp=self._now(), deleting=deleting
        )

    def creation_observed(self, key: str) -> None:
        exp = self._items.get(key)
        if exp is not None:
            exp.add -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        """Count the deletion of `pod_key` once, if it was one this controller expected."""
        exp = self._items.get(key)
        if exp is not None and pod_key in exp.deleting:
            del exp.deleting[pod_key]
            exp.delete -= 1


# -- slow start (replica_set.go slowStartBatch) ------------------------------------------------


def slow_start_batch_sizes(count: int, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> list[int]:
    """The batch sizes slow start uses for `count` calls when every batch succeeds."""
    sizes: list[int] = []
    remaining = count
    size = min(remaining, initial)
    while size > 0:
        sizes.append(size)
        remaining -= size
        size = min(2 * size, remaining)
    return sizes


async def slow_start_batch(
    count: int,
    call: Callable[[], Awaitable[None]],
    *,
    initial: int = SLOW_START_INITIAL_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[int, Exception | None]:
    """Run `call` `count` times in concurrent batches of 1, 2, 4, ...; stop after the first
    batch with a failure. Returns the number of successes and the first error, if any."""
    successes = 0
    remaining = count
    size = min(remaining, initial)
    while size > 0:
        if on_batch is not None:
            on_batch(size)
        errors: list[Exception] = []
        async with anyio.create_task_group() as group:
            for _ in range(size):
                group.start_soon(_call_collecting, call, errors)
        successes += size - len(errors)
        if errors:
            return successes, errors[0]
        remaining -= size
        size = min(2 * size, remaining)
    return successes, None


async def _call_collecting(call: Callable[[], Awaitable[None]], errors: list[Exception]) -> None:
    try:
        await call()
    except Exception as error:  # a failed call ends slow start after its batch
        errors.append(error)


# -- claiming dependents (controller_ref_manager.go) -------------------------------------------

ClaimAction = Literal["own", "ignore", "adopt", "release"]


def claim_action(
    obj: Any, owner_uid: str, owner_deleting: bool, matches: Callable[[Any], bool]
) -> ClaimAction:
    """What claimObject does with one dependent: keep it, ignore it, adopt it or release it."""
    ref = obj.metadata.controller_ref()
    if ref is not None:
        if ref.uid != owner_uid:
            return "ignore"  # another controller's: never touched
        if matches(obj):
            return "own"
        return "ignore" if owner_deleting else "release"
    if owner_deleting or not matches(obj) or obj.metadata.deletion_timestamp is not None:
        return "ignore"
    return "adopt"


def controller_ref(owner: Any) -> OwnerReference:
    """metav1.NewControllerRef: controller=true, blockOwnerDeletion=true."""
    return OwnerReference(
        api_version=owner.api_version,
        kind=owner.kind,
        name=owner.metadata.name,
        uid=owner.metadata.uid,
        controller=True,
        block_owner_deletion=True,
    )


def adopt_patch(owner: Any, dependent: Any) -> dict[str, Any]:
    """The strategic merge patch that adds the controller reference, with the dependent's uid.

    Kubernetes relies on the API server's ValidateOwnerReferences to refuse a second
    controller=true reference when two controllers race for an orphan; the dependent's
    resourceVersion is sent too, so the slower adoption fails with a Conflict instead.
    """
    ref = controller_ref(owner)
    return {
        "metadata": {
            "ownerReferences": [
                {
                    "apiVersion": ref.api_version,
                    "kind": ref.kind,
                    "name": ref.name,
                    "uid": ref.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "uid": dependent.metadata.uid,
            "resourceVersion": dependent.metadata.resource_version,
        }
    }


def release_patch(owner_uid: str, dependent: Any) -> dict[str, Any]:
    """GenerateDeleteOwnerRefStrategicMergeBytes: drop the owner's reference, uid precondition."""
    return {
        "metadata": {
            "ownerReferences": [{"$patch": "delete", "uid": owner_uid}],
            "uid": dependent.metadata.uid,
        }
    }


class ClaimError(Exception):
    """Some adoptions or releases failed (utilerrors.NewAggregate); the sync is retried."""

    def __init__(self, errors: Sequence[Exception]) -> None:
        self.errors = list(errors)
        super().__init__(_aggregate_message(self.errors))


def _aggregate_message(errors: Sequence[Exception]) -> str:
    if len(errors) == 1:
        return str(errors[0])
    return "[" + ", ".join(str(error) for error in errors) + "]"


class ControllerRefManager:
    """Claims dependents (pods, or ReplicaSets for a Deployment) for one owner in one sync.

    Orphans that match the selector are adopted, owned dependents that no longer match are
    released, dependents of another controller are left alone. `can_adopt` (a fresh read of
    the owner, RecheckDeletionTimestamp) runs at most once, before the first adoption.
    """

    def __init__(
        self,
        api: ApiClient,
        owner: Any,
        selector: Selector,
        dependent_kind: type,
        *,
        can_adopt: Callable[[], Awaitable[None]] | None = None,
        log: Logger | None = None,
        span: TraceContext | None = None,
    ) -> None:
        self.api = api
        self.owner = owner
        self.selector = selector
        self.dependent_kind = dependent_kind
        self.log = log
        self.span = span
        self._can_adopt = can_adopt
        self._can_adopt_result: Exception | Literal["unchecked"] | None = "unchecked"

    def matches(self, obj: Any) -> bool:
        return self.selector.matches(obj.metadata.labels)

    async def claim(self, objects: Sequence[Any]) -> list[Any]:
        """The dependents the owner now owns; raises ClaimError if a change failed."""
        claimed: list[Any] = []
        errors: list[Exception] = []
        meta = self.owner.metadata
        deleting = meta.deletion_timestamp is not None
        for obj in objects:
            action = claim_action(obj, meta.uid, deleting, self.matches)
            try:
                if action == "adopt":
                    await self.adopt(obj)
                elif action == "release":
                    await self.release(obj)
            except NotFound:
                continue  # the dependent is gone: nothing to claim
            except Exception as error:  # collected, as ClaimPods aggregates errors
                errors.append(error)
                continue
            if action in ("own", "adopt"):
                claimed.append(obj)
        if errors:
            raise ClaimError(errors)
        return claimed

    async def _check_can_adopt(self) -> None:
        if self._can_adopt_result == "unchecked":
            self._can_adopt_result = None
            if self._can_adopt is not None:
                try:
                    await self._can_adopt()
                except Exception as error:  # remembered: every adoption of this sync fails
                    self._can_adopt_result = error
        if isinstance(self._can_adopt_result, Exception):
            raise self._can_adopt_result

    async def adopt(self, obj: Any) -> None:
        meta = obj.metadata
        try:
            await self._check_can_adopt()
        except Exception as error:
            kind = self.dependent_kind.__name__
            raise RuntimeError(
                f"can't adopt {kind} {meta.namespace}/{meta.name} ({meta.uid}): {error}"
            ) from error
        await self.api.patch(
            self.dependent_kind,
            meta.namespace,
            meta.name,
            adopt_patch(self.owner, obj),
            STRATEGIC_MERGE_PATCH,
            span=self.span,
        )
        if self.log is not None:
            owner = self.owner.metadata.name
            self.log.info("controller_ref_adopted", ctx=self.span, obj=obj, owner=owner)

    async def release(self, obj: Any) -> None:
        """Remove the owner's reference; a dependent gone (404) or replaced (422) is fine."""
        meta = obj.metadata
        try:
            await self.api.patch(
                self.dependent_kind,
                meta.namespace,
                meta.name,
                release_patch(self.owner.metadata.uid, obj),
                STRATEGIC_MERGE_PATCH,
                span=self.span,
            )
        except (NotFound, Invalid):
            return
        if self.log is not None:
            owner = self.owner.metadata.name
            self.log.info("controller_ref_released", ctx=self.span, obj=obj, owner=owner)


def recheck_deletion_timestamp(
    get_fresh: Callable[[], Awaitable[Any]],
) -> Callable[[], Awaitable[None]]:
    """A can_adopt check: the owner, read again from the API server, is not being deleted."""

    async def check() -> None:
        try:
            fresh = await get_fresh()
        except Exception as error:
            raise RuntimeError(f"can't recheck DeletionTimestamp: {error}") from error
        meta = fresh.metadata
        if meta.deletion_timestamp is not None:
            raise RuntimeError(
                f"{meta.namespace}/{meta.name} has just been deleted at {meta.deletion_timestamp}"
            )

    return check


def has_status_cause(error: Exception, cause: str) -> bool:
    """apierrors.HasStatusCause: the API error's details list a cause of that type."""
    if not isinstance(error, ApiError) or error.status.details is None:
        return False
    return any(item.reason == cause for item in error.status.details.causes)
