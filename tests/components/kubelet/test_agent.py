"""End to end: etcd + kube-apiserver + one kubelet; pods bound by setting spec.nodeName."""

from __future__ import annotations

from tests.components.kubelet.harness import KubeletNode, with_kubelet

NGINX = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: nginx, image: "nginx:1.24"}
"""


def test_a_bound_pod_runs_with_an_ip_from_the_pod_cidr_and_becomes_ready() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(6)
        await node.create(NGINX)
        await node.wait(1)
        pending = await node.pod("web")
        assert pending.status.phase == "Pending"
        await node.wait(5)
        pod = await node.pod("web")
        assert pod.status.phase == "Running", pod.status
        assert pod.status.pod_ip.startswith("10.244.1.")
        ready = {c.type: c.status for c in pod.status.conditions}
        assert ready["Ready"] == "True"

    with_kubelet(body)
