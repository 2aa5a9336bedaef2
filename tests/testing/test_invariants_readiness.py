"""`endpoints_follow_readiness`: endpoints are published ready only for pods that were Ready."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.store import Store
from k8s_actors.testing.invariants.readiness import ReadinessHistory, endpoints_follow_readiness

POD = """
apiVersion: v1
kind: Pod
metadata: {{name: web-a, namespace: default, uid: p-1, labels: {{app: web}}}}
spec: {{nodeName: node-1, containers: [{{name: app, image: nginx:1.24}}]}}
status:
  phase: Running
  podIP: 10.244.0.5
  conditions: [{{type: Ready, status: "{ready}"}}]
"""
SLICE = """
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: web-x, namespace: default, labels: {{kubernetes.io/service-name: web}}}}
addressType: IPv4
endpoints:
- addresses: [10.244.0.5]
  conditions: {{ready: {ready}}}
  targetRef: {{kind: Pod, namespace: default, name: web-a, uid: p-1}}
"""
POD_KEY = "/registry/pods/default/web-a"
SLICE_KEY = "/registry/endpointslices/default/web-x"


def _pod(ready: bool) -> Any:
    return load_manifests(POD.format(ready=str(ready)))[0]


def _slice(ready: bool) -> Any:
    return load_manifests(SLICE.format(ready=str(ready).lower()))[0]


def test_a_pod_never_ready_published_as_ready_is_a_violation() -> None:
    """The violation names the slice and the pod."""
    store = Store()
    store.put(POD_KEY, _pod(False))
    store.put(SLICE_KEY, _slice(False))
    store.put(SLICE_KEY, _slice(True))
    violations = endpoints_follow_readiness(store)
    assert len(violations) == 1
    assert "EndpointSlice default/web-x" in violations[0]
    assert "lists pod default/web-a as ready, which has never been Ready" in violations[0]


def test_a_pod_that_was_ready_may_be_published_ready_even_after_it_turned_unready() -> None:
    """Publishing from a cache that lags a pod turning unready is a delay, not a violation."""
    store = Store()
    store.put(POD_KEY, _pod(False))
    store.put(POD_KEY, _pod(True))
    store.put(POD_KEY, _pod(False))
    store.put(SLICE_KEY, _slice(True))
    assert endpoints_follow_readiness(store) == []


def test_a_history_reads_each_write_once_and_does_not_judge_pods_it_lost() -> None:
    """Bound to a run each write is judged once; pods whose past was compacted away are not
    judged at all."""
    store = Store()
    history = ReadinessHistory()
    store.put(POD_KEY, _pod(False))
    store.put(SLICE_KEY, _slice(True))
    assert len(endpoints_follow_readiness(store, history)) == 1
    assert endpoints_follow_readiness(store, history) == []
    store.put("/registry/pods/default/other", _pod(False))
    store.compact(store.revision)
    store.put(SLICE_KEY, _slice(True))
    fresh = ReadinessHistory()
    assert endpoints_follow_readiness(store, fresh) == []
    assert fresh.restarted


def test_slices_of_a_service_publishing_not_ready_addresses_are_not_judged() -> None:
    """publishNotReadyAddresses: every pod is listed as ready, as the user asked."""
    service = load_manifests(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
        "spec: {selector: {app: web}, ports: [{port: 80}], publishNotReadyAddresses: true}\n"
    )[0]
    store = Store()
    store.put("/registry/services/specs/default/web", service)
    store.put(POD_KEY, _pod(False))
    store.put(SLICE_KEY, _slice(True))
    assert endpoints_follow_readiness(store) == []
