"""Checking `load:` steps and `expect: {traffic: ...}` steps, every problem at its node.

Role: `load: {name, from: pod/NAME | node/NAME | external, url, rps, for, timeout, namespace}`
(name defaults to `load-<step index>`, timeout to curl's 10 s connect timeout as `exec curl`
uses) and `expect: {traffic: LOAD, for|always|never: CONDITION, within|during, last}`.
Neighbours: `step_loader` (dispatches here), `load` (the typed steps), `yamlnodes`.
"""

from __future__ import annotations

from typing import Any

import yaml

from k8s_actors.scenario.load import (
    LoadStep,
    SourceKind,
    TrafficError,
    TrafficExpectStep,
    parse_traffic_condition,
    parse_url,
)
from k8s_actors.scenario.yamlnodes import (
    Problems,
    duration_of,
    expect_mode,
    fields_of,
    number_of,
    text_of,
)

LOAD_KEYS = ("name", "from", "url", "rps", "for", "timeout", "namespace")
TRAFFIC_KEYS = ("traffic", "for", "within", "always", "never", "during", "last")
DEFAULT_TIMEOUT = 10.0  # the connect timeout `exec curl` uses


def load_step(
    base: dict[str, Any], value: yaml.Node, problems: Problems, where: str
) -> LoadStep | None:
    fields = fields_of(value, LOAD_KEYS, ("from", "url", "rps", "for"), problems, where)
    if fields is None:
        return None
    found: dict[str, Any] = {
        "source": _source(fields["from"], problems, f"{where}.from"),
        "url": _url(fields["url"], problems, f"{where}.url"),
        "rps": _positive(fields["rps"], problems, f"{where}.rps", number=True),
        "duration": _positive(fields["for"], problems, f"{where}.for", number=False),
        "timeout": DEFAULT_TIMEOUT,
        "name": f"load-{base['index']}",
        "namespace": "default",
    }
    if "timeout" in fields:
        found["timeout"] = _positive(fields["timeout"], problems, f"{where}.timeout", number=False)
    for key in ("name", "namespace"):
        if key in fields:
            found[key] = text_of(fields[key], problems, f"{where}.{key}")
    if any(item is None for item in found.values()):
        return None
    (kind, source_name), rps = found.pop("source"), found["rps"]
    text = f"load {found['name']}: {rps:g} rps to {found['url']} from {kind}"
    text += f"/{source_name}" if source_name else ""
    return LoadStep(**base, **found, text=text, source_kind=kind, source_name=source_name)


def _source(node: yaml.Node, problems: Problems, where: str) -> tuple[SourceKind, str] | None:
    text = text_of(node, problems, where)
    if text is None:
        return None
    if text == "external":
        return "external", ""
    kind, _, name = text.partition("/")
    if kind in ("pod", "node") and name and "/" not in name:
        return ("pod" if kind == "pod" else "node"), name
    problems.add(node, where, f'must be pod/NAME, node/NAME or external, got "{text}"')
    return None


def _url(node: yaml.Node, problems: Problems, where: str) -> str | None:
    text = text_of(node, problems, where)
    if text is None:
        return None
    try:
        parse_url(text)
    except TrafficError as error:
        problems.add(node, where, str(error))
        return None
    return text


def _positive(node: yaml.Node, problems: Problems, where: str, *, number: bool) -> float | None:
    value = number_of(node, problems, where) if number else duration_of(node, problems, where)
    if value is not None and value <= 0:
        problems.add(node, where, f'must be greater than 0, got "{getattr(node, "value", "")}"')
        return None
    return value


def traffic_expect_step(
    base: dict[str, Any], value: yaml.Node, problems: Problems, where: str
) -> TrafficExpectStep | None:
    fields = fields_of(value, TRAFFIC_KEYS, ("traffic",), problems, where)
    if fields is None:
        return None
    found = expect_mode(value, fields, problems, where)
    if found is None:
        return None
    mode, window = found
    load = text_of(fields["traffic"], problems, f"{where}.traffic")
    last = duration_of(fields["last"], problems, f"{where}.last") if "last" in fields else 0.0
    condition_text = text_of(fields[mode], problems, f"{where}.{mode}")
    if condition_text is None or load is None or window is None or last is None:
        return None
    try:
        condition = parse_traffic_condition(condition_text)
    except TrafficError as error:
        problems.add(fields[mode], f"{where}.{mode}", str(error))
        return None
    text = f"expect traffic {load} {mode} {condition.text}"
    text += f" over the last {last:g}s" if last else ""
    mark = fields["traffic"].start_mark
    return TrafficExpectStep(
        **base,
        text=text,
        load=load,
        mode=mode,
        condition=condition,
        window=window,
        last=last,
        load_mark=f"{problems.source}:{mark.line + 1}:{mark.column + 1}",
    )
