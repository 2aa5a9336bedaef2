"""The Deployment controller of kube-controller-manager ("deployment-controller").

Role: pkg/controller/deployment/deployment_controller.go. Watches Deployments, ReplicaSets
(owner lookups; orphans wake the Deployments whose selector matches them) and Pods (a Recreate
Deployment is woken when its last pod is deleted). A sync claims the ReplicaSets (adopting
orphans and releasing those that stopped matching, through their ControllerRef) and then, in
Kubernetes' order: deletion -> status only; paused -> scale only; rollback annotation ->
rollback; scaling event -> proportional scale; else the strategy's rollout.
Neighbours: `base` (Controller), `deployment_sync`, `deployment_rolling`, `deployment_recreate`,
`deployment_rollback`, `deployment_progress`, `deployment_util`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from msgspec.structs import replace

from k8s_actors.api.labels import LabelSelector, Selector
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.client import ApiError, Invalid, NotFound
from k8s_actors.client.cache import split_key
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.base import Controller
from k8s_actors.components.controller_manager.controller_utils import (
    add_pod_controller_uid_indexer,
    pods_controlled_by,
)
from k8s_actors.components.controller_manager.deployment_recreate import rollout_recreate
from k8s_actors.components.controller_manager.deployment_rollback import rollback
from k8s_actors.components.controller_manager.deployment_rolling import rollout_rolling
from k8s_actors.components.controller_manager.deployment_sync import (
    SyncContext,
    check_paused_conditions,
    controller_ref,
    is_scaling_event,
    sync,
    sync_status_only,
)
from k8s_actors.kernel import TraceContext

STRATEGIC = "application/strategic-merge-patch+json"


class DeploymentController(Controller):
    name = "deployment-controller"
    workers = 5  # --concurrent-deployment-syncs

    def setup(self) -> None:
        informers = self.ctx.informers
        self.deployments = informers.informer(Deployment)
        self.replica_sets = informers.informer(ReplicaSet)
        self.pods = informers.informer(Pod)
        add_pod_controller_uid_indexer(self.pods.indexer)
        self.deployments.add_handler(
            lambda d, span: self.enqueue(d, span),
            lambda old, cur, span: self.enqueue(cur, span),
            lambda d, span: self.enqueue(d, span),
        )
        self.replica_sets.add_handler(self._add_rs, self._update_rs, self._delete_rs)
        self.pods.add_handler(on_delete=self._delete_pod)

    # -- event handlers (deployment_controller.go) -----------------------------------------------

    def _resolve(self, namespace: str, ref: Any) -> Deployment | None:
        """resolveControllerRef: the Deployment a ControllerRef names, if it is that uid."""
        if ref is None or ref.kind != "Deployment":
            return None
        d: Deployment | None = self.deployments.lister.get(namespace, ref.name)
        return d if d is not None and d.metadata.uid == ref.uid else None

    def _matching(self, rs: ReplicaSet) -> list[Deployment]:
        candidates = self.deployments.lister.list(rs.metadata.namespace)
        return du.deployments_for_replica_set(candidates, rs)

    def _add_rs(self, rs: ReplicaSet, span: TraceContext | None) -> None:
        if rs.metadata.deletion_timestamp is not None:
            self._delete_rs(rs, span)  # seen after a restart, already being deleted
            return
        ref = rs.metadata.controller_ref()
        if ref is not None:
            d = self._resolve(rs.metadata.namespace, ref)
            if d is not None:
                self.enqueue(d, span)
            return
        for d in self._matching(rs):  # an orphan: whoever matches may adopt it
            self.enqueue(d, span)

    def _update_rs(self, old: ReplicaSet, cur: ReplicaSet, span: TraceContext | None) -> None:
        if old.metadata.resource_version == cur.metadata.resource_version:
            return  # a periodic resync, nothing changed
        cur_ref, old_ref = cur.metadata.controller_ref(), old.metadata.controller_ref()
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            previous = self._resolve(old.metadata.namespace, old_ref)
            if previous is not None:
                self.enqueue(previous, span)
        if cur_ref is not None:
            d = self._resolve(cur.metadata.namespace, cur_ref)
            if d is not None:
                self.enqueue(d, span)
            return
        if ref_changed or cur.metadata.labels != old.metadata.labels:
            for d in self._matching(cur):
                self.enqueue(d, span)

    def _delete_rs(self, rs: ReplicaSet, span: TraceContext | None) -> None:
        d = self._resolve(rs.metadata.namespace, rs.metadata.controller_ref())
        if d is not None:
            self.enqueue(d, span)

    def _delete_pod(self, pod: Pod, span: TraceContext | None) -> None:
        """A Recreate Deployment waits for its old pods: wake it when none is left.

        Kubernetes lists the ReplicaSets through the API here; the cache is used instead,
        since a handler cannot wait for an answer.
        """
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "ReplicaSet":
            return
        rs: ReplicaSet | None = self.replica_sets.lister.get(pod.metadata.namespace, ref.name)
        if rs is None or rs.metadata.uid != ref.uid:
            return
        d = self._resolve(rs.metadata.namespace, rs.metadata.controller_ref())
        if d is None or d.spec.strategy.type != du.RECREATE:
            return
        owned = [
            other
            for other in self.replica_sets.lister.list(d.metadata.namespace)
            if (other_ref := other.metadata.controller_ref()) is not None
            and other_ref.uid == d.metadata.uid
        ]
        if not any(self._pod_map(d, owned).values()):
            self.enqueue(d, span)

    # -- sync ------------------------------------------------------------------------------------

    async def sync(self, key: str, span: TraceContext) -> None:
        namespace, name = split_key(key)
        d: Deployment | None = self.deployments.lister.get(namespace, name)
        if d is None:
            return  # deleted
        if d.spec.selector == LabelSelector():
            await self._selecting_all(d, span)
            return
        rs_list = await self._claim_replica_sets(d, span)
        pod_map = self._pod_map(d, rs_list)
        sc = self._context(key, d, span)
        if d.metadata.deletion_timestamp is not None:
            await sync_status_only(sc, d, rs_list)
            return
        d = await check_paused_conditions(sc, d)
        if d.spec.paused:
            await sync(sc, d, rs_list)
            return
        # Rollback is not re-entrant: nothing else happens until the annotation is gone.
        if du.rollback_to(d) is not None:
            await rollback(sc, d, rs_list)
            return
        scaling, d = await is_scaling_event(sc, d, rs_list)
        if scaling:
            await sync(sc, d, rs_list)
        elif d.spec.strategy.type == du.RECREATE:
            await rollout_recreate(sc, d, rs_list, pod_map)
        elif d.spec.strategy.type == du.ROLLING_UPDATE:
            await rollout_rolling(sc, d, rs_list)
        else:
            raise ValueError(f"unexpected deployment strategy type: {d.spec.strategy.type}")

    def _context(self, key: str, d: Deployment, span: TraceContext) -> SyncContext:
        return SyncContext(
            api=self.api,
            recorder=self.recorder,
            log=self.log,
            span=span,
            clock=self.ctx.actor.clock,
            rs_lister=self.replica_sets.lister,
            stored=d,
            enqueue_after=lambda delay: self.enqueue_after(key, delay),
            enqueue_rate_limited=lambda: self._requeue_rate_limited(key),
            mutants=tuple(self.ctx.settings.get("mutants", ())),
        )

    def _requeue_rate_limited(self, key: str) -> None:
        self.queue.add_rate_limited(key)

    async def _selecting_all(self, d: Deployment, span: TraceContext) -> None:
        """An empty selector would select every pod: refuse it (kubernetes issue 23218)."""
        message = "This deployment is selecting all pods. A non-empty selector is required."
        await self.recorder.event(d, "Warning", "SelectingAll", message, span)
        if d.status.observed_generation < d.metadata.generation:
            status = replace(d.status, observed_generation=d.metadata.generation)
            with contextlib.suppress(ApiError):  # the Go code ignores this error too
                await self.api.update_status(replace(d, status=status), span=span)

    def _pod_map(self, d: Deployment, rs_list: list[ReplicaSet]) -> dict[str, list[Pod]]:
        """getPodMapForDeployment: the Deployment's pods by controlling RS uid, inactive
        pods included (Recreate must see them)."""
        selector = Selector.from_label_selector(d.spec.selector)
        pod_map: dict[str, list[Pod]] = {rs.metadata.uid: [] for rs in rs_list}
        # Kubernetes lists the namespace's pods matching the selector and groups them by
        # controller; reading each ReplicaSet's pods from the controller-uid index gives the same
        # lists (each by key) without walking the namespace.
        namespace = d.metadata.namespace
        for uid, pods in pod_map.items():
            for pod in pods_controlled_by(self.pods.indexer, namespace, uid):
                if selector.matches(pod.metadata.labels):
                    pods.append(pod)
        return pod_map

    # -- ControllerRef (controller_ref_manager.go ClaimReplicaSets) ------------------------------

    async def _claim_replica_sets(self, d: Deployment, span: TraceContext) -> list[ReplicaSet]:
        """The ReplicaSets this Deployment manages: owned and matching ones, plus matching
        orphans it adopts; owned ones that stopped matching are released."""
        meta = d.metadata
        try:
            selector = Selector.from_label_selector(d.spec.selector)
        except ValueError as error:
            raise ValueError(
                f"deployment {meta.namespace}/{meta.name} has invalid label selector: {error}"
            ) from error
        claimed: list[ReplicaSet] = []
        errors: list[str] = []
        checked = False
        for rs in self.replica_sets.lister.list(meta.namespace):
            ref = rs.metadata.controller_ref()
            matches = selector.matches(rs.metadata.labels)
            if ref is not None:
                if ref.uid != meta.uid:
                    continue
                if matches:
                    claimed.append(rs)
                elif meta.deletion_timestamp is None:
                    await self._patch_owner(rs, d, span, adopt=False, errors=errors)
                continue
            if meta.deletion_timestamp is not None or not matches:
                continue
            if rs.metadata.deletion_timestamp is not None:
                continue
            if not checked:
                await self._recheck_deletion(d, span)
                checked = True
            adopted = await self._patch_owner(rs, d, span, adopt=True, errors=errors)
            if adopted is not None:
                claimed.append(adopted)
        if errors:
            raise ValueError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        return claimed

    async def _recheck_deletion(self, d: Deployment, span: TraceContext) -> None:
        """Before adopting, read the Deployment from the API server, not the cache
        (kubernetes issue 42639): a deleted or replaced one must not adopt."""
        meta = d.metadata
        fresh: Deployment = await self.api.get(Deployment, meta.namespace, meta.name, span=span)
        if fresh.metadata.uid != meta.uid:
            raise ValueError(
                f"original Deployment {meta.namespace}/{meta.name} is gone: "
                f"got uid {fresh.metadata.uid}, wanted {meta.uid}"
            )
        if fresh.metadata.deletion_timestamp is not None:
            raise ValueError(
                f"{meta.namespace}/{meta.name} has just been deleted at "
                f"{fresh.metadata.deletion_timestamp}"
            )

    async def _patch_owner(
        self, rs: ReplicaSet, d: Deployment, span: TraceContext, *, adopt: bool, errors: list[str]
    ) -> ReplicaSet | None:
        """Adopt (add our ControllerRef) or release (delete it) with a strategic merge
        patch that also names the RS's uid, so a replaced RS is not touched."""
        owner: dict[str, Any]
        if adopt:
            ref = controller_ref(d)
            owner = {
                "apiVersion": ref.api_version,
                "kind": ref.kind,
                "name": ref.name,
                "uid": ref.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        else:
            owner = {"$patch": "delete", "uid": d.metadata.uid}
        patch = {"metadata": {"ownerReferences": [owner], "uid": rs.metadata.uid}}
        meta = rs.metadata
        try:
            patched: ReplicaSet = await self.api.patch(
                ReplicaSet, meta.namespace, meta.name, patch, STRATEGIC, span=span
            )
        except NotFound:
            return None  # gone already: nothing to claim
        except ApiError as error:
            # Releasing: Invalid means no such owner reference or another uid (done already).
            if adopt or not isinstance(error, Invalid):
                errors.append(str(error))
            return None
        if not adopt:
            self.log.info(
                "deployment_replica_set_released", ctx=span, obj=patched, deployment=d.metadata.name
            )
            return None
        self.log.info(
            "deployment_replica_set_adopted", ctx=span, obj=patched, deployment=d.metadata.name
        )
        return patched
