"""`kubectl get`: read objects and print them as a table, yaml, json, names or jsonpath.

Role: one GET per named object, one LIST per bare type (with `-l`, `--field-selector`, `-A`).
Missing objects are reported as the server says (`Error from server (NotFound): ...`) after the
others are printed; an empty list prints kubectl's `No resources found in NS namespace.` on
standard error. Neighbours: `printer` (formats), `session`.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import NotFound
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.printer import (
    document,
    human_duration,
    jsonpath_output,
    list_document,
    table,
    to_json,
    to_yaml,
)
from k8s_actors.components.kubectl.session import Session, object_name

__all__ = ["run_get"]


async def run_get(session: Session) -> None:
    command = session.command
    all_namespaces = command.bool_flag("all-namespaces")
    groups: list[tuple[ResourceInfo, list[Any]]] = []
    failures: list[str] = []
    listed = False
    for kind, name in command.targets:
        info = session.resource(kind)
        if not name:
            listed = True
            namespace = "" if all_namespaces else session.namespace_for(info)
            result = await session.list(
                info,
                command.text_flag("selector"),
                command.text_flag("field-selector"),
                namespace=namespace,
            )
            _add(groups, info, list(result.items))
            continue
        try:
            _add(groups, info, [await session.get(info, name)])
        except NotFound as error:
            if not command.bool_flag("ignore-not-found"):
                failures.append(f"Error from server (NotFound): {error}")
    items = [item for _, group in groups for item in group]
    if not items and listed and not failures:
        where = "" if all_namespaces or not groups[0][0].namespaced else session.namespace
        session.warn(f"No resources found in {where} namespace." if where else "No resources found")
    elif items:
        _print(session, groups, items, listed or len(items) > 1)
    if failures:
        raise KubectlError("\n".join(failures))


def _add(
    groups: list[tuple[ResourceInfo, list[Any]]], info: ResourceInfo, items: list[Any]
) -> None:
    if groups and groups[-1][0] == info:
        groups[-1][1].extend(items)
    else:
        groups.append((info, items))


def _print(
    session: Session, groups: list[tuple[ResourceInfo, list[Any]]], items: list[Any], many: bool
) -> None:
    command = session.command
    output = command.text_flag("output")
    if output in ("yaml", "json"):
        data = list_document(items) if many else document(items[0])
        session.out.write(to_yaml(data) if output == "yaml" else to_json(data))
    elif output == "name":
        for info, group in groups:
            for item in group:
                session.print(object_name(info, item.metadata.name))
    elif output.startswith("jsonpath="):
        session.out.write(jsonpath_output(output[len("jsonpath=") :], items, many))
    else:
        tables = [
            table(
                info,
                group,
                lambda obj: _age(session, obj),
                wide=output == "wide",
                all_namespaces=command.bool_flag("all-namespaces"),
                headers=not command.bool_flag("no-headers"),
                show_labels=command.bool_flag("show-labels"),
            )
            for info, group in groups
            if group
        ]
        session.out.write("\n".join(tables))


def _age(session: Session, obj: Any) -> str:
    stamp = obj.metadata.creation_timestamp
    if not stamp:
        return "<unknown>"
    return human_duration(session.now - session.ctx.clock.parse_timestamp(stamp))
