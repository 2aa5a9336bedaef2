"""Verbs that change part of an object: `scale`, `set image`, `label`, `annotate`.

Role: `scale` reads and writes the scale subresource (pkg/cmd/scale); `set image` sends a
strategic merge patch of the containers' images (pkg/cmd/set/set_image.go); `label` and
`annotate` merge-patch metadata, refusing to change an existing key without `--overwrite` with
kubectl's messages. Each prints `kind/name scaled|image updated|labeled|annotated`.
Neighbours: `session`, `verbs` (split of resource words and updates).
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.components.kubectl.command import Command, resource_targets
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.session import Session, object_name
from k8s_actors.components.kubectl.verbs import split_updates

__all__ = ["run_annotate", "run_label", "run_scale", "run_set_image"]

replace = msgspec.structs.replace
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"


async def run_scale(session: Session) -> None:
    command = session.command
    replicas = command.int_flag("replicas")
    for kind, name in command.targets:
        info = session.resource(kind)
        scale = await session.get_scale(info, name)
        expected = command.int_flag("current-replicas")
        if expected >= 0 and scale.spec.replicas != expected:
            raise KubectlError(
                f"error: Expected replicas to be {expected}, was {scale.spec.replicas}"
            )
        await session.update_scale(
            info, name, replace(scale, spec=replace(scale.spec, replicas=replicas))
        )
        session.print(f"{object_name(info, name)} scaled")


def _image_updates(updates: tuple[str, ...]) -> dict[str, str]:
    images: dict[str, str] = {}
    for update in updates:
        container, _, image = update.partition("=")
        images[container] = image
    return images


def _pod_spec(obj: Any) -> Any:
    return obj.spec if obj.kind == "Pod" else obj.spec.template.spec


async def run_set_image(session: Session) -> None:
    command = session.command
    resources, updates = split_updates(command, "image")
    images = _image_updates(updates)
    for kind, name in resource_targets(resources, command.verb):
        info = session.resource(kind)
        obj = await session.get(info, name)
        spec = _pod_spec(obj)
        patched: list[dict[str, str]] = []
        for field, containers in (
            ("initContainers", spec.init_containers),
            ("containers", spec.containers),
        ):
            entries = [
                {"name": c.name, "image": images.get(c.name, images.get("*", ""))}
                for c in containers
                if c.name in images or "*" in images
            ]
            patched.extend({"field": field, **entry} for entry in entries)
        for container in images:
            if container != "*" and not any(p["name"] == container for p in patched):
                raise KubectlError(f'error: unable to find container named "{container}"')
        patch = _containers_patch(obj.kind, patched)
        await session.patch(info, name, patch, STRATEGIC)
        session.print(f"{object_name(info, name)} image updated")


def _containers_patch(kind: str, patched: list[dict[str, str]]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for entry in patched:
        spec.setdefault(entry["field"], []).append({"name": entry["name"], "image": entry["image"]})
    return {"spec": spec} if kind == "Pod" else {"spec": {"template": {"spec": spec}}}


def _parse_updates(updates: tuple[str, ...], what: str) -> tuple[dict[str, str], list[str]]:
    changes: dict[str, str] = {}
    removals: list[str] = []
    for update in updates:
        if "=" in update:
            key, _, value = update.partition("=")
            if not key:
                raise KubectlError(f"error: invalid {what} spec: {update}")
            changes[key] = value
        else:
            removals.append(update[:-1])
    return changes, removals


async def _run_metadata(session: Session, field: str, what: str) -> None:
    command: Command = session.command
    resources, updates = split_updates(command, what)
    changes, removals = _parse_updates(updates, what)
    for kind, name in resource_targets(resources, command.verb):
        info = session.resource(kind)
        obj = await session.get(info, name)
        current: dict[str, str] = getattr(obj.metadata, field)
        if not command.bool_flag("overwrite"):
            _refuse_overwrite(current, changes, what)
        patch: dict[str, Any] = {**changes, **{key: None for key in removals}}
        await session.patch(info, name, {"metadata": {field: patch}}, MERGE)
        session.print(f"{object_name(info, name)} {_verb_done(what, current, changes, removals)}")


def _refuse_overwrite(current: dict[str, str], changes: dict[str, str], what: str) -> None:
    taken = [key for key in changes if key in current]
    if not taken:
        return
    if what == "label":
        key = taken[0]
        raise KubectlError(
            f"error: '{key}' already has a value ({current[key]}), and --overwrite is false"
        )
    listed = ", ".join(f"'{key}' already has a value ({current[key]})" for key in taken)
    raise KubectlError(
        f"error: --overwrite is false but found the following declared annotation(s): {listed}"
    )


def _verb_done(
    what: str, current: dict[str, str], changes: dict[str, str], removals: list[str]
) -> str:
    """label.go's updateDataChangeMsg: labeled, unlabeled or not labeled."""
    if what != "label":
        return "annotated"
    after = {**current, **changes}
    for key in removals:
        after.pop(key, None)
    if after == current:
        return "not labeled"
    return "unlabeled" if len(after) < len(current) else "labeled"


async def run_label(session: Session) -> None:
    await _run_metadata(session, "labels", "label")


async def run_annotate(session: Session) -> None:
    await _run_metadata(session, "annotations", "annotation")
