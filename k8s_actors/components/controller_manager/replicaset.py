"""The ReplicaSet controller: keeps spec.replicas active pods per ReplicaSet.

Role: pkg/controller/replicaset/replica_set.go and replica_set_utils.go. Pod and ReplicaSet
informer events become ReplicaSet keys (and observations of expected creates / deletes); a
sync claims the matching pods (adopt orphans, release pods that stopped matching), creates
missing pods in slow-start batches or deletes the surplus in Kubernetes' deletion order, at
most 500 per sync, and writes the status subresource when it changed. A sync waits for the
creates and deletes of its previous round to be observed (expectations, 5 minutes at most).
Neighbours: `base` (Controller), `controller_utils` (ranking, expectations, claiming, slow
start), `podutil` (readiness), `k8s_actors.client` (informers, API client).
"""

from __future__ import annotations

from typing import Any

import anyio
import msgspec

from k8s_actors.api.labels import Selector, SelectorError
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import ReplicaSet, ReplicaSetStatus, WorkloadCondition
from k8s_actors.client.cache import object_key, split_key
from k8s_actors.client.errors import ApiError, NotFound
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.components.controller_manager.controller_utils import (
    NAMESPACE_TERMINATING_CAUSE,
    POD_CONTROLLER_UID_INDEX,
    ControllerExpectations,
    ControllerRefManager,
    ParseTs,
    add_pod_controller_uid_indexer,
    controller_ref,
    has_status_cause,
    orphan_pod_index_key,
    pods_controlled_by,
    recheck_deletion_timestamp,
    slow_start_batch,
    sort_pods_with_ranks,
)
from k8s_actors.components.controller_manager.podutil import (
    filter_active_pods,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    pod_key,
)
from k8s_actors.kernel import TraceContext

replace = msgspec.structs.replace

BURST_REPLICAS = 500  # at most this many creates or deletes per sync
STATUS_UPDATE_RETRIES = 1
CONTROLLER_UID_INDEX = "controllerUID"
REPLICA_FAILURE = "ReplicaFailure"


# -- pure helpers ---------------------------------------------------------------------------


def desired_replicas(rs: ReplicaSet) -> int:
    """spec.replicas (defaulted to 1 by the API server)."""
    return rs.spec.replicas if rs.spec.replicas is not None else 1


def rs_selector(rs: ReplicaSet) -> Selector:
    """metav1.LabelSelectorAsSelector; raises SelectorError on an invalid selector."""
    return Selector.from_label_selector(rs.spec.selector)


def pod_from_template(rs: ReplicaSet) -> Pod:
    """controller_utils.go GetPodFromTemplate: template labels, annotations and finalizers,
    generateName "<rs name>-", the controller reference, and the template's spec."""
    template = rs.spec.template
    return Pod(
        metadata=ObjectMeta(
            generate_name=f"{rs.metadata.name}-",
            namespace=rs.metadata.namespace,
            labels=dict(template.metadata.labels),
            annotations=dict(template.metadata.annotations),
            finalizers=template.metadata.finalizers,
            owner_references=(controller_ref(rs),),
        ),
        spec=template.spec,
    )


def pods_to_delete(
    filtered: list[Pod], related: list[Pod], diff: int, now: float, parse_ts: ParseTs
) -> list[Pod]:
    """getPodsToDelete: rank by colocated related pods, sort, take the first `diff`."""
    if diff >= len(filtered):
        return filtered[:diff]
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            on_node[pod.spec.node_name] = on_node.get(pod.spec.node_name, 0) + 1
    ranks = [on_node.get(pod.spec.node_name, 0) for pod in filtered]
    return sort_pods_with_ranks(filtered, ranks, now, parse_ts)[:diff]


