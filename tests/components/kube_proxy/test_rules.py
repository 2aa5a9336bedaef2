"""kube-proxy's rule table: iptables probabilities, IPVS schedulers, affinity, traffic policies."""

from __future__ import annotations

import random
from collections import Counter

from k8s_actors.components.kube_proxy import (
    RuleTable,
    ServicePortInfo,
    categorize,
    iptables_pick,
    rule_probabilities,
    service_ports,
)
from tests.components.kube_proxy.builders import endpoint, endpoint_slice, service

IPS = ["10.244.1.2", "10.244.1.3", "10.244.2.2"]
THREE = (endpoint("10.244.1.2"), endpoint("10.244.1.3", "node-2"), endpoint("10.244.2.2", "node-2"))


def info_of(*endpoints: object, **kwargs: object) -> ServicePortInfo:
    svc = service(**kwargs)  # type: ignore[arg-type]
    return service_ports(svc, [endpoint_slice(*endpoints)])[0]  # type: ignore[arg-type]


def table_with(info: ServicePortInfo, mode: str = "iptables", scheduler: str = "rr") -> RuleTable:
    table = RuleTable("node-1", mode, scheduler)  # type: ignore[arg-type]
    table.set_service(info.service, [info])
    return table


def pick_many(table: RuleTable, info: ServicePortInfo, count: int, seed: int = 7) -> Counter[str]:
    rng = random.Random(seed)
    picked: Counter[str] = Counter()
    for n in range(count):
        choice = table.route(
            info,
            dst_ip=info.cluster_ip,
            dst_port=80,
            client_ip=f"10.244.9.{n % 250}",
            now=n,
            rng=rng,
        )
        assert choice.endpoint is not None
        picked[choice.endpoint.ip] += 1
    return picked


def test_rule_probabilities_are_one_over_the_remaining_count() -> None:
    """Kubernetes writes 1/n, 1/(n-1), ..., and the last rule without a statistic match."""
    assert rule_probabilities(4) == [0.25, 1 / 3, 0.5, 1.0]


def test_iptables_pick_reports_the_matching_rules_probability() -> None:
    """The first rule matches with 1/3; when it does, the choice carries that probability."""

    class Always(random.Random):
        def random(self) -> float:
            return 0.0

    chosen, probability = iptables_pick(tuple(info_of(*THREE).endpoints), Always())
    assert chosen.ip == "10.244.1.2" and probability == 1 / 3


def test_iptables_spreads_over_every_endpoint_with_a_seeded_generator() -> None:
    """3000 connections over 3 endpoints: each gets between 25 % and 42 % (uniform overall)."""
    info = info_of(*THREE)
    picked = pick_many(table_with(info), info, 3000)
    assert sorted(picked) == ["10.244.1.2", "10.244.1.3", "10.244.2.2"]
    assert all(750 <= count <= 1250 for count in picked.values()), picked


def test_iptables_spread_is_the_same_for_the_same_seed() -> None:
    """Determinism: the same seed picks the same sequence."""
    info = info_of(*THREE)
    assert pick_many(table_with(info), info, 200, 3) == pick_many(table_with(info), info, 200, 3)


def test_ipvs_round_robin_is_exactly_even() -> None:
    """rr: 300 connections over 3 real servers give 100 each, in address order."""
    info = info_of(*THREE)
    table = table_with(info, "ipvs", "rr")
    order = [
        table.route(
            info, dst_ip=info.cluster_ip, dst_port=80, client_ip="", now=0, rng=random.Random(1)
        ).endpoint
        for _ in range(4)
    ]
    assert [ep.ip for ep in order if ep] == ["10.244.1.2", "10.244.1.3", "10.244.2.2", "10.244.1.2"]
    assert set(pick_many(table_with(info, "ipvs"), info, 300).values()) == {100}


def test_ipvs_least_connection_prefers_the_idlest_server() -> None:
    """lc: open connections pile on nobody; a closed one frees its server first."""
    info = info_of(*THREE)
    table = table_with(info, "ipvs", "lc")
    rng = random.Random(1)
    first = [
        table.route(info, dst_ip=info.cluster_ip, dst_port=80, client_ip="", now=0, rng=rng)
        for _ in range(3)
    ]
    assert [c.endpoint.ip for c in first if c.endpoint] == IPS
    table.connection_closed(first[1].rule, "10.244.1.3:8080")
    fourth = table.route(info, dst_ip=info.cluster_ip, dst_port=80, client_ip="", now=0, rng=rng)
    assert fourth.endpoint is not None and fourth.endpoint.ip == "10.244.1.3"
    assert fourth.scheduler == "lc"


