"""`kubectl delete`: delete by name, by selector or all, then wait for the objects to be gone.

Role: kubectl's delete (pkg/cmd/delete/delete.go): `--cascade` background (default),
foreground or orphan becomes the propagationPolicy; `--grace-period` (0 means 1 unless
`--force`), `--now` (grace 1); then, unless `--wait=false`, a watch per object until it is
DELETED (kubectl's default wait, bounded by `--timeout`, a week when 0). Prints
`deployment.apps "nginx" deleted`. Neighbours: `session`.
"""

from __future__ import annotations

from typing import Any

import anyio

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import NotFound
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.session import Session, kind_name

__all__ = ["run_delete"]

_POLICIES = {
    "background": "Background",
    "true": "Background",
    "foreground": "Foreground",
    "orphan": "Orphan",
    "false": "Orphan",
}
_FORCE_WARNING = (
    "Warning: Immediate deletion does not wait for confirmation that the running resource has "
    "been terminated. The resource may continue to run on the cluster indefinitely."
)
# delete.go: a zero --timeout waits "forever", which the wait helper bounds at one week.
_DEFAULT_WAIT = 7 * 24 * 3600.0


def delete_options(session: Session) -> DeleteOptions:
    command = session.command
    grace = command.int_flag("grace-period")
    if command.bool_flag("now"):
        grace = 1
    if command.bool_flag("force"):
        grace = 0 if grace < 0 else grace
        if grace == 0:
            session.warn(_FORCE_WARNING)
    elif grace == 0:
        grace = 1  # delete.go: --grace-period=0 is only immediate with --force
    return DeleteOptions(
        grace_period_seconds=grace if grace >= 0 else None,
        propagation_policy=_POLICIES[command.text_flag("cascade")],
    )


async def _chosen(session: Session) -> list[tuple[ResourceInfo, Any]]:
    """The objects to delete: named ones (a stub with the name), or those a selector lists."""
    command = session.command
    chosen: list[tuple[ResourceInfo, Any]] = []
    for kind, name in command.targets:
        info = session.resource(kind)
        if name:
            chosen.append((info, name))
            continue
        namespace = "" if command.bool_flag("all-namespaces") else None
        result = await session.list(
            info, command.text_flag("selector"), command.text_flag("field-selector"), namespace
        )
        chosen.extend((info, item) for item in result.items)
    return chosen


async def run_delete(session: Session) -> None:
    command = session.command
    options = delete_options(session)
    chosen = await _chosen(session)
    if not chosen and not any(name for _, name in command.targets):
        session.print("No resources found")
        return
    failures: list[str] = []
    deleted: list[tuple[ResourceInfo, str, str, str]] = []
    for info, target in chosen:
        name = target if isinstance(target, str) else target.metadata.name
        namespace = (
            session.namespace_for(info) if isinstance(target, str) else target.metadata.namespace
        )
        try:
            result = await session.delete(info, name, options, namespace=namespace)
        except NotFound as error:
            if not command.bool_flag("ignore-not-found"):
                failures.append(f"Error from server (NotFound): {error}")
            continue
        session.print(f'{kind_name(info)} "{name}" deleted')
        version = getattr(getattr(result, "metadata", None), "resource_version", "")
        if getattr(getattr(result, "metadata", None), "deletion_timestamp", None) is not None:
            deleted.append((info, namespace, name, version))
    if command.bool_flag("wait") and deleted:
        await _wait_gone(session, deleted)
    if failures:
        raise KubectlError("\n".join(failures))


async def _wait_gone(session: Session, pending: list[tuple[ResourceInfo, str, str, str]]) -> None:
    timeout = session.command.seconds("timeout") or _DEFAULT_WAIT
    with anyio.move_on_after(timeout) as scope:
        for info, namespace, name, version in pending:
            await session.watch_until(
                info, name, lambda event: event.type == "DELETED", version, namespace
            )
    if scope.cancelled_caught:
        info, _, name, _ = pending[0]
        raise KubectlError(f"error: timed out waiting for the condition on {info.resource}/{name}")
