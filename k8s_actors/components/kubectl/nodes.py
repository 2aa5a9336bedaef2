"""`kubectl cordon`, `uncordon` and `drain NODE`.

Role: pkg/cmd/drain and pkg/drain. Cordon and uncordon patch spec.unschedulable
(`node/n1 cordoned`, `node/n1 already cordoned`). Drain cordons, lists the node's pods
(`spec.nodeName=NODE`), sorts them with kubectl's filters in order (mirror pods skipped;
DaemonSet pods refused without `--ignore-daemonsets`, then ignored with a warning; emptyDir pods
need `--delete-emptydir-data`; pods without a controller need `--force`), evicts the rest through
the eviction subresource (`evicting pod ns/name`), waits until each is gone (`pod/name evicted`)
and prints `node/n1 drained`. Neighbours: `session`.
"""

from __future__ import annotations

from typing import Any

import anyio

from k8s_actors.client import NotFound
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.flags import go_duration
from k8s_actors.components.kubectl.session import Session

__all__ = ["pod_verdict", "run_cordon", "run_drain"]

MIRROR = "kubernetes.io/config.mirror"
DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


async def _set_unschedulable(session: Session, name: str, desired: bool) -> None:
    info = session.resource("nodes")
    node = await session.get(info, name)
    word = "cordoned" if desired else "uncordoned"
    if node.spec.unschedulable == desired:
        session.print(f"node/{name} already {word}")
        return
    await session.patch(info, name, {"spec": {"unschedulable": desired or None}})
    session.print(f"node/{name} {word}")


async def run_cordon(session: Session) -> None:
    desired = session.command.verb == "cordon"
    for name in session.command.args:
        await _set_unschedulable(session, name, desired)


def pod_verdict(pod: Any, ignore_daemonsets: bool, emptydir: bool, force: bool) -> tuple[str, str]:
    """("delete" | "skip" | "error", message): kubectl's filters, the last word wins.

    Follows makeFilters in pkg/drain/filters.go (skipDeleted, daemonSet, mirrorPod,
    localStorage, unreplicated).
    """
    finished = pod.status.phase in ("Succeeded", "Failed")
    ref = pod.metadata.controller_ref()
    if (
        ref is not None
        and ref.kind == "DaemonSet"
        and ref.api_version == "apps/v1"
        and not finished
    ):
        # The DaemonSet is assumed to exist: no DaemonSet resource is served to ask about it.
        if not ignore_daemonsets:
            return "error", DAEMONSET_FATAL
        return "skip", DAEMONSET_WARNING
    if MIRROR in pod.metadata.annotations:
        return "skip", ""
    verdict = ("delete", "")
    if any(v.empty_dir is not None for v in pod.spec.volumes) and not finished:
        if not emptydir:
            return "error", LOCAL_STORAGE_FATAL
        verdict = ("delete", LOCAL_STORAGE_WARNING)
    if ref is None and not finished:
        if not force:
            return "error", UNMANAGED_FATAL
        verdict = ("delete", UNMANAGED_WARNING)
    return verdict


def _grouped(verdicts: list[tuple[Any, str, str]], kind: str) -> list[str]:
    groups: dict[str, list[str]] = {}
    for pod, verdict, message in verdicts:
        if verdict == kind and message:
            meta = pod.metadata
            groups.setdefault(message, []).append(f"{meta.namespace}/{meta.name}")
    return [f"{message}: {', '.join(pods)}" for message, pods in groups.items()]


async def run_drain(session: Session) -> None:
    command = session.command
    node = command.args[0]
    await _set_unschedulable(session, node, True)
    pods_info = session.resource("pods")
    result = await session.list(
        pods_info, command.text_flag("pod-selector"), f"spec.nodeName={node}", namespace=""
    )
    verdicts = [
        (
            pod,
            *pod_verdict(
                pod,
                command.bool_flag("ignore-daemonsets"),
                command.bool_flag("delete-emptydir-data"),
                command.bool_flag("force"),
            ),
        )
        for pod in result.items
    ]
    errors = [f"cannot delete {text}" for text in _grouped(verdicts, "error")]
    if errors:
        reason = ", ".join(errors) if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        session.warn(
            f'error: unable to drain node "{node}" due to error: {reason}, continuing command...'
        )
        session.warn(f"There are pending nodes to be drained:\n {node}")
        raise KubectlError(f"error: {reason}")
    warnings = _grouped(verdicts, "skip") + [text for text in _grouped(verdicts, "delete")]
    if warnings:
        session.warn("Warning: " + "; ".join(warnings))
    doomed = [pod for pod, verdict, _ in verdicts if verdict == "delete"]
    await _evict_all(session, doomed)
    session.print(f"node/{node} drained")


async def _evict_all(session: Session, pods: list[Any]) -> None:
    command = session.command
    grace = command.int_flag("grace-period")
    info = session.resource("pods")
    for pod in pods:
        meta = pod.metadata
        session.print(f"evicting pod {meta.namespace}/{meta.name}")
        try:
            await session.evict(info, meta.namespace, meta.name, grace if grace >= 0 else None)
        except NotFound:
            continue
    timeout = command.seconds("timeout") or float("inf")
    with anyio.move_on_after(timeout) as scope:
        for pod in pods:
            await _gone(session, pod)
            session.print(f"pod/{pod.metadata.name} evicted")
    if scope.cancelled_caught:
        raise KubectlError(f"error: drain did not complete within {go_duration(timeout)}")


async def _gone(session: Session, pod: Any) -> None:
    """Until the pod is deleted or replaced by one of another uid (waitForDelete, 1s poll)."""
    info = session.resource("pods")
    while True:
        try:
            current = await session.get(info, pod.metadata.name, pod.metadata.namespace)
        except NotFound:
            return
        if current.metadata.uid != pod.metadata.uid:
            return
        await session.ctx.clock.sleep(1.0)
