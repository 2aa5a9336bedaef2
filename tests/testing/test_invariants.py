"""Each invariant holds on a healthy state and reports a crafted broken one."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import OwnerReference
from k8s_actors.components.kubelet import NodeRuntime
from k8s_actors.store import Store
from k8s_actors.testing import invariants

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, uid: d-1, generation: 1}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx:1.24}]}
status: {observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2}
"""


def _rs(name: str, uid: str, replicas: int, image: str = "nginx:1.24") -> Any:
    text = f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: {name}
  namespace: default
  uid: {uid}
  annotations: {{deployment.kubernetes.io/desired-replicas: "2"}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web, pod-template-hash: h}}}}
    spec: {{containers: [{{name: app, image: "{image}"}}]}}
status: {{availableReplicas: {replicas}}}
"""
    return _owned_by(load_manifests(text)[0], "Deployment", "web", "d-1")


def _pod(name: str, uid: str, rs_uid: str, node: str = "node-1", cpu: str = "100m") -> Any:
    text = f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, uid: {uid}, labels: {{app: web}}}}
spec:
  nodeName: {node}
  containers: [{{name: app, image: nginx:1.24, resources: {{requests: {{cpu: {cpu}}}}}}}]
status:
  phase: Running
  podIP: 10.244.0.{uid[-1]}
  conditions: [{{type: Ready, status: "True"}}]
"""
    return _owned_by(load_manifests(text)[0], "ReplicaSet", "web-h", rs_uid)


def _owned_by(obj: Any, kind: str, name: str, uid: str) -> Any:
    ref = OwnerReference(api_version="apps/v1", kind=kind, name=name, uid=uid, controller=True)
    meta = obj.metadata.__class__(**{**_fields(obj.metadata), "owner_references": (ref,)})
    return obj.__class__(**{**_fields(obj), "metadata": meta})


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__struct_fields__}


NODE = """
apiVersion: v1
kind: Node
metadata: {name: node-1, uid: n-1}
status: {allocatable: {cpu: "1", pods: "110"}}
"""


def healthy_store() -> Store:
    store = Store()
    put(store, load_manifests(DEPLOYMENT)[0])
    put(store, load_manifests(NODE)[0])
    put(store, _rs("web-h", "rs-1", 2))
    put(store, _pod("web-h-a", "p-1", "rs-1"))
    put(store, _pod("web-h-b", "p-2", "rs-1"))
    return store


def put(store: Store, obj: Any) -> None:
    meta = obj.metadata
    store.put(f"/registry/{obj.kind}/{meta.namespace}/{meta.name}", obj)


def test_a_healthy_state_violates_nothing() -> None:
    store = healthy_store()
    checks = (
        invariants.one_controller_per_object,
        invariants.owners_exist,
        invariants.store_revisions_increase,
        invariants.uids_never_reused,
        invariants.rollout_bounds,
        invariants.eventually_stable,
        invariants.scheduling_safety,
        invariants.endpoints_match_ready_pods,
    )
    assert [violation for check in checks for violation in check(store)] == []


def test_two_controller_references_are_reported() -> None:
    store = healthy_store()
    pod = _pod("web-h-a", "p-1", "rs-1")
    second = OwnerReference(
        api_version="apps/v1", kind="ReplicaSet", name="x", uid="rs-1", controller=True
    )
    meta = pod.metadata.__class__(
        **{**_fields(pod.metadata), "owner_references": (*pod.metadata.owner_references, second)}
    )
    put(store, pod.__class__(**{**_fields(pod), "metadata": meta}))
    assert invariants.one_controller_per_object(store) == [
        "one_controller_per_object: Pod default/web-h-a has ReplicaSet/web-h, ReplicaSet/x"
    ]


def test_a_dangling_owner_reference_is_reported() -> None:
    store = healthy_store()
    put(store, _pod("stray", "p-3", "rs-gone"))
    assert invariants.owners_exist(store) == [
        "owners_exist: Pod default/stray owned by missing ReplicaSet/web-h"
    ]


def test_a_uid_given_twice_is_reported() -> None:
    store = healthy_store()
    put(store, _pod("clone", "p-1", "rs-1"))
    assert invariants.uids_never_reused(store) == [
        "uids_never_reused: p-1 created as /registry/Pod/default/web-h-a and again as "
        "/registry/Pod/default/clone"
    ]


def test_a_surge_beyond_max_surge_is_reported() -> None:
    store = healthy_store()
    put(store, _rs("web-new", "rs-2", 2, image="nginx:1.25"))
    violations = invariants.rollout_bounds(store)
    assert violations == [
        "rollout_bounds: Deployment default/web asks for 4 pods, more than 2 + maxSurge 1"
    ]


def test_an_unfinished_rollout_is_not_stable() -> None:
    store = healthy_store()
    put(store, _rs("web-h", "rs-1", 2, image="nginx:1.23"))
    violations = invariants.eventually_stable(store)
    assert violations[0] == (
        "eventually_stable: Deployment default/web: 0 ReplicaSets match its template"
    )


def test_an_overcommitted_node_and_a_moved_pod_are_reported() -> None:
    store = healthy_store()
    bound = {"p-1": "node-0"}
    put(store, _pod("web-h-c", "p-3", "rs-1", cpu="900m"))
    assert invariants.scheduling_safety(store, bound) == [
        "scheduling_safety: Pod default/web-h-a moved from node-0 to node-1",
        "scheduling_safety: node node-1 holds cpu 1100m, more than allocatable 1",
    ]


def test_endpoints_missing_a_ready_pod_are_reported() -> None:
    store = healthy_store()
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
    service += "spec: {selector: {app: web}, ports: [{port: 80}]}\n"
    put(store, load_manifests(service)[0])
    assert invariants.endpoints_match_ready_pods(store) == [
        "endpoints_match_ready_pods: Service default/web has [], ready pods "
        "['10.244.0.1', '10.244.0.2']"
    ]


def test_a_pod_sandboxed_on_two_nodes_is_reported() -> None:
    runtimes = {name: NodeRuntime(name) for name in ("node-1", "node-2")}
    for runtime in runtimes.values():
        runtime.run_pod_sandbox("p-1", "default", "web", 0.0)
    assert invariants.at_most_one_running_copy(runtimes) == [
        "at_most_one_running_copy: pod p-1 runs on node-1 and node-2"
    ]


def test_versions_of_a_key_count_up_in_a_healthy_history() -> None:
    store = healthy_store()
    put(store, _rs("web-h", "rs-1", 3))
    store.delete("/registry/ReplicaSet/default/web-h")
    put(store, _rs("web-h", "rs-9", 1))
    assert invariants.store_revisions_increase(store) == []
