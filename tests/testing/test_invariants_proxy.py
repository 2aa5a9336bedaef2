"""proxy_rules_match_ready_pods: each kube-proxy sends a Service to its ready pods, once settled."""

from __future__ import annotations

import msgspec

from k8s_actors.components.kube_proxy import KubeProxy
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import invariants
from k8s_actors.testing.driver import ClusterDriver

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
"""


async def _web_behind_a_service(cluster: Cluster) -> list[str]:
    await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=2")
    await cluster.apply(SERVICE)
    await cluster.advance(30)
    return invariants.proxy_rules_match_ready_pods(cluster)


def test_settled_rules_send_each_service_to_its_ready_pods(
    simulated_cluster: ClusterDriver,
) -> None:
    assert simulated_cluster.call(_web_behind_a_service) == []


def test_a_node_whose_rules_lag_is_reported(simulated_cluster: ClusterDriver) -> None:
    async def stale_rules(cluster: Cluster) -> list[str]:
        await _web_behind_a_service(cluster)
        proxies = [
            actor
            for name in cluster.supervisor.names()
            if isinstance(actor := cluster.supervisor.actor(name), KubeProxy)
        ]
        table = proxies[0].table
        (info,) = table.services["default/web"]
        table.set_service(
            "default/web", [msgspec.structs.replace(info, endpoints=info.endpoints[:1])]
        )
        return invariants.proxy_rules_match_ready_pods(cluster)

    violations = simulated_cluster.call(stale_rules)
    assert len(violations) == 1
    assert "sends default/web:80 to [" in violations[0] and "ready pods [" in violations[0]
