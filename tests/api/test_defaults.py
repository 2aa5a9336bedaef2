"""Defaulting: each default the API server applies, checked one by one."""

from __future__ import annotations

from typing import Any

from k8s_actors.api import codec
from k8s_actors.api.defaults import default_object, image_pull_policy_for
from k8s_actors.api.objects import Deployment, Namespace, Node, Pod, ReplicaSet, Secret, Service
from k8s_actors.api.objects.service import EndpointSlice
from k8s_actors.api.quantity import Quantity


def _pod(container: dict[str, Any], **spec: Any) -> Pod:
    data = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [container], **spec}}
    pod = default_object(codec.decode_object(data))
    assert isinstance(pod, Pod)
    return pod


def test_pod_spec_defaults() -> None:
    spec = _pod({"name": "c", "image": "nginx"}).spec
    assert spec.restart_policy == "Always"
    assert spec.termination_grace_period_seconds == 30
    assert spec.dns_policy == "ClusterFirst"
    assert spec.scheduler_name == "default-scheduler"
    assert spec.security_context is not None
    assert spec.enable_service_links is True
    assert spec.service_account_name == "default"
    assert spec.priority == 0
    assert spec.preemption_policy == "PreemptLowerPriority"


def test_priority_is_left_to_the_class_when_one_is_named() -> None:
    assert _pod({"name": "c", "image": "x"}, priorityClassName="high").spec.priority is None


def test_container_defaults() -> None:
    container = _pod({"name": "c", "image": "nginx:1.25", "ports": [{"containerPort": 80}]})
    c = container.spec.containers[0]
    assert c.image_pull_policy == "IfNotPresent"
    assert c.termination_message_path == "/dev/termination-log"
    assert c.termination_message_policy == "File"
    assert c.ports[0].protocol == "TCP"


def test_image_pull_policy_depends_on_the_tag() -> None:
    assert image_pull_policy_for("nginx") == "Always"
    assert image_pull_policy_for("nginx:latest") == "Always"
    assert image_pull_policy_for("registry:5000/nginx") == "Always"
    assert image_pull_policy_for("registry:5000/nginx:1.0") == "IfNotPresent"
    assert image_pull_policy_for("nginx@sha256:abc") == "IfNotPresent"


def test_probe_defaults() -> None:
    probe = _pod({"name": "c", "image": "x", "livenessProbe": {"httpGet": {"port": 8080}}})
    p = probe.spec.containers[0].liveness_probe
    assert p is not None and p.http_get is not None
    assert (p.period_seconds, p.timeout_seconds) == (10, 1)
    assert (p.success_threshold, p.failure_threshold, p.initial_delay_seconds) == (1, 3, 0)
    assert (p.http_get.path, p.http_get.scheme) == ("/", "HTTP")


def test_requests_default_to_limits_for_pods_only() -> None:
    pod = _pod(
        {
            "name": "c",
            "image": "x",
            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}},
        }
    )
    requests = pod.spec.containers[0].resources.requests
    assert requests == {"cpu": Quantity.parse("250m"), "memory": Quantity.parse("1Gi")}
    deployment = default_object(
        codec.convert(
            {
                "spec": {
                    "template": {"spec": {"containers": [{"resources": {"limits": {"cpu": "1"}}}]}}
                }
            },
            Deployment,
        )
    )
    assert deployment.spec.template.spec.containers[0].resources.requests == {}


def test_deployment_defaults() -> None:
    spec = default_object(Deployment()).spec
    assert spec.replicas == 1
    assert spec.strategy.type == "RollingUpdate"
    assert spec.strategy.rolling_update is not None
    assert spec.strategy.rolling_update.max_surge == "25%"
    assert spec.strategy.rolling_update.max_unavailable == "25%"
    assert spec.revision_history_limit == 10
    assert spec.progress_deadline_seconds == 600
    assert spec.template.spec.restart_policy == "Always"


def test_recreate_deployments_get_no_rolling_update() -> None:
    deployment = codec.convert({"spec": {"strategy": {"type": "Recreate"}}}, Deployment)
    assert default_object(deployment).spec.strategy.rolling_update is None


def test_replica_set_defaults_to_one_replica() -> None:
    assert default_object(ReplicaSet()).spec.replicas == 1


def test_service_defaults() -> None:
    service = codec.convert({"spec": {"ports": [{"port": 80}]}}, Service)
    spec = default_object(service).spec
    assert (spec.type, spec.session_affinity) == ("ClusterIP", "None")
    assert (spec.ports[0].protocol, spec.ports[0].target_port) == ("TCP", 80)
    assert spec.internal_traffic_policy == "Cluster"
    assert spec.external_traffic_policy == ""
    assert (spec.ip_family_policy, spec.ip_families) == ("SingleStack", ("IPv4",))


def test_node_port_services_default_external_traffic_policy() -> None:
    service = codec.convert({"spec": {"type": "NodePort"}}, Service)
    assert default_object(service).spec.external_traffic_policy == "Cluster"


def test_secret_namespace_node_and_endpoint_slice_defaults() -> None:
    assert default_object(Secret()).type == "Opaque"
    namespace = default_object(codec.convert({"metadata": {"name": "team"}}, Namespace))
    assert namespace.spec.finalizers == ()  # added by the apiserver on create, not a default
    assert namespace.status.phase == "Active"
    assert namespace.metadata.labels == {"kubernetes.io/metadata.name": "team"}
    node = default_object(codec.convert({"status": {"capacity": {"cpu": "4"}}}, Node))
    assert node.status.allocatable == {"cpu": Quantity.parse("4")}
    slice_ = default_object(codec.convert({"ports": [{"port": 80}]}, EndpointSlice))
    assert (slice_.ports[0].protocol, slice_.ports[0].name) == ("TCP", "")


def test_defaulting_is_idempotent() -> None:
    once = default_object(Deployment())
    assert default_object(once) == once
