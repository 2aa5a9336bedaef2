"""`scheduling_safety` and taints: a pod is bound only to nodes whose hard taints it tolerates."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.store import Store
from k8s_actors.testing.invariants.placement import scheduling_safety

NODE = """
apiVersion: v1
kind: Node
metadata: {{name: node-1, uid: n-1}}
spec: {{taints: [{taints}]}}
status: {{allocatable: {{cpu: "1", pods: "110"}}}}
"""
POD = """
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: default, uid: p-1}}
spec:
  nodeName: node-1
  tolerations: [{tolerations}]
  containers: [{{name: app, image: nginx:1.24}}]
"""
DEDICATED = "{key: dedicated, value: db, effect: NoSchedule}"


def _store(taints: str, tolerations: str = "") -> Store:
    store = Store()
    objects: list[Any] = [
        load_manifests(NODE.format(taints=taints))[0],
        load_manifests(POD.format(tolerations=tolerations))[0],
    ]
    for obj in objects:
        store.put(f"/registry/{obj.kind}/{obj.metadata.namespace}/{obj.metadata.name}", obj)
    return store


def test_a_pod_bound_despite_an_untolerated_taint_is_a_violation() -> None:
    """The violation names the pod, the node and the taint."""
    assert scheduling_safety(_store(DEDICATED)) == [
        "scheduling_safety: Pod default/web bound to node-1 despite taint dedicated=db:NoSchedule"
    ]


def test_tolerated_and_soft_taints_are_fine() -> None:
    """A matching toleration (Equal or Exists) or a PreferNoSchedule taint lets the pod be."""
    equal = "{key: dedicated, operator: Equal, value: db, effect: NoSchedule}"
    exists = "{operator: Exists}"
    soft = "{key: spot, value: 'true', effect: PreferNoSchedule}"
    assert scheduling_safety(_store(DEDICATED, equal)) == []
    assert scheduling_safety(_store(DEDICATED, exists)) == []
    assert scheduling_safety(_store(soft)) == []


def test_taints_the_control_plane_manages_are_not_judged() -> None:
    """node.kubernetes.io/ taints come and go with the node's health: the scheduler may have
    bound the pod before one was added."""
    unreachable = "{key: node.kubernetes.io/unreachable, effect: NoExecute}"
    assert scheduling_safety(_store(unreachable)) == []


def test_with_bound_the_taints_are_judged_when_a_binding_is_first_seen() -> None:
    """A binding already seen is not judged again (a user may taint the node afterwards)."""
    bound = {"p-1": "node-1"}
    assert scheduling_safety(_store(DEDICATED), bound) == []
    assert len(scheduling_safety(_store(DEDICATED), {})) == 1
