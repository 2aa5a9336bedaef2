"""Watch faults: `watchDelay`, `watchDrop` and `staleReads` steps, as loaded and as they behave.

Loading: each form's fields and their problems at FILE:LINE:COL. Behaviour, on a running cluster:
a delayed watcher's informers lag its own writes while its requests are answered at once; a
dropped watcher's informers list again; a lagging watch cache serves stale resourceVersion="0"
lists while a consistent list waits for it; lifting keeps every stream in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from k8s_actors.api.objects.machinery import List
from k8s_actors.components.apiserver.server import APISERVER_ADDRESS
from k8s_actors.kernel.faults import StreamDelay
from k8s_actors.messages import ListRequest
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.faults import inject
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.model import FaultStep
from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.topology import NodeGroup, Topology, cluster_spec

HEAD = "name: watch-faults\ncluster:\n  nodes: [{count: 1}]\nsteps:\n"
KCM = "kube-controller-manager"


def _load(tmp_path: Path, steps: str) -> Any:
    path = tmp_path / "scenario.yaml"
    path.write_text(HEAD + steps)
    return load_scenario(path)


def _problems(tmp_path: Path, steps: str) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        _load(tmp_path, steps)
    return str(raised.value).splitlines()


def test_each_watch_fault_loads_with_its_settings(tmp_path: Path) -> None:
    """The three forms load into fault steps; a node stands for its kubelet's watches."""
    steps = (
        "  - fault: {watchDelay: {component: kube-controller-manager, add: 2s, for: 1m}}\n"
        "  - fault: {watchDrop: {component: node-1}}\n"
        "  - fault: {staleReads: {lag: 5s, for: 30s}}\n"
    )
    delay, drop, stale = _load(tmp_path, steps).steps
    assert (delay.kind, delay.args, delay.duration) == (
        "watchDelay",
        {"component": KCM, "add": 2.0},
        60.0,
    )
    assert (drop.kind, drop.args, drop.duration) == ("watchDrop", {"component": "node-1"}, None)
    assert (stale.kind, stale.args, stale.duration) == ("staleReads", {"lag": 5.0}, 30.0)
    assert stale.text == "fault staleReads lag=5"


@pytest.mark.parametrize(
    ("step", "where", "message"),
    [
        (
            "  - fault: {watchDelay: {component: etcd-0, add: 1s}}\n",
            "5:37",
            'steps[0].fault.watchDelay.component: unknown watcher "etcd-0" (expected one of '
            "kube-controller-manager, kube-scheduler, node-1)",
        ),
        (
            "  - fault: {watchDelay: {component: node-1}}\n",
            "5:25",
            "steps[0].fault.watchDelay.add: required field is missing",
        ),
        (
            "  - fault: {watchDrop: {component: kube-scheduler, for: 1s}}\n",
            "5:52",
            "steps[0].fault.watchDrop.for: unknown field (expected one of component)",
        ),
        (
            "  - fault: {staleReads: {lag: soon}}\n",
            "5:31",
            'steps[0].fault.staleReads.lag: invalid duration "soon"',
        ),
    ],
)
def test_each_watch_fault_problem_is_reported_at_its_node(
    tmp_path: Path, step: str, where: str, message: str
) -> None:
    """A bad watch fault gives one line FILE:LINE:COL: field.path: message."""
    problems = _problems(tmp_path, step)
    expected = f"{tmp_path / 'scenario.yaml'}:{where}: {message}"
    assert any(problem.startswith(expected) for problem in problems), problems


# -- behaviour ---------------------------------------------------------------------------------

Body = Callable[[Cluster, ClusterDriver], Coroutine[Any, Any, Any]]


def _run(body: Body) -> Any:
    driver = ClusterDriver(
        0, cluster_spec(Topology(groups=(NodeGroup(count=1),)).cluster_section())
    )
    try:
        return driver.call(lambda cluster: body(cluster, driver))
    finally:
        driver.close()


def _step(kind: str, args: dict[str, Any], duration: float | None = None) -> FaultStep:
    return FaultStep(index=1, line=0, text=f"fault {kind}", kind=kind, args=args, duration=duration)


async def _replica_sets_after(cluster: Cluster, seconds: float) -> int:
    await cluster.advance(seconds)
    return len(await cluster.list("replicasets", "default"))


def test_watch_delay_makes_the_controllers_informers_lag_not_their_requests() -> None:
    """With kube-controller-manager's watch events 5 s late, the Deployment controller creates
    the ReplicaSet only once the Deployment's event arrives, 5 s after the user's create; its
    requests are answered at once (the ReplicaSet's own create is not late); and once the fault
    is lifted (and its late events delivered) the rule is gone."""

    async def body(cluster: Cluster, driver: ClusterDriver) -> tuple[int, int, int]:
        await cluster.advance(5)
        step = _step("watchDelay", {"component": KCM, "add": 5.0}, duration=20.0)
        await inject(cluster, step, driver.spawn)
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=1")
        before = await _replica_sets_after(cluster, 4.5)
        after = await _replica_sets_after(cluster, 1.0)
        await cluster.advance(30)
        rules = sum(isinstance(rule, StreamDelay) for rule in cluster.bus.faults)
        return before, after, rules

    assert _run(body) == (0, 1, 0)