def calculate_status(
    rs: ReplicaSet,
    pods: list[Pod],
    manage_error: Exception | None,
    now: float,
    stamp: str,
    parse_ts: ParseTs,
) -> ReplicaSetStatus:
    """replica_set_utils.go calculateStatus: counts, and ReplicaFailure set or removed."""
    template_labels = rs.spec.template.metadata.labels
    fully_labeled = ready = available = 0
    for pod in pods:
        labels = pod.metadata.labels
        if all(labels.get(key) == value for key, value in template_labels.items()):
            fully_labeled += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, rs.spec.min_ready_seconds, now, parse_ts):
                available += 1
    conditions = rs.status.conditions
    failure = next((c for c in conditions if c.type == REPLICA_FAILURE), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - desired_replicas(rs)
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        condition = WorkloadCondition(
            type=REPLICA_FAILURE,
            status="True",
            last_transition_time=stamp,
            reason=reason,
            message=str(manage_error),
        )
        conditions = (*conditions, condition)
    elif manage_error is None and failure is not None:
        conditions = tuple(c for c in conditions if c.type != REPLICA_FAILURE)
    return replace(
        rs.status,
        replicas=len(pods),
        fully_labeled_replicas=fully_labeled,
        ready_replicas=ready,
        available_replicas=available,
        conditions=conditions,
    )


def status_unchanged(rs: ReplicaSet, new: ReplicaSetStatus) -> bool:
    """The steady state of updateReplicaSetStatus: nothing to write."""
    old = rs.status
    return (
        old.replicas == new.replicas
        and old.fully_labeled_replicas == new.fully_labeled_replicas
        and old.ready_replicas == new.ready_replicas
        and old.available_replicas == new.available_replicas
        and rs.metadata.generation == old.observed_generation
        and old.conditions == new.conditions
    )


def _controller_uid(rs: Any) -> list[str]:
    ref = rs.metadata.controller_ref()
    return [ref.uid] if ref is not None else []


# -- the controller -------------------------------------------------------------------------


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    burst_replicas = BURST_REPLICAS

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.clock = ctx.actor.clock
        self.expectations = ControllerExpectations(self.clock.now)
        self.rs_informer = ctx.informers.informer(ReplicaSet)
        self.pod_informer = ctx.informers.informer(Pod)

    def setup(self) -> None:
        self.rs_informer.indexer.add_indexer(CONTROLLER_UID_INDEX, _controller_uid)
        add_pod_controller_uid_indexer(self.pod_informer.indexer)
        self.rs_informer.add_handler(self._add_rs, self._update_rs, self._delete_rs)
        self.pod_informer.add_handler(self._add_pod, self._update_pod, self._delete_pod)

    # -- ReplicaSet events -----------------------------------------------------------------

    def _add_rs(self, rs: ReplicaSet, span: TraceContext | None) -> None:
        self.enqueue(rs, span)

    def _update_rs(self, old: ReplicaSet, cur: ReplicaSet, span: TraceContext | None) -> None:
        if old.metadata.uid != cur.metadata.uid:
            self._delete_rs(old, span)  # recreated under the same name
        self.enqueue(cur, span)

    def _delete_rs(self, rs: ReplicaSet, span: TraceContext | None) -> None:
        key = object_key(rs)
        self.expectations.delete(key)  # a new ReplicaSet of that name starts clean
        self.enqueue_key(key, span)

    # -- Pod events ------------------------------------------------------------------------

    def _resolve(self, namespace: str, ref: Any) -> ReplicaSet | None:
        """The ReplicaSet a controller reference points to, if cached with the same uid."""
        if ref.kind != "ReplicaSet":
            return None
        rs: ReplicaSet | None = self.rs_informer.lister.get(namespace, ref.name)
        if rs is None or rs.metadata.uid != ref.uid:
            return None
        return rs

    def pod_replica_sets(self, pod: Pod) -> list[ReplicaSet]:
        """ReplicaSets whose (non-empty, valid) selector matches the pod's labels."""
        if not pod.metadata.labels:
            return []
        found: list[ReplicaSet] = []
        for rs in self.rs_informer.lister.list(pod.metadata.namespace):
            try:
                selector = rs_selector(rs)
            except SelectorError:
                continue
            if not selector.empty and selector.matches(pod.metadata.labels):
                found.append(rs)
        return found

    def _add_pod(self, pod: Pod, span: TraceContext | None) -> None:
        if pod.metadata.deletion_timestamp is not None:
            # Seen for the first time already terminating: not a creation observation.
            self._delete_pod(pod, span)
            return
        ref = pod.metadata.controller_ref()
        if ref is not None:
            rs = self._resolve(pod.metadata.namespace, ref)
            if rs is not None:
                self.expectations.creation_observed(object_key(rs))
                self.enqueue(rs, span)
            return
        for rs in self.pod_replica_sets(pod):  # an orphan: let matching owners adopt it
            self.enqueue(rs, span)

    def _update_pod(self, old: Pod, cur: Pod, span: TraceContext | None) -> None:
        if old.metadata.resource_version == cur.metadata.resource_version:
            return  # a resync, not a change
        labels_changed = old.metadata.labels != cur.metadata.labels
        if cur.metadata.deletion_timestamp is not None:
            # Graceful deletion started: replace the pod now, not when it is finally gone.
            self._delete_pod(cur, span)
            if labels_changed:
                self._delete_pod(old, span)
            return
        cur_ref, old_ref = cur.metadata.controller_ref(), old.metadata.controller_ref()
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            previous = self._resolve(old.metadata.namespace, old_ref)
            if previous is not None:
                self.enqueue(previous, span)
        if cur_ref is not None:
            rs = self._resolve(cur.metadata.namespace, cur_ref)
            if rs is None:
                return
            self.enqueue(rs, span)
            min_ready = rs.spec.min_ready_seconds
            if not is_pod_ready(old) and is_pod_ready(cur) and min_ready > 0:
                # Check availability again once minReadySeconds (plus 1 s of skew) passed.
                self.enqueue_after(object_key(rs), min_ready + 1.0)
            return
        if labels_changed or ref_changed:
            for rs in self.pod_replica_sets(cur):
                self.enqueue(rs, span)

    def _delete_pod(self, pod: Pod, span: TraceContext | None) -> None:
        ref = pod.metadata.controller_ref()
        if ref is None:
            return  # nobody waits for an orphan to go
        rs = self._resolve(pod.metadata.namespace, ref)
        if rs is None:
            return
        key = object_key(rs)
        self.expectations.deletion_observed(key, pod_key(pod))
        self.enqueue_key(key, span)

    # -- sync --------------------------------------------------------------------------------

    async def sync(self, key: str, span: TraceContext) -> None:
        namespace, name = split_key(key)
        rs: ReplicaSet | None = self.rs_informer.lister.get(namespace, name)
        if rs is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        if "replicaSetWithoutExpectations" in self.ctx.settings.get("mutants", ()):
            needs_sync = True  # the mutant acts on a cache that may miss its own writes
        try:
            selector = rs_selector(rs)
        except SelectorError as error:
            self.log.warning("replicaset_selector_invalid", ctx=span, obj=rs, error=str(error))
            return
        active = filter_active_pods(self.pods_of(rs))
        pods = await self._claim_pods(rs, selector, active, span)
        diff = len(pods) - desired_replicas(rs)
        manage_error: Exception | None = None
        done = (0, 0)
        if not needs_sync:
            self.log.info("replicaset_expectations_pending", ctx=span, obj=rs, diff=diff)
        elif rs.metadata.deletion_timestamp is None:
            manage_error, done = await self._manage_replicas(key, rs, pods, span)
        now = self.clock.now()
        status = calculate_status(
            rs, pods, manage_error, now, self.clock.timestamp(), self.clock.parse_timestamp
        )
        updated = await self._update_status(rs, status, span)
        self.log.info(
            "replicaset_synced",
            ctx=span,
            obj=rs,
            replicas=desired_replicas(rs),
            pods=len(pods),
            diff=diff,
            creates=done[0],
            deletes=done[1],
        )
        min_ready = updated.spec.min_ready_seconds
        if (
            manage_error is None
            and min_ready > 0
            and updated.status.ready_replicas == desired_replicas(updated)
            and updated.status.available_replicas != desired_replicas(updated)
        ):
            self.enqueue_after(key, float(min_ready))  # the last line against clock skew
        if manage_error is not None:
            raise manage_error

    def pods_of(self, rs: ReplicaSet) -> list[Pod]:
        """The pods `rs` controls and the orphans of its namespace, by key (replica_set.go
        FilterPodsByOwner). Pods of other controllers are left out, as claiming would ignore
        them: a sync no longer walks every pod of the namespace."""
        meta = rs.metadata
        indexer = self.pod_informer.indexer
        owned = pods_controlled_by(indexer, meta.namespace, meta.uid)
        orphans = indexer.by_index(POD_CONTROLLER_UID_INDEX, orphan_pod_index_key(meta.namespace))
        if not orphans:
            return owned
        return sorted([*owned, *orphans], key=object_key)

    async def _claim_pods(
        self, rs: ReplicaSet, selector: Selector, pods: list[Pod], span: TraceContext
    ) -> list[Pod]:
        meta = rs.metadata

        async def fresh() -> ReplicaSet:
            current: ReplicaSet = await self.api.get(
                ReplicaSet, meta.namespace, meta.name, span=span
            )
            if current.metadata.uid != meta.uid:
                raise RuntimeError(
                    f"original ReplicaSet {meta.namespace}/{meta.name} is gone: "
                    f"got uid {current.metadata.uid}, wanted {meta.uid}"
                )
            return current

        manager = ControllerRefManager(
            self.api,
            rs,
            selector,
            Pod,
            can_adopt=recheck_deletion_timestamp(fresh),
            log=self.log,
            span=span,
        )
        claimed: list[Pod] = await manager.claim(pods)
        return claimed

    async def _manage_replicas(
        self, key: str, rs: ReplicaSet, pods: list[Pod], span: TraceContext
    ) -> tuple[Exception | None, tuple[int, int]]:
        """Create or delete pods toward spec.replicas: (first error, (creates, deletes))."""
        diff = len(pods) - desired_replicas(rs)
        if diff < 0:
            wanted = min(-diff, self.burst_replicas)
            self.expectations.expect_creations(key, wanted)
            created, error = await slow_start_batch(
                wanted,
                lambda: self._create_pod(rs, span),
                on_batch=lambda size: self.log.info(
                    "pods_create_batch", ctx=span, obj=rs, size=size
                ),
            )
            skipped = wanted - created
            if skipped > 0:
                # Never attempted: the informer will not observe them.
                self.log.info("pods_create_skipped", ctx=span, obj=rs, skipped=skipped)
                for _ in range(skipped):
                    self.expectations.creation_observed(key)
            return error, (created, 0)
        if diff > 0:
            wanted = min(diff, self.burst_replicas)
            victims = pods_to_delete(
                pods,
                self._related_pods(rs),
                wanted,
                self.clock.now(),
                self.clock.parse_timestamp,
            )
            self.expectations.expect_deletions(key, [pod_key(pod) for pod in victims])
            errors: list[Exception] = []
            async with anyio.create_task_group() as group:
                for pod in victims:
                    group.start_soon(self._delete_pod_of, key, rs, pod, errors, span)
            return (errors[0] if errors else None), (0, len(victims) - len(errors))
        return None, (0, 0)

    def _related_pods(self, rs: ReplicaSet) -> list[Pod]:
        """getIndirectlyRelatedPods: pods of every ReplicaSet with the same controller."""
        ref = rs.metadata.controller_ref()
        if ref is None:
            return []
        seen: dict[str, None] = {}
        related: list[Pod] = []
        for sibling in self.rs_informer.indexer.by_index(CONTROLLER_UID_INDEX, ref.uid):
            try:
                selector = rs_selector(sibling)
            except SelectorError:
                continue
            for pod in self.pod_informer.lister.list(sibling.metadata.namespace, selector):
                if pod.metadata.uid not in seen:
                    seen[pod.metadata.uid] = None
                    related.append(pod)
        return related

    async def _create_pod(self, rs: ReplicaSet, span: TraceContext) -> None:
        """RealPodControl.CreatePods; a terminating namespace is not an error (no event)."""
        pod = pod_from_template(rs)
        if not pod.metadata.labels:
            raise RuntimeError("unable to create pods, no labels")
        try:
            created: Pod = await self.api.create(pod, span=span)
        except ApiError as error:
            if has_status_cause(error, NAMESPACE_TERMINATING_CAUSE):
                return  # every create would fail: nothing to report
            await self.recorder.event(
                rs, "Warning", "FailedCreate", f"Error creating: {error}", span
            )
            raise
        message = f"Created pod: {created.metadata.name}"
        await self.recorder.event(rs, "Normal", "SuccessfulCreate", message, span)

    async def _delete_pod_of(
        self, key: str, rs: ReplicaSet, pod: Pod, errors: list[Exception], span: TraceContext
    ) -> None:
        """RealPodControl.DeletePod; a failed delete is no longer expected to be observed."""
        name = pod.metadata.name
        try:
            await self.api.delete(Pod, pod.metadata.namespace, name, span=span)
        except ApiError as error:
            self.expectations.deletion_observed(key, pod_key(pod))
            if isinstance(error, NotFound):
                return
            message = f"Error deleting: {error}"
            await self.recorder.event(rs, "Warning", "FailedDelete", message, span)
            errors.append(RuntimeError(f"unable to delete pods: {error}"))
            return
        await self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", span)

    async def _update_status(
        self, rs: ReplicaSet, status: ReplicaSetStatus, span: TraceContext
    ) -> ReplicaSet:
        """updateReplicaSetStatus: write only a changed status, with one GET-and-retry."""
        if status_unchanged(rs, status):
            return rs
        status = replace(status, observed_generation=rs.metadata.generation)
        current = rs
        for attempt in range(STATUS_UPDATE_RETRIES + 1):
            try:
                updated: ReplicaSet = await self.api.update_status(
                    replace(current, status=status), span=span
                )
            except ApiError:
                if attempt >= STATUS_UPDATE_RETRIES:
                    raise
                meta = rs.metadata
                current = await self.api.get(ReplicaSet, meta.namespace, meta.name, span=span)
                continue
            self.log.info(
                "replicaset_status_updated",
                ctx=span,
                obj=updated,
                replicas=status.replicas,
                ready=status.ready_replicas,
                available=status.available_replicas,
                observed_generation=status.observed_generation,
            )
            return updated
        raise AssertionError("unreachable")
