"""The what-happens-when order of one pod's steps in the trace.

Role: `pod_steps_in_order` reads a run's trace records and checks, per pod uid, that the first
record of each step comes after the first record of every earlier step present: the pod is
stored (created), bound (the binding's write), its sandbox run, its network added (CNI), an
image pulled, a container created, a container started, and the pod reported Ready. A step may
be missing (no binding for a pod created with its nodeName, no pull for an image already on the
node); those present must be in this order (sections F-K of the "what happens when" walk-through,
which tests/scenario/test_what_happens_when.py checks in full on the bundled scenario).
`TraceOrder` carries what was read between calls, so each call reads only the records added since.
Neighbours: `lifecycle` (the same property read from etcd), `k8s_actors.trace` (the records).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from k8s_actors.scenario.cluster import Cluster

STEPS = (
    "created",
    "bound",
    "sandbox",
    "network",
    "pulled",
    "container_created",
    "container_started",
    "ready",
)
# The record that marks each step (besides "created" and "bound", judged by `_step_of`).
STEP_EVENTS = {
    "cri_run_pod_sandbox": "sandbox",
    "cni_add": "network",
    "cri_pull_image": "pulled",
    "cri_create_container": "container_created",
    "cri_start_container": "container_started",
}
Record = dict[str, Any]


@dataclass
class TraceOrder:
    """Progress through one trace: records read, binding spans, each pod's first steps."""

    read: int = 0
    binding_spans: dict[str, None] = field(default_factory=dict)
    first: dict[str, dict[str, int]] = field(default_factory=dict)  # uid -> step -> seq


def pod_steps_in_order(
    source: Cluster | Sequence[bytes] | Iterable[Record], order: TraceOrder | None = None
) -> list[str]:
    """Per pod, the first record of each step follows those of the steps before it.

    `source` is a cluster (its in-memory trace lines), the lines, or decoded records; with
    `order` (updated by the call) only lines added since the last call are read."""
    progress = order if order is not None else TraceOrder()
    violations = []
    for record in _new_records(source, progress):
        step = _step_of(record, progress)
        uid = record.get("uid", "")
        if step is None or not uid:
            continue
        first = progress.first.setdefault(uid, {})
        if step in first:
            continue
        first[step] = record["seq"]
        rank = STEPS.index(step)
        later = [s for s in STEPS[rank + 1 :] if s in first and first[s] < record["seq"]]
        if later:
            name = f"{record.get('namespace', '')}/{record.get('name', '')}"
            violations.append(
                f"pod_steps_in_order: pod {name} ({uid}): {step} (seq {record['seq']}) "
                f"after {later[0]} (seq {first[later[0]]})"
            )
    return violations


def _new_records(
    source: Cluster | Sequence[bytes] | Iterable[Record], progress: TraceOrder
) -> Iterable[Record]:
    lines = source.lines if isinstance(source, Cluster) else source
    if not isinstance(lines, Sequence):
        yield from lines
        return
    start = progress.read
    progress.read = len(lines)
    for line in lines[start : progress.read]:
        record = line if isinstance(line, dict) else msgspec.json.decode(line)
        yield record


def _step_of(record: Record, progress: TraceOrder) -> str | None:
    event = record["event"]
    if event == "request_received" and record.get("subresource") == "binding":
        progress.binding_spans[record.get("span_id", "")] = None
        return None
    if event == "object_stored" and record.get("kind") == "Pod":
        if record.get("verb") == "create":
            return "created"
        span = record.get("span_id", "")
        if span in progress.binding_spans:
            del progress.binding_spans[span]  # the write of the binding request
            return "bound"
        return None
    if event == "kubelet_status_updated" and record.get("ready") == "True":
        return "ready"
    if event in STEP_EVENTS and record.get("kind", "Pod") == "Pod":
        return STEP_EVENTS[event]
    return None
