"""Cluster topologies as data: node groups with capacities and taints, and their cluster section.

Role: a `Topology` is what `strategies.topologies` draws; `cluster_section` gives the scenario
file's `cluster:` mapping and `cluster_spec` the `ClusterSpec` the scenario loader would build
from it (the same loader, so a replayed scenario starts the same cluster).
Neighbours: `strategies`, `machine`, `reproduce`, `k8s_actors.scenario.cluster_loader`.
"""

from __future__ import annotations

from typing import Any

import msgspec
import yaml

from k8s_actors.scenario.cluster_loader import load_cluster
from k8s_actors.scenario.spec import ClusterSpec
from k8s_actors.scenario.yamlnodes import Problems

# Every image a generated case uses: pulled in a second, ready a second after starting.
IMAGE_BEHAVIOUR = {"pullTime": "1s", "startTime": "1s", "readyAfter": "1s"}
DEFAULT_IMAGES = ("nginx:1.24", "nginx:1.25", "nginx:1.26")


class NodeGroup(msgspec.Struct, frozen=True, kw_only=True):
    count: int = 1
    cpu: str = "4"
    pods: str = "110"
    taints: tuple[str, ...] = ()  # kubectl taint's form: key=value:Effect


class Topology(msgspec.Struct, frozen=True, kw_only=True):
    groups: tuple[NodeGroup, ...] = (NodeGroup(count=2),)
    images: tuple[str, ...] = DEFAULT_IMAGES
    # Deliberate defects (k8s_actors.kernel.mutants), for the kit's own mutation tests.
    mutants: tuple[str, ...] = ()

    def node_names(self) -> tuple[str, ...]:
        total = sum(group.count for group in self.groups)
        return tuple(f"node-{number}" for number in range(1, total + 1))

    def cluster_section(self) -> dict[str, Any]:
        nodes = []
        for group in self.groups:
            entry: dict[str, Any] = {
                "count": group.count,
                "capacity": {"cpu": group.cpu, "memory": "8Gi", "pods": group.pods},
            }
            if group.taints:
                entry["taints"] = list(group.taints)
            nodes.append(entry)
        images = {image: dict(IMAGE_BEHAVIOUR) for image in self.images}
        section: dict[str, Any] = {"nodes": nodes, "images": images}
        if self.mutants:
            section["mutants"] = list(self.mutants)
        return section


def cluster_spec(section: dict[str, Any]) -> ClusterSpec:
    """The ClusterSpec a scenario with this `cluster:` section starts; ValueError if invalid."""
    problems = Problems("<topology>")
    spec = load_cluster(yaml.compose(yaml.safe_dump(section)), problems)
    if problems.items:
        raise ValueError("\n".join(problems.items))
    return spec
