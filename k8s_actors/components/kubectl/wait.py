"""`kubectl wait --for=condition=X|jsonpath='{...}'=V|delete --timeout=30s`.

Role: pkg/cmd/wait: read the object, then watch it until every `--for` holds, or fail with
`timed out waiting for the condition on deployments/nginx`. A condition holds when
status.conditions has that type (any case) with the wanted status (True unless `=Value`); a
jsonpath one when the value read equals the wanted text (or, without a value, when it exists);
`delete` when the object is gone. Prints `deployment.apps/nginx condition met`.
Neighbours: `session`, `jsonpath`, `verbs` (checked the conditions' form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import NotFound, StreamEvent
from k8s_actors.components.kubectl import jsonpath
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.session import Session, object_name
from k8s_actors.components.kubectl.verbs import split_jsonpath_input

__all__ = ["condition_holds", "run_wait"]

Check = Callable[[Any], bool]


def condition_holds(obj: Any, name: str, wanted: str = "True") -> bool:
    """Whether status.conditions has type `name` (any case) with status `wanted` (any case)."""
    for condition in getattr(getattr(obj, "status", None), "conditions", ()):
        if condition.type.lower() == name.lower():
            return bool(condition.status.lower() == wanted.lower())
    return False


def _check_of(condition: str) -> Check:
    if condition.lower().startswith("condition="):
        name, _, status = condition[len("condition=") :].partition("=")
        return lambda obj: condition_holds(obj, name, status or "True")
    parts = split_jsonpath_input(condition[len("jsonpath=") :])
    expression = parts[0].strip("'\"")
    wanted: str | None = parts[1].strip("'\"") if len(parts) == 2 else None

    def check(obj: Any) -> bool:
        values = jsonpath.evaluate(expression.strip("{}"), to_builtins(obj))
        if wanted is None:
            return bool(values)
        return len(values) == 1 and jsonpath.text_of(values[0]) == wanted

    return check


def _resource_path(info: ResourceInfo, name: str) -> str:
    return f"{info.resource}/{name}"


async def run_wait(session: Session) -> None:
    command = session.command
    conditions = command.list_flag("for")
    timeout = command.seconds("timeout")
    for kind, name in command.targets:
        info = session.resource(kind)
        if not name:
            raise KubectlError("error: resource name must be provided")
        if any(c.lower() == "delete" for c in conditions):
            await _wait_deleted(session, info, name, timeout)
        else:
            checks = [_check_of(c) for c in conditions]
            await _wait_for(session, info, name, checks, timeout)
        session.print(f"{object_name(info, name)} condition met")


async def _wait_for(
    session: Session, info: ResourceInfo, name: str, checks: list[Check], timeout: float
) -> None:
    obj = await session.get(info, name)

    def met(candidate: Any) -> bool:
        return all(check(candidate) for check in checks)

    if met(obj):
        return
    if timeout <= 0:
        raise KubectlError(f"error: condition not met for {_resource_path(info, name)}")

    def done(event: StreamEvent) -> bool:
        if event.type == "DELETED":
            raise KubectlError(f"error: {_resource_path(info, name)} was deleted")
        return met(event.obj)

    with anyio.move_on_after(timeout) as scope:
        await session.watch_until(info, name, done, obj.metadata.resource_version)
    if scope.cancelled_caught:
        raise KubectlError(
            f"error: timed out waiting for the condition on {_resource_path(info, name)}"
        )


async def _wait_deleted(session: Session, info: ResourceInfo, name: str, timeout: float) -> None:
    try:
        obj = await session.get(info, name)
    except NotFound:
        return
    with anyio.move_on_after(max(timeout, 0.0)) as scope:
        await session.watch_until(
            info, name, lambda event: event.type == "DELETED", obj.metadata.resource_version
        )
    if scope.cancelled_caught:
        raise KubectlError(
            f"error: timed out waiting for the condition on {_resource_path(info, name)}"
        )
