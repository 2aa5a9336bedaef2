"""Tests for `k8s_actors.scenario.cluster_loader`: the typed cluster section and its defaults."""

from __future__ import annotations

from pathlib import Path

from k8s_actors.api.quantity import Quantity
from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.spec import CONFIG_DEFAULTS, ClusterSpec, TaintSpec

CLUSTER = """\
name: c
cluster:
  nodes:
    - count: 2
      capacity: {cpu: "8", memory: 16Gi}
      labels: {topology.kubernetes.io/zone: zone-a}
      taints: ["dedicated=db:NoSchedule"]
    - {count: 1, prefix: edge, allocatable: {cpu: 3500m}}
    - {names: [special]}
    - {count: 1}
  images:
    nginx:1.24: {pullTime: 2s, startTime: 1s}
    crashy:1: {exitAfter: 5s, exitCode: 1}
  config:
    nodeMonitorGracePeriod: 40s
  controllerManagers: 2
steps: []
"""


def _cluster(tmp_path: Path, text: str = CLUSTER) -> ClusterSpec:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_scenario(path).cluster


def test_node_groups_get_generated_names(tmp_path: Path) -> None:
    """node-1, node-2 continue across groups; a prefix and explicit names are kept."""
    assert _cluster(tmp_path).node_names() == ["node-1", "node-2", "edge-1", "special", "node-3"]


def test_capacity_labels_and_taints_are_typed(tmp_path: Path) -> None:
    """Quantities parse, defaults fill what a group omits, labels add the hostname label."""
    first = _cluster(tmp_path).nodes[0]
    assert first.capacity["cpu"] == Quantity.parse("8")
    assert first.capacity["pods"] == Quantity.parse("110")
    assert first.labels["topology.kubernetes.io/zone"] == "zone-a"
    assert first.labels["kubernetes.io/hostname"] == "node-1"
    assert first.taints == (TaintSpec(key="dedicated", value="db", effect="NoSchedule"),)


def test_allocatable_defaults_to_capacity(tmp_path: Path) -> None:
    """allocatable overrides only what it names."""
    edge = _cluster(tmp_path).nodes[2]
    assert edge.allocatable["cpu"] == Quantity.parse("3500m")
    assert edge.allocatable["memory"] == edge.capacity["memory"]


def test_images_config_and_controller_managers(tmp_path: Path) -> None:
    """Image timings are seconds; unset settings keep Kubernetes' defaults."""
    spec = _cluster(tmp_path)
    assert (spec.images["nginx:1.24"].pull_time, spec.images["crashy:1"].exit_after) == (2.0, 5.0)
    assert spec.images["crashy:1"].exit_code == 1
    assert spec.config["nodeMonitorGracePeriod"] == 40.0
    assert spec.config["podEvictionTimeout"] == 300.0
    assert spec.controller_managers == 2


def test_defaults_follow_kubernetes(tmp_path: Path) -> None:
    """Without a cluster section: no nodes, one controller manager, Kubernetes' settings."""
    spec = _cluster(tmp_path, "name: c\nsteps: []\n")
    assert (spec.nodes, spec.controller_managers) == ((), 1)
    assert spec.config == CONFIG_DEFAULTS
    assert CONFIG_DEFAULTS["nodeMonitorGracePeriod"] == 50.0
    assert CONFIG_DEFAULTS["serviceClusterIPRange"] == "10.96.0.0/12"