def test_without_watch_delay_the_replica_set_comes_at_once() -> None:
    """The contrast of the test above: the ReplicaSet exists within a second."""

    async def body(cluster: Cluster, driver: ClusterDriver) -> int:
        await cluster.advance(5)
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=1")
        return await _replica_sets_after(cluster, 1.0)

    assert _run(body) == 1


def _informer_lists(cluster: Cluster) -> int:
    """How many lists kube-controller-manager's informers made so far, by the trace."""
    records = [json.loads(line) for line in cluster.lines]
    return sum(r["event"] == "informer_listed" and r["actor"] == KCM for r in records)


def test_watch_drop_ends_the_watches_and_the_informers_list_again() -> None:
    """kube-apiserver ends each watch of kube-controller-manager with an ERROR: each informer
    lists again (after its back-off) and still follows later changes."""

    async def body(cluster: Cluster, driver: ClusterDriver) -> tuple[int, int, int, int]:
        await cluster.advance(5)
        lists = _informer_lists(cluster)
        await inject(cluster, _step("watchDrop", {"component": KCM}), driver.spawn)
        await cluster.advance(5)
        relisted = _informer_lists(cluster) - lists
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=1")
        created = await _replica_sets_after(cluster, 2.0)
        server: Any = cluster.supervisor.actor(APISERVER_ADDRESS)
        return lists, relisted, created, server.close_watches("nobody")

    lists, relisted, created, nothing = _run(body)
    assert lists > 0 and relisted == lists
    assert (created, nothing) == (1, 0)


def test_watch_drop_while_the_apiserver_is_down_ends_nothing() -> None:
    """With kube-apiserver down its watches are gone already: the step only records itself."""

    async def body(cluster: Cluster, driver: ClusterDriver) -> int:
        await cluster.advance(5)
        await cluster.supervisor.crash(APISERVER_ADDRESS)
        await inject(cluster, _step("watchDrop", {"component": KCM}), driver.spawn)
        records = [json.loads(line) for line in cluster.lines]
        return sum(r["event"] == "watches_closed" for r in records)

    assert _run(body) == 0


async def _names(cluster: Cluster, resource_version: str) -> list[str]:
    result = await cluster.request(
        ListRequest(resource="configmaps", namespace="default", resource_version=resource_version)
    )
    assert isinstance(result, List)
    return [item.metadata.name for item in result.items]


def test_stale_reads_serve_old_lists_at_version_zero_but_consistent_lists_wait() -> None:
    """With the watch cache 5 s behind etcd, a ConfigMap just created is missing from a
    resourceVersion="0" list, while a consistent list (resourceVersion "") waits for the cache
    to reach etcd's revision and includes it; a get reads etcd and finds it at once."""

    async def body(cluster: Cluster, driver: ClusterDriver) -> tuple[Any, ...]:
        await cluster.advance(5)
        await inject(cluster, _step("staleReads", {"lag": 5.0}, duration=60.0), driver.spawn)
        await cluster.kubectl("create configmap settings")
        got = (await cluster.get("configmaps", "default", "settings")).metadata.name
        stale = await _names(cluster, "0")
        start = cluster.now
        consistent = await _names(cluster, "")
        waited = cluster.now - start
        return got, stale, consistent, waited

    got, stale, consistent, waited = _run(body)
    assert (got, stale, consistent) == ("settings", [], ["settings"])
    assert 4.0 < waited <= 5.0


def test_delays_of_one_stream_add_up_in_one_rule_that_goes_once_drained() -> None:
    """Two watchDelays of kube-controller-manager make one rule of 3 s (one rule keeps the
    stream in order; two would each keep their own order but not their sum's); lifting one
    leaves 1 s, lifting both leaves none and the rule goes once its last event is due."""

    async def body(cluster: Cluster, driver: ClusterDriver) -> list[float]:
        def delays() -> list[float]:
            return [rule.add for rule in cluster.bus.faults if isinstance(rule, StreamDelay)]

        await cluster.advance(5)
        await inject(
            cluster, _step("watchDelay", {"component": KCM, "add": 2.0}, 10.0), driver.spawn
        )
        await inject(
            cluster, _step("watchDelay", {"component": KCM, "add": 1.0}, 20.0), driver.spawn
        )
        seen = delays()
        await cluster.advance(15)
        seen += delays()
        await cluster.advance(15)
        return seen + delays()

    assert _run(body) == [3.0, 1.0]
