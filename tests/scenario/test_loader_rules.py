"""Tests for the scenario loaders: one bad input per validation rule, at FILE:LINE:COL."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.loader import ScenarioError, load_scenario

HEAD = "name: rules\n"
NODES = "cluster:\n  nodes:\n    - count: 2\n"

CASES = [
    # cluster section
    (
        "cluster:\n  nodez: []\nsteps: []\n",
        "2:3",
        "cluster.nodez: unknown field "
        "(expected one of nodes, images, config, controllerManagers, mutants)",
    ),
    ("cluster:\n  nodes: {count: 1}\nsteps: []\n", "2:10", "cluster.nodes: must be a list"),
    (
        "cluster:\n  nodes:\n    - count: zero\nsteps: []\n",
        "3:14",
        'cluster.nodes[0].count: must be an integer, got "zero"',
    ),
    (
        "cluster:\n  nodes:\n    - count: 0\nsteps: []\n",
        "3:14",
        "cluster.nodes[0].count: must be at least 1, got 0",
    ),
    (
        "cluster:\n  nodes:\n    - {count: 1, colour: red}\nsteps: []\n",
        "3:18",
        "cluster.nodes[0].colour: unknown field",
    ),
    (
        "cluster:\n  nodes:\n    - {count: 1, capacity: {cpu: lots}}\nsteps: []\n",
        "3:34",
        'cluster.nodes[0].capacity.cpu: "lots": quantities must match the regular expression',
    ),
    (
        "cluster:\n  nodes:\n    - {count: 1, labels: {bad key: x}}\nsteps: []\n",
        "3:27",
        'cluster.nodes[0].labels: Invalid value: "bad key": name part must consist of',
    ),
    (
        "cluster:\n  nodes:\n    - {count: 1, taints: [{key: k, effect: Sometimes}]}\nsteps: []\n",
        "3:27",
        "cluster.nodes[0].taints[0]: effect: must be one of NoSchedule, PreferNoSchedule, "
        'NoExecute, got "Sometimes"',
    ),
    (
        "cluster:\n  nodes:\n    - {count: 1, taints: [dedicated]}\nsteps: []\n",
        "3:27",
        'cluster.nodes[0].taints[0]: must be KEY[=VALUE]:EFFECT, got "dedicated"',
    ),
    (
        "cluster:\n  nodes:\n    - {count: 1, prefix: Bad_Prefix}\nsteps: []\n",
        "3:26",
        "cluster.nodes[0].prefix: a lowercase RFC 1123 subdomain",
    ),
    (
        "cluster:\n  nodes:\n    - {count: 3, names: [a, b]}\nsteps: []\n",
        "3:15",
        "cluster.nodes[0].count: is 3 but 2 names are listed",
    ),
    (
        "cluster:\n  nodes:\n    - {names: [a]}\n    - {names: [a]}\nsteps: []\n",
        "3:5",
        'cluster.nodes: duplicate node name "a"',
    ),
    (
        "cluster:\n  images:\n    nginx:1: {pullTime: soon}\nsteps: []\n",
        "3:25",
        'cluster.images[nginx:1].pullTime: invalid duration "soon"',
    ),
    (
        "cluster:\n  images:\n    nginx:1: {size: 5}\nsteps: []\n",
        "3:15",
        "cluster.images[nginx:1].size: unknown field",
    ),
    (
        "cluster:\n  config:\n    podEvictionTimout: 1m\nsteps: []\n",
        "3:5",
        "cluster.config.podEvictionTimout: unknown setting (expected one of",
    ),
    (
        "cluster:\n  config:\n    nodeMonitorGracePeriod: 40\nsteps: []\n",
        "3:29",
        'cluster.config.nodeMonitorGracePeriod: missing unit in duration "40"',
    ),
    (
        "cluster:\n  config:\n    clusterCIDR: 10.0.0.1/8\nsteps: []\n",
        "3:18",
        'cluster.config.clusterCIDR: invalid CIDR address "10.0.0.1/8"',
    ),
    (
        "cluster:\n  config:\n    serviceNodePortRange: 9-1\nsteps: []\n",
        "3:27",
        'cluster.config.serviceNodePortRange: must be a port range such as 30000-32767, got "9-1"',
    ),
    (
        "cluster:\n  controllerManagers: two\nsteps: []\n",
        "2:23",
        'cluster.controllerManagers: must be an integer, got "two"',
    ),
    # step shapes and modifiers
    (
        "steps:\n  - {sleep: 1s, apply: x}\n",
        "2:17",
        'steps[0]: one step per list item, "apply" is a second',
    ),
    ("steps:\n  - at: 5s\n", "2:5", "steps[0]: a step is a mapping with one key of"),
    (
        "steps:\n  - {sleep: 1s, at: later}\n",
        "2:21",
        'steps[0].at: invalid duration "later"',
    ),
    (
        "steps:\n  - {sleep: 1s, expectFailure: true}\n",
        "2:17",
        "steps[0].expectFailure: only kubectl steps can fail",
    ),
    (
        "steps:\n  - repeat: {times: 2, steps: [{sleep: 1s, at: 2s}]}\n",
        "2:44",
        "steps[0].repeat.steps[0].at: only top-level steps can have a start time",
    ),
    (
        "steps:\n  - repeat: {times: 0, steps: []}\n",
        "2:21",
        "steps[0].repeat.times: must be at least 1, got 0",
    ),
    (
        "steps:\n  - repeat: {times: 2}\n",
        "2:13",
        "steps[0].repeat.steps: required field is missing",
    ),
    (
        "steps:\n  - repeat: {times: 2, steps: [{nap: 1s}]}\n",
        "2:33",
        'steps[0].repeat.steps[0]: unknown step "nap"',
    ),
    ("steps:\n  - kubectl: ''\n", "2:14", "steps[0].kubectl: must be a kubectl command line"),
    # expectations
    (
        "steps:\n  - expect: {resource: pods -l app=web, for: delete, always: count=1}\n",
        "2:13",
        "steps[0].expect: needs exactly one of for, always or never",
    ),
    (
        "steps:\n  - expect: {resource: pods, always: count>1, within: 5s}\n",
        "2:55",
        "steps[0].expect.within: goes with during, not always",
    ),
    (
        "steps:\n  - expect: {resource: pods, for: count~1}\n",
        "2:35",
        "steps[0].expect.for: must be condition=NAME[=VALUE]",
    ),
    (
        "steps:\n  - expect: {resource: 'pods -l \"app in (web\"', for: count=1}\n",
        "2:24",
        "steps[0].expect.resource: unable to parse requirement",
    ),
    (
        "steps:\n  - expect: {resource: 'pods --field-selector=spec.colour=red', for: count=1}\n",
        "2:24",
        "steps[0].expect.resource: field label not supported: spec.colour",
    ),
    (
        "steps:\n  - expect: {resource: 'pods --all', for: count=1}\n",
        "2:24",
        'steps[0].expect.resource: unknown flag "--all"',
    ),
    (
        "steps:\n  - expect: {resource: 'pods/web -l app=web', for: delete}\n",
        "2:24",
        "steps[0].expect.resource: a name and a selector cannot both be given",
    ),
    (
        "steps:\n  - expect: {resource: deployment/web, for: 'jsonpath={.a[}=1'}\n",
        "2:45",
        "steps[0].expect.for: unrecognized expression",
    ),
    (
        "steps:\n  - expect: {resource: deployment/web, always: 'count>=1', during: -1s}\n",
        "2:68",
        'steps[0].expect.during: must not be negative, got "-1s"',
    ),
    # faults
    (
        "steps:\n  - fault: {flood: {}}\n",
        "2:13",
        'steps[0].fault: unknown fault "flood" (expected one of nodeDown, nodeUp,',
    ),
    ("steps:\n  - fault: {}\n", "2:12", "steps[0].fault: a fault is a mapping with one key of"),
    (
        "steps:\n  - fault: {nodeDown: node-9}\n",
        "2:23",
        'steps[0].fault.nodeDown: unknown node "node-9" (nodes: none',
    ),
    (
        "steps:\n  - fault: {partition: {between: [user]}}\n",
        "2:34",
        "steps[0].fault.partition.between: must name exactly two sides, got 1",
    ),
    (
        "steps:\n  - fault: {partition: {between: [user, mars]}}\n",
        "2:34",
        'steps[0].fault.partition.between: unknown address "mars" (expected one of control-plane,',
    ),
    (
        "steps:\n  - fault: {partition: {between: [user, control-plane], for: ever}}\n",
        "2:62",
        'steps[0].fault.partition.for: invalid duration "ever"',
    ),
    (
        "steps:\n  - fault: {messageLoss: {rate: 2}}\n",
        "2:33",
        "steps[0].fault.messageLoss.rate: must be between 0 and 1, got 2.0",
    ),
    (
        "steps:\n  - fault: {messageLoss: {rate: some}}\n",
        "2:33",
        'steps[0].fault.messageLoss.rate: must be a number, got "some"',
    ),
    (
        "steps:\n  - fault: {latency: {between: [user, control-plane]}}\n",
        "2:22",
        "steps[0].fault.latency.add: required field is missing",
    ),
    (
        "steps:\n  - fault: {latency: {add: 1s, jitter: lots}}\n",
        "2:40",
        'steps[0].fault.latency.jitter: invalid duration "lots"',
    ),
    (
        "steps:\n  - fault: {crash: {component: kube-proxy}}\n",
        "2:32",
        'steps[0].fault.crash.component: unknown component "kube-proxy" (expected one of',
    ),
    (
        "steps:\n  - fault: {kubeletCrash: {node: node-1}}\n",
        "2:27",
        "steps[0].fault.kubeletCrash.for: required field is missing",
    ),
    (
        "steps:\n  - fault: {containerExit: {pod: web, code: -1}}\n",
        "2:45",
        "steps[0].fault.containerExit.code: must be at least 0, got -1",
    ),
    (
        "steps:\n  - fault: {imagePullFails: {}}\n",
        "2:29",
        "steps[0].fault.imagePullFails.image: required field is missing",
    ),
]


def _problems(tmp_path: Path, body: str) -> tuple[Path, list[str]]:
    path = tmp_path / "scenario.yaml"
    path.write_text(HEAD + body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return path, caught.value.problems


@pytest.mark.parametrize(("body", "where", "message"), CASES)
def test_each_rule_is_reported_at_its_node(
    tmp_path: Path, body: str, where: str, message: str
) -> None:
    """Every rule gives one line FILE:LINE:COL: field.path: message at the offending node."""
    path, problems = _problems(tmp_path, body)
    # Shift by the name line written first.
    line, column = where.split(":")
    expected = f"{path}:{int(line) + 1}:{column}: {message}"
    assert any(problem.startswith(expected) for problem in problems), problems


def test_all_problems_of_steps_and_cluster_come_at_once(tmp_path: Path) -> None:
    """Problems in the cluster section and in several steps are all reported by one load."""
    body = (
        "cluster:\n  config:\n    colour: red\n"
        "steps:\n  - sleep: 1x\n  - fault: {nodeUp: node-1}\n  - kubectl: ''\n"
    )
    _, problems = _problems(tmp_path, body)
    assert len(problems) == 4
