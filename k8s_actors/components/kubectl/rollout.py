"""`kubectl rollout status|undo|pause|resume|restart|history` for Deployments.

Role: the client-side halves of rollouts, as kubectl does them. `status` watches the Deployment
and prints the StatusViewer's lines (pkg/polymorphichelpers/rollout_status.go) until done or
`--timeout`; `undo` copies the pod template of the ReplicaSet carrying the previous (or
`--to-revision`) `deployment.kubernetes.io/revision` into the Deployment with a JSON patch
(pkg/polymorphichelpers/rollback.go); `pause`/`resume` patch spec.paused; `restart` stamps the
template with `kubectl.kubernetes.io/restartedAt` from the simulated clock; `history` lists the
revisions of the Deployment's ReplicaSets. Neighbours: `session`, `printer` (alignment).
"""

from __future__ import annotations

from typing import Any

import anyio

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.labels import Selector
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import StreamEvent
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.printer import align, to_yaml
from k8s_actors.components.kubectl.session import Session, object_name

__all__ = ["deployment_status", "run_rollout"]

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
# rollback.go annotationsToSkip: kept from the Deployment, never copied from the ReplicaSet.
_SKIPPED_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)


def deployment_status(deployment: Any) -> tuple[str, bool]:
    """The StatusViewer's line for a Deployment and whether the rollout is done.

    Raises KubectlError when the Progressing condition says the deadline was exceeded.
    """
    name = deployment.metadata.name
    status = deployment.status
    if deployment.metadata.generation > status.observed_generation:
        return "Waiting for deployment spec update to be observed...", False
    progressing = next((c for c in status.conditions if c.type == "Progressing"), None)
    if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
        raise KubectlError(f'error: deployment "{name}" exceeded its progress deadline')
    desired = deployment.spec.replicas
    prefix = f'Waiting for deployment "{name}" rollout to finish:'
    if desired is not None and status.updated_replicas < desired:
        return (
            f"{prefix} {status.updated_replicas} out of {desired} new replicas have been "
            "updated...",
            False,
        )
    if status.replicas > status.updated_replicas:
        pending = status.replicas - status.updated_replicas
        return f"{prefix} {pending} old replicas are pending termination...", False
    if status.available_replicas < status.updated_replicas:
        return (
            f"{prefix} {status.available_replicas} of {status.updated_replicas} updated "
            "replicas are available...",
            False,
        )
    return f'deployment "{name}" successfully rolled out', True


def _deployment(session: Session, kind: str) -> ResourceInfo:
    info = session.resource(kind)
    if info.kind != "Deployment":
        raise KubectlError(
            f"error: no {session.command.verb.split()[1]} has been implemented for "
            f'"{info.qualified_kind}"'
        )
    return info


async def run_rollout(session: Session) -> None:
    action = session.command.verb.split()[1]
    for kind, name in session.command.targets:
        info = _deployment(session, kind)
        await _ACTIONS[action](session, info, name)


async def _status(session: Session, info: ResourceInfo, name: str) -> None:
    command = session.command
    deployment = await session.get(info, name)
    revision = command.int_flag("revision")
    if revision:
        current = int(deployment.metadata.annotations.get(REVISION, "0") or 0)
        if current != revision:
            raise KubectlError(
                f"error: desired revision ({revision}) is different from the running "
                f"revision ({current})"
            )
    line, done = deployment_status(deployment)
    session.print(line)
    if done or not command.bool_flag("watch"):
        return

    def finished(event: StreamEvent) -> bool:
        if event.type == "DELETED":
            raise KubectlError("error: object has been deleted")
        text, complete = deployment_status(event.obj)
        session.print(text)
        return complete

    timeout = command.seconds("timeout") or float("inf")
    with anyio.move_on_after(timeout) as scope:
        await session.watch_until(info, name, finished, deployment.metadata.resource_version)
    if scope.cancelled_caught:
        raise KubectlError("error: timed out waiting for the condition")


async def replica_sets(session: Session, deployment: Any) -> list[Any]:
    """The ReplicaSets the Deployment controls (deploymentutil.GetAllReplicaSets)."""
    rs_info = session.resource("replicasets")
    selector = str(Selector.from_label_selector(deployment.spec.selector))
    result = await session.list(rs_info, selector)
    owned = []
    for rs in result.items:
        ref = rs.metadata.controller_ref()
        if ref is not None and ref.uid == deployment.metadata.uid:
            owned.append(rs)
    return owned


