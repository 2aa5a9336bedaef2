"""The cluster settings of the external traffic path: cloud provider, ingress controller, pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.loader import ScenarioError, load_scenario


def _load(tmp_path: Path, config: str) -> dict[str, object]:
    path = tmp_path / "c.yaml"
    path.write_text(f"name: c\ncluster:\n  nodes: [{{count: 1}}]\n  config: {config}\nsteps: []\n")
    return load_scenario(path).cluster.config


def test_no_cloud_and_no_ingress_controller_by_default(tmp_path: Path) -> None:
    config = _load(tmp_path, "{}")
    assert (config["cloudProvider"], config["ingressController"]) == ("none", "none")
    assert config["loadBalancerIPPool"] == "203.0.113.10-203.0.113.254"


def test_the_simulated_cloud_and_its_pool_are_accepted(tmp_path: Path) -> None:
    text = "{cloudProvider: simulated, ingressController: nginx, loadBalancerIPPool: 192.0.2.0/28}"
    config = _load(tmp_path, text)
    assert config["cloudProvider"] == "simulated"
    assert config["loadBalancerIPPool"] == "192.0.2.0/28"


def test_an_unknown_cloud_provider_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match='must be one of none, simulated, got "aws"'):
        _load(tmp_path, "{cloudProvider: aws}")


def test_a_pool_that_is_not_a_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError, match=r"cluster\.config\.loadBalancerIPPool: must be an address"
    ):
        _load(tmp_path, "{loadBalancerIPPool: 203.0.113.50-203.0.113.10}")
