"""Tests for `k8s-actors rules` (`k8s_actors.cli.rules_verb`): a node's rules after a real play."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from k8s_actors.cli import EXIT_INVALID, EXIT_OK, main

SCENARIO = """\
name: rules
seed: 1
cluster:
  nodes: [{{count: 2}}]
  images:
    nginx:1.24: {{pullTime: 1s}}
  config: {{proxyMode: {mode}}}
steps:
  - kubectl: create deployment web --image=nginx:1.24 --replicas=3 --port=80
  - kubectl: expose deployment web --port=80
  - expect: {{resource: deployment/web, for: "jsonpath={{.status.readyReplicas}}=3", within: 1m}}
  - sleep: 1s
"""


def _rules(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(SCENARIO.format(mode=mode))
    assert main(["rules", str(path), "--node", "node-1"]) == EXIT_OK
    return capsys.readouterr().out


def test_iptables_mode_prints_the_service_chain_with_its_probabilities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three endpoints: KUBE-SVC jumps to three KUBE-SEP chains with 1/3, 1/2, then always."""
    text = _rules(tmp_path, capsys, "iptables")
    assert "\n*nat\n" in text and text.rstrip().endswith("COMMIT")
    (chain,) = sorted(set(re.findall(r"-j (KUBE-SVC-[A-Z0-9]{16})", text)))
    assert f":{chain} - [0:0]" in text
    jumps = [
        line
        for line in text.splitlines()
        if line.startswith(f"-A {chain} ") and "KUBE-SEP-" in line
    ]
    assert len(jumps) == 3
    probabilities = [re.search(r"--probability (\S+)", line) for line in jumps]
    assert [m.group(1) if m else None for m in probabilities] == [
        "0.33333333349",
        "0.50000000000",
        None,
    ]
    assert "default/web cluster IP" in text


def test_ipvs_mode_prints_the_virtual_server_and_its_three_real_servers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ipvsadm -Ln: a TCP virtual server at ClusterIP:80 with rr and one line per pod."""
    text = _rules(tmp_path, capsys, "ipvs")
    assert "IP Virtual Server version" in text
    virtual = re.search(r"^TCP  (10\.\d+\.\d+\.\d+):80 rr", text, re.MULTILINE)
    assert virtual is not None and virtual.group(1) != "10.96.0.1"
    block = text[virtual.end() :].split("\nTCP ")[0]
    real = re.findall(r"^  -> (10\.244\.\d+\.\d+):80\s+Masq", block, re.MULTILINE)
    assert len(real) == 3


def test_an_unknown_node_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A node the scenario does not declare is an input error."""
    path = tmp_path / "rules.yaml"
    path.write_text(SCENARIO.format(mode="iptables"))
    assert main(["rules", str(path), "--node", "node-9"]) == EXIT_INVALID
    assert "no node 'node-9'" in capsys.readouterr().err