def _revision(obj: Any) -> int | None:
    text = obj.metadata.annotations.get(REVISION)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _template_data(template: Any) -> Any:
    data = to_builtins(template)
    labels = data.get("metadata", {}).get("labels", {})
    labels.pop(HASH_LABEL, None)
    return data


async def _undo(session: Session, info: ResourceInfo, name: str) -> None:
    wanted = session.command.int_flag("to-revision")
    if wanted < 0:
        raise KubectlError(f"error: unable to find specified revision {wanted} in history")
    deployment = await session.get(info, name)
    target = _pick_revision(deployment, await replica_sets(session, deployment), wanted)
    if deployment.spec.paused:
        raise KubectlError(
            "error: you cannot rollback a paused deployment; resume it first with "
            "'kubectl rollout resume' and try again"
        )
    template = _template_data(target.spec.template)
    if template == _template_data(deployment.spec.template):
        session.print(
            f"{object_name(info, name)} skipped rollback (current template already matches "
            f"revision {wanted})"
        )
        return
    annotations = {
        key: value
        for key, value in deployment.metadata.annotations.items()
        if key in _SKIPPED_ANNOTATIONS
    }
    for key, value in target.metadata.annotations.items():
        if key not in _SKIPPED_ANNOTATIONS:
            annotations[key] = value
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
    await session.patch(info, name, patch, "application/json-patch+json")
    session.print(f"{object_name(info, name)} rolled back")


def _pick_revision(deployment: Any, owned: list[Any], wanted: int) -> Any:
    """The ReplicaSet of revision `wanted`, or of the one before the latest when 0."""
    ranked = sorted(
        ((rev, rs) for rs in owned if (rev := _revision(rs)) is not None),
        key=lambda pair: pair[0],
    )
    if wanted:
        for rev, rs in ranked:
            if rev == wanted:
                return rs
        raise KubectlError(f"error: unable to find specified revision {wanted} in history")
    if len(ranked) < 2:
        raise KubectlError(
            f'error: no rollout history found for deployment "{deployment.metadata.name}"'
        )
    return ranked[-2][1]


async def _set_paused(session: Session, info: ResourceInfo, name: str, paused: bool) -> None:
    deployment = await session.get(info, name)
    if deployment.spec.paused == paused:
        state = "is already paused" if paused else "is not paused"
        raise KubectlError(f'error: {info.qualified_resource} "{name}" {state}')
    await session.patch(info, name, {"spec": {"paused": paused}})
    session.print(f"{object_name(info, name)} {'paused' if paused else 'resumed'}")


async def _pause(session: Session, info: ResourceInfo, name: str) -> None:
    await _set_paused(session, info, name, True)


async def _resume(session: Session, info: ResourceInfo, name: str) -> None:
    await _set_paused(session, info, name, False)


async def _restart(session: Session, info: ResourceInfo, name: str) -> None:
    deployment = await session.get(info, name)
    if deployment.spec.paused:
        raise KubectlError(
            f'error: {info.qualified_resource} "{name}" can\'t restart paused deployment '
            "(run rollout resume first)"
        )
    stamp = session.ctx.clock.timestamp()
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    await session.patch(info, name, patch)
    session.print(f"{object_name(info, name)} restarted")


async def _history(session: Session, info: ResourceInfo, name: str) -> None:
    deployment = await session.get(info, name)
    history: dict[int, Any] = {}
    for rs in await replica_sets(session, deployment):
        revision = _revision(rs)
        if revision is not None:
            history[revision] = rs
    wanted = session.command.int_flag("revision")
    header = object_name(info, name)
    if not history:
        session.print(f"{header} \nNo rollout history found.")
        return
    if wanted:
        if wanted not in history:
            raise KubectlError("error: unable to find the specified revision")
        template = to_yaml(_template_data(history[wanted].spec.template))
        session.print(f"{header} with revision #{wanted}\nPod Template:\n{template}")
        return
    rows = [["REVISION", "CHANGE-CAUSE"]]
    for revision in sorted(history):
        cause = history[revision].metadata.annotations.get(CHANGE_CAUSE, "") or "<none>"
        rows.append([str(revision), cause])
    session.print(f"{header} \n{align(rows, min_width=0, padding=2)}")


_ACTIONS = {
    "status": _status,
    "undo": _undo,
    "pause": _pause,
    "resume": _resume,
    "restart": _restart,
    "history": _history,
}
