"""Loading a scenario's `cluster:` section into a `ClusterSpec`, every problem with its position.

Role: node groups (names generated as node-1, node-2, ... unless `prefix` or `names`), capacity
and allocatable quantities checked with the object model's parser, labels and taints with its
validators, the images catalogue, the component settings (Kubernetes' names and defaults;
unknown ones are errors) and the mutants (deliberate defects, known names only).
Neighbours: `loader` (calls `load_cluster`), `spec`, `yamlnodes`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import yaml

from k8s_actors.api.labels import validate_label_key, validate_label_value
from k8s_actors.api.quantity import Quantity, QuantityError
from k8s_actors.api.validation.meta import validate_labels
from k8s_actors.api.validation.names import dns1123_subdomain
from k8s_actors.components.cloud_controller.pool import parse_pool
from k8s_actors.kernel.mutants import MUTANTS
from k8s_actors.scenario.spec import (
    ADDON_CHOICES,
    CONFIG_DEFAULTS,
    DEFAULT_CAPACITY,
    DURATION_SETTINGS,
    INTEGER_SETTINGS,
    PROXY_MODES,
    TAINT_EFFECTS,
    ClusterSpec,
    ImageSpec,
    NodeSpec,
    TaintSpec,
)
from k8s_actors.scenario.yamlnodes import (
    Problems,
    duration_of,
    fields_of,
    integer_of,
    string_map,
    text_of,
)

CLUSTER_KEYS = ("nodes", "images", "config", "controllerManagers", "mutants")
GROUP_KEYS = ("count", "prefix", "names", "capacity", "allocatable", "labels", "taints")
IMAGE_KEYS = ("pullTime", "startTime", "readyAfter", "exitAfter", "exitCode", "failLivenessAfter")
_TAINT_TEXT = re.compile(r"^(?P<key>[^=:]+)(?:=(?P<value>[^:]*))?:(?P<effect>\w+)$")


def load_cluster(node: yaml.Node | None, problems: Problems) -> ClusterSpec:
    """The cluster a scenario asks for; an absent section is a cluster with no nodes."""
    if node is None:
        return ClusterSpec()
    fields = fields_of(node, CLUSTER_KEYS, (), problems, "cluster")
    if fields is None:
        return ClusterSpec()
    nodes = _nodes(fields["nodes"], problems) if "nodes" in fields else ()
    images = _images(fields["images"], problems) if "images" in fields else {}
    config = _config(fields["config"], problems) if "config" in fields else dict(CONFIG_DEFAULTS)
    managers = 1
    if "controllerManagers" in fields:
        count = integer_of(
            fields["controllerManagers"], problems, "cluster.controllerManagers", minimum=0
        )
        managers = count if count is not None else 1
    mutants = _mutants(fields["mutants"], problems) if "mutants" in fields else ()
    return ClusterSpec(
        nodes=nodes,
        images=images,
        config=config,
        controller_managers=managers,
        mutants=mutants,
    )


def _mutants(node: yaml.Node, problems: Problems) -> tuple[str, ...]:
    """The deliberate defects to switch on (k8s_actors.kernel.mutants), each known."""
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, "cluster.mutants", "must be a list of mutant names")
        return ()
    names: list[str] = []
    for index, item in enumerate(node.value):
        name = str(item.value) if isinstance(item, yaml.ScalarNode) else ""
        if name not in MUTANTS:
            known = ", ".join(MUTANTS)
            problems.add(
                item, f"cluster.mutants[{index}]", f'unknown mutant "{name}" (known: {known})'
            )
        elif name not in names:
            names.append(name)
    return tuple(names)


# -- nodes -----------------------------------------------------------------------------------


def _nodes(node: yaml.Node, problems: Problems) -> tuple[NodeSpec, ...]:
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, "cluster.nodes", "must be a list of node groups")
        return ()
    nodes: list[NodeSpec] = []
    numbers: dict[str, int] = {}
    for index, group in enumerate(node.value):
        nodes += _group(group, problems, f"cluster.nodes[{index}]", numbers)
    seen: set[str] = set()
    for spec in nodes:
        if spec.name in seen:
            problems.add(node, "cluster.nodes", f'duplicate node name "{spec.name}"')
        seen.add(spec.name)
    return tuple(nodes)


def _group(
    node: yaml.Node, problems: Problems, where: str, numbers: dict[str, int]
) -> list[NodeSpec]:
    fields = fields_of(node, GROUP_KEYS, (), problems, where)
    if fields is None:
        return []
    names = _names(fields, problems, where, numbers)
    capacity = _quantities(fields.get("capacity"), problems, f"{where}.capacity")
    allocatable = _quantities(fields.get("allocatable"), problems, f"{where}.allocatable")
    labels = _labels(fields.get("labels"), problems, f"{where}.labels")
    taints = _taints(fields.get("taints"), problems, f"{where}.taints")
    full_capacity = {key: Quantity.parse(text) for key, text in DEFAULT_CAPACITY.items()}
    full_capacity.update(capacity)
    return [
        NodeSpec(
            name=name,
            capacity=full_capacity,
            allocatable={**full_capacity, **allocatable},
            labels={"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", **labels},
            taints=taints,
        )
        for name in names
    ]


def _names(
    fields: dict[str, yaml.Node], problems: Problems, where: str, numbers: dict[str, int]
) -> list[str]:
    count: int | None = None
    if "count" in fields:
        count = integer_of(fields["count"], problems, f"{where}.count", minimum=1)
        if count is None:
            return []
    if "names" in fields:
        return _listed_names(fields, count, problems, where)
    prefix = "node"
    if "prefix" in fields:
        prefix = text_of(fields["prefix"], problems, f"{where}.prefix") or "node"
    first = numbers.get(prefix, 0) + 1
    numbers[prefix] = first - 1 + (count or 1)
    names = [f"{prefix}-{number}" for number in range(first, numbers[prefix] + 1)]
    if "prefix" in fields:
        for message in dns1123_subdomain(names[0]):
            problems.add(fields["prefix"], f"{where}.prefix", message)
    return names


def _listed_names(
    fields: dict[str, yaml.Node], count: int | None, problems: Problems, where: str
) -> list[str]:
    node = fields["names"]
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, f"{where}.names", "must be a list of node names")
        return []
    names: list[str] = []
    for index, item in enumerate(node.value):
        name = str(item.value) if isinstance(item, yaml.ScalarNode) else ""
        errors = dns1123_subdomain(name) if name else ["must be a node name"]
        for message in errors:
            problems.add(item, f"{where}.names[{index}]", f'invalid node name "{name}": {message}')
        names.append(name)
    if count is not None and count != len(names):
        problems.add(
            fields["count"], f"{where}.count", f"is {count} but {len(names)} names are listed"
        )
    return names


def _quantities(node: yaml.Node | None, problems: Problems, where: str) -> dict[str, Quantity]:
    if node is None:
        return {}
    texts = string_map(node, problems, where) or {}
    result: dict[str, Quantity] = {}
    for key, (_, value_node) in _items(node):
        if key not in texts:
            continue
        try:
            result[key] = Quantity.parse(texts[key])
        except QuantityError as error:
            problems.add(value_node, f"{where}.{key}", f'"{texts[key]}": {error}')
    return result


def _items(node: yaml.Node) -> list[tuple[str, tuple[yaml.Node, yaml.Node]]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(key.value), (key, value)) for key, value in node.value]


def _labels(node: yaml.Node | None, problems: Problems, where: str) -> dict[str, str]:
    if node is None:
        return {}
    labels = string_map(node, problems, where) or {}
    positions = dict(_items(node))
    for error in validate_labels(labels, where):
        key = error.value if error.value in positions else ""
        at = positions[key][0] if key else node
        problems.add(at, where, error.body())
    return labels


def _taints(node: yaml.Node | None, problems: Problems, where: str) -> tuple[TaintSpec, ...]:
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, where, "must be a list of taints")
        return ()
    taints: list[TaintSpec] = []
    for index, item in enumerate(node.value):
        taint = _taint(item, problems, f"{where}[{index}]")
        if taint is not None:
            taints.append(taint)
    return tuple(taints)


def _taint(node: yaml.Node, problems: Problems, where: str) -> TaintSpec | None:
    """`{key, value, effect}` or kubectl taint's `key=value:Effect`."""
    values: dict[str, str]
    if isinstance(node, yaml.ScalarNode):
        match = _TAINT_TEXT.match(str(node.value))
        if match is None:
            problems.add(node, where, f'must be KEY[=VALUE]:EFFECT, got "{node.value}"')
            return None
        values = {"key": match["key"], "value": match["value"] or "", "effect": match["effect"]}
    else:
        fields = fields_of(node, ("key", "value", "effect"), ("key", "effect"), problems, where)
        if fields is None:
            return None
        values = {key: str(getattr(value, "value", "")) for key, value in fields.items()}
    errors = [f"key: {message}" for message in validate_label_key(values["key"])]
    errors += [f"value: {message}" for message in validate_label_value(values.get("value", ""))]
    if values["effect"] not in TAINT_EFFECTS:
        expected = ", ".join(TAINT_EFFECTS)
        errors.append(f'effect: must be one of {expected}, got "{values["effect"]}"')
    for message in errors:
        problems.add(node, where, message)
    if errors:
        return None
    return TaintSpec(key=values["key"], value=values.get("value", ""), effect=values["effect"])


