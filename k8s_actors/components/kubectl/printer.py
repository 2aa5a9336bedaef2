"""How kubectl prints objects: default tables (with ages), wide, yaml, json, name, jsonpath.

Role: pure formatting for `get` and for `-o` of other verbs. Columns follow kubectl's
server-side table printers (pkg/printers/internalversion/printers.go) for the kinds that exist;
others get NAME and AGE. Ages use kubectl's `HumanDuration`
(k8s.io/apimachinery/pkg/util/duration). Columns are aligned as Go's tabwriter with kubectl's
settings (min width 6, padding 3). Neighbours: `get` (caller), `jsonpath`, `session` (names).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.labels import Selector
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.components.kubectl import jsonpath

__all__ = ["align", "document", "human_duration", "table", "to_json", "to_yaml"]


def human_duration(seconds: float) -> str:
    """kubectl's age: 5s, 3m2s, 15m, 5h3m, 10h, 2d4h, 30d, 2y10d."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def align(rows: Sequence[Sequence[str]], min_width: int = 6, padding: int = 3) -> str:
    """Go's tabwriter: every column but the last padded to its widest cell plus `padding`."""
    if not rows:
        return ""
    columns = max(len(row) for row in rows)
    widths = [0] * columns
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths[index], len(cell) + padding, min_width)
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[index]) for index, cell in enumerate(row[:-1])]
        lines.append("".join(cells) + (row[-1] if row else ""))
    return "\n".join(lines) + "\n"


def document(obj: Any) -> Any:
    """The object as kubectl's printers see it (plain data, wire names)."""
    return to_builtins(obj)


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=4, sort_keys=True) + "\n"