def test_client_ip_affinity_sticks_until_the_timeout() -> None:
    """ClientIP with timeoutSeconds 60: the same client keeps its endpoint, then may move."""
    info = info_of(*THREE, affinity=60)
    table = table_with(info)
    rng = random.Random(5)

    def pick(now: float, client: str = "10.244.3.7") -> str:
        choice = table.route(
            info, dst_ip=info.cluster_ip, dst_port=80, client_ip=client, now=now, rng=rng
        )
        assert choice.endpoint is not None
        return choice.endpoint.ip

    first = pick(0)
    assert {pick(t) for t in range(30, 3000, 30)} == {first}  # each use refreshes the timer
    assert len({pick(10000 + 100 * n) for n in range(40)}) > 1  # 100 s gaps: it expires


def test_default_affinity_timeout_is_three_hours() -> None:
    """sessionAffinity ClientIP without a config: 10800 s."""
    assert info_of(*THREE, affinity=None).affinity_timeout == 10800


def test_internal_traffic_policy_local_uses_only_this_nodes_endpoints() -> None:
    """internalTrafficPolicy Local on node-1: only the node-1 endpoint is ever chosen."""
    info = info_of(*THREE, internal="Local")
    assert set(pick_many(table_with(info), info, 50)) == {"10.244.1.2"}


def test_local_policy_without_local_endpoints_drops() -> None:
    """No endpoint on the node while others exist elsewhere: dropped, not refused."""
    info = info_of(THREE[1], THREE[2], internal="Local")
    choice = table_with(info).route(
        info, dst_ip=info.cluster_ip, dst_port=80, client_ip="", now=0, rng=random.Random(1)
    )
    assert choice.outcome == "dropped"


def test_no_endpoints_is_rejected() -> None:
    """No usable endpoint anywhere: the REJECT rule (connection refused)."""
    info = info_of(endpoint("10.244.1.2", ready=False, serving=False))
    choice = table_with(info).route(
        info, dst_ip=info.cluster_ip, dst_port=80, client_ip="", now=0, rng=random.Random(1)
    )
    assert choice.outcome == "no_endpoints" and choice.endpoint is None


def test_external_traffic_policy_local_for_node_ports_from_outside() -> None:
    """externalTrafficPolicy Local: an outside client on node-2's NodePort reaches only node-2's
    endpoints; a pod client short-circuits to every endpoint."""
    info = info_of(*THREE, kind="NodePort", node_port=30080, external="Local")
    table = table_with(info)
    rng = random.Random(2)
    outside = {
        table.route(
            info,
            dst_ip="172.18.0.3",
            dst_port=30080,
            client_ip="203.0.113.9",
            now=0,
            rng=rng,
            external=True,
            receiving_node="node-2",
        ).endpoint.ip  # type: ignore[union-attr]
        for _ in range(40)
    }
    assert outside == {"10.244.1.3", "10.244.2.2"}
    inside = {
        table.route(
            info,
            dst_ip="172.18.0.3",
            dst_port=30080,
            client_ip="10.244.1.9",
            now=0,
            rng=rng,
            external=True,
            receiving_node="node-2",
            client_in_cluster=True,
        ).endpoint.ip  # type: ignore[union-attr]
        for _ in range(60)
    }
    assert inside == set(IPS)


def test_ready_endpoints_only_with_terminating_fallback() -> None:
    """Not-ready endpoints are skipped; when none is ready, serving terminating ones are used."""
    mixed = info_of(endpoint("10.244.1.2"), endpoint("10.244.1.3", ready=False, serving=False))
    assert [ep.ip for ep in categorize(mixed, "node-1", external=False).cluster] == ["10.244.1.2"]
    draining = info_of(
        endpoint("10.244.1.2", ready=False, serving=True, terminating=True),
        endpoint("10.244.1.3", ready=False, serving=False, terminating=True),
    )
    sets = categorize(draining, "node-1", external=False)
    assert [ep.ip for ep in sets.cluster] == ["10.244.1.2"] and sets.has_any


def test_headless_services_have_no_rules() -> None:
    """clusterIP None: nothing for kube-proxy to program."""
    assert service_ports(service(cluster_ip="None"), [endpoint_slice(*THREE)]) == []