# -- images and settings ---------------------------------------------------------------------


def _images(node: yaml.Node, problems: Problems) -> dict[str, ImageSpec]:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "cluster.images", "must map image names to their behaviour")
        return {}
    images: dict[str, ImageSpec] = {}
    for name, (_, value) in _items(node):
        where = f"cluster.images[{name}]"
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "null", "~"):
            images[name] = ImageSpec()
            continue
        fields = fields_of(value, IMAGE_KEYS, (), problems, where)
        if fields is None:
            continue
        seconds: dict[str, float | None] = {}
        for key in ("pullTime", "startTime", "readyAfter", "exitAfter", "failLivenessAfter"):
            if key in fields:
                seconds[key] = duration_of(fields[key], problems, f"{where}.{key}")
        exit_code = 0
        if "exitCode" in fields:
            exit_code = integer_of(fields["exitCode"], problems, f"{where}.exitCode", 0) or 0
        images[name] = ImageSpec(
            pull_time=seconds.get("pullTime") or 0.0,
            start_time=seconds.get("startTime") or 0.0,
            ready_after=seconds.get("readyAfter") or 0.0,
            exit_after=seconds.get("exitAfter"),
            exit_code=exit_code,
            fail_liveness_after=seconds.get("failLivenessAfter"),
        )
    return images