def list_document(items: Sequence[Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "items": [document(item) for item in items],
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


# -- tables ----------------------------------------------------------------------------------


def _pod_status(pod: Any) -> tuple[str, int, int, int]:
    """STATUS, ready containers, containers, restarts (printPod's rules, simplified)."""
    status = pod.status
    reason = status.reason or status.phase or "Pending"
    ready = restarts = 0
    for container in status.container_statuses:
        restarts += container.restart_count
        state = container.state
        if state.waiting is not None and state.waiting.reason:
            reason = state.waiting.reason
        elif state.terminated is not None:
            reason = state.terminated.reason or f"ExitCode:{state.terminated.exit_code}"
        elif container.ready and state.running is not None:
            ready += 1
    if pod.metadata.deletion_timestamp is not None:
        reason = "Terminating"
    return reason, ready, len(pod.spec.containers), restarts


def _pod_row(pod: Any, age: str, wide: bool) -> list[str]:
    reason, ready, total, restarts = _pod_status(pod)
    row = [pod.metadata.name, f"{ready}/{total}", reason, str(restarts), age]
    if wide:
        gates = pod.spec.readiness_gates
        row += [
            pod.status.pod_ip or "<none>",
            pod.spec.node_name or "<none>",
            pod.status.nominated_node_name or "<none>",
            f"0/{len(gates)}" if gates else "<none>",
        ]
    return row


def _containers(template: Any) -> list[str]:
    containers = template.spec.containers
    return [",".join(c.name for c in containers), ",".join(c.image for c in containers)]


def _selector(obj: Any) -> str:
    return str(Selector.from_label_selector(obj.spec.selector)) or "<none>"


def _deployment_row(obj: Any, age: str, wide: bool) -> list[str]:
    status = obj.status
    desired = obj.spec.replicas if obj.spec.replicas is not None else 0
    row = [
        obj.metadata.name,
        f"{status.ready_replicas}/{desired}",
        str(status.updated_replicas),
        str(status.available_replicas),
        age,
    ]
    if wide:
        row += [*_containers(obj.spec.template), _selector(obj)]
    return row


def _replicaset_row(obj: Any, age: str, wide: bool) -> list[str]:
    desired = obj.spec.replicas if obj.spec.replicas is not None else 0
    status = obj.status
    row = [
        obj.metadata.name,
        str(desired),
        str(status.replicas),
        str(status.ready_replicas),
        age,
    ]
    if wide:
        row += [*_containers(obj.spec.template), _selector(obj)]
    return row


def _node_row(node: Any, age: str, wide: bool) -> list[str]:
    ready = next((c for c in node.status.conditions if c.type == "Ready"), None)
    status = "Unknown"
    if ready is not None:
        status = "Ready" if ready.status == "True" else "NotReady"
    if node.spec.unschedulable:
        status += ",SchedulingDisabled"
    prefix = "node-role.kubernetes.io/"
    roles = sorted(key[len(prefix) :] for key in node.metadata.labels if key.startswith(prefix))
    row = [
        node.metadata.name,
        status,
        ",".join(roles) or "<none>",
        age,
        node.status.node_info.kubelet_version,
    ]
    if wide:
        addresses = {a.type: a.address for a in node.status.addresses}
        info = node.status.node_info
        row += [
            addresses.get("InternalIP", "<none>"),
            addresses.get("ExternalIP", "<none>"),
            info.os_image or "<unknown>",
            info.kernel_version or "<unknown>",
            info.container_runtime_version or "<unknown>",
        ]
    return row


def _service_ports(service: Any) -> str:
    parts = []
    for port in service.spec.ports:
        text = f"{port.port}:{port.node_port}" if port.node_port else str(port.port)
        parts.append(f"{text}/{port.protocol or 'TCP'}")
    return ",".join(parts) or "<none>"


def _service_row(service: Any, age: str, wide: bool) -> list[str]:
    spec = service.spec
    external = [i.ip or i.hostname for i in service.status.load_balancer.ingress]
    external += list(spec.external_ips)
    if not external and spec.type == "LoadBalancer":
        external = ["<pending>"]
    row = [
        service.metadata.name,
        spec.type or "ClusterIP",
        spec.cluster_ip or "<none>",
        ",".join(external) or "<none>",
        _service_ports(service),
        age,
    ]
    if wide:
        selector = ",".join(f"{k}={v}" for k, v in sorted(spec.selector.items()))
        row.append(selector or "<none>")
    return row


def _namespace_row(obj: Any, age: str, wide: bool) -> list[str]:
    return [obj.metadata.name, obj.status.phase or "Active", age]


def _configmap_row(obj: Any, age: str, wide: bool) -> list[str]:
    return [obj.metadata.name, str(len(obj.data) + len(obj.binary_data)), age]


def _secret_row(obj: Any, age: str, wide: bool) -> list[str]:
    return [obj.metadata.name, obj.type or "Opaque", str(len(obj.data)), age]


def _generic_row(obj: Any, age: str, wide: bool) -> list[str]:
    return [obj.metadata.name, age]


_Row = Callable[[Any, str, bool], list[str]]
_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], _Row]] = {
    "pods": (
        ("NAME", "READY", "STATUS", "RESTARTS", "AGE"),
        ("IP", "NODE", "NOMINATED NODE", "READINESS GATES"),
        _pod_row,
    ),
    "deployments": (
        ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"),
        ("CONTAINERS", "IMAGES", "SELECTOR"),
        _deployment_row,
    ),
    "replicasets": (
        ("NAME", "DESIRED", "CURRENT", "READY", "AGE"),
        ("CONTAINERS", "IMAGES", "SELECTOR"),
        _replicaset_row,
    ),
    "nodes": (
        ("NAME", "STATUS", "ROLES", "AGE", "VERSION"),
        ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"),
        _node_row,
    ),
    "services": (
        ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"),
        ("SELECTOR",),
        _service_row,
    ),
    "namespaces": (("NAME", "STATUS", "AGE"), (), _namespace_row),
    "configmaps": (("NAME", "DATA", "AGE"), (), _configmap_row),
    "secrets": (("NAME", "TYPE", "DATA", "AGE"), (), _secret_row),
}


def table(
    info: ResourceInfo,
    items: Sequence[Any],
    age_of: Callable[[Any], str],
    *,
    wide: bool = False,
    all_namespaces: bool = False,
    headers: bool = True,
    show_labels: bool = False,
) -> str:
    """The default `kubectl get` table of `items` (of one resource)."""
    columns, wide_columns, row_of = _TABLES.get(info.resource, (("NAME", "AGE"), (), _generic_row))
    header = list(columns) + (list(wide_columns) if wide else [])
    if all_namespaces and info.namespaced:
        header.insert(0, "NAMESPACE")
    if show_labels:
        header.append("LABELS")
    rows: list[list[str]] = [header] if headers else []
    for item in items:
        age = age_of(item)
        row = row_of(item, age, wide)
        if all_namespaces and info.namespaced:
            row.insert(0, item.metadata.namespace)
        if show_labels:
            labels = item.metadata.labels
            row.append(",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>")
        rows.append(row)
    return align(rows)


def jsonpath_output(template: str, items: Sequence[Any], as_list: bool) -> str:
    """`-o jsonpath=...`: over the object, or over a List of them for a list request."""
    data = list_document(items) if as_list else document(items[0])
    return jsonpath.render(template, data)