def _config(node: yaml.Node, problems: Problems) -> dict[str, Any]:
    config = dict(CONFIG_DEFAULTS)
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "cluster.config", "must be a mapping of settings")
        return config
    for key, (key_node, value) in _items(node):
        where = f"cluster.config.{key}"
        if key not in CONFIG_DEFAULTS:
            known = ", ".join(CONFIG_DEFAULTS)
            problems.add(key_node, where, f"unknown setting (expected one of {known})")
            continue
        parsed = _setting(key, value, problems, where)
        if parsed is not None:
            config[key] = parsed
    return config


def _setting(key: str, node: yaml.Node, problems: Problems, where: str) -> Any:
    if key in DURATION_SETTINGS:
        return duration_of(node, problems, where)
    if key in INTEGER_SETTINGS:
        return integer_of(node, problems, where, minimum=0)
    text = text_of(node, problems, where)
    if text is None:
        return None
    if key == "proxyMode":
        if text in PROXY_MODES:
            return text
        problems.add(node, where, f'must be one of {", ".join(PROXY_MODES)}, got "{text}"')
        return None
    if key in ADDON_CHOICES:
        if text in ADDON_CHOICES[key]:
            return text
        choices = ", ".join(ADDON_CHOICES[key])
        problems.add(node, where, f'must be one of {choices}, got "{text}"')
        return None
    if key == "loadBalancerIPPool":
        try:
            parse_pool(text)
        except ValueError as error:
            example = "an address range such as 203.0.113.10-203.0.113.50"
            problems.add(node, where, f'must be {example}, got "{text}": {error}')
            return None
        return text
    if key == "serviceNodePortRange":
        low, dash, high = text.partition("-")
        if dash and low.isdigit() and high.isdigit() and 0 < int(low) <= int(high) < 65536:
            return text
        problems.add(node, where, f'must be a port range such as 30000-32767, got "{text}"')
        return None
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError as error:
        problems.add(node, where, f'invalid CIDR address "{text}": {error}')
        return None
    return text
