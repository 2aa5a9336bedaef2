"""Validation: each rule gives Kubernetes' own message."""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from k8s_actors.api import codec
from k8s_actors.api.defaults import default_object
from k8s_actors.api.objects import ConfigMap, Deployment, Namespace, Pod, Service
from k8s_actors.api.validation import invalid_message, invalid_status, validate_object

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def _container(**extra: Any) -> dict[str, Any]:
    return {"name": "web", "image": "nginx:1.25", **extra}


def _deployment(spec: dict[str, Any] | None = None, name: str = "web") -> Deployment:
    base: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [_container()]},
        },
    }
    return default_object(
        codec.convert({"metadata": {"name": name}, "spec": {**base, **(spec or {})}}, Deployment)
    )


def _pod_errors(spec: dict[str, Any], name: str = "p") -> list[str]:
    pod = default_object(codec.convert({"metadata": {"name": name}, "spec": spec}, Pod))
    return [str(e) for e in validate_object(pod)]


def _errors(obj: object) -> list[str]:
    return [str(e) for e in validate_object(obj)]


def test_a_valid_deployment_has_no_errors() -> None:
    assert _errors(_deployment()) == []


def test_names_must_be_dns_subdomains() -> None:
    assert _errors(_deployment(name="Foo")) == [
        f'metadata.name: Invalid value: "Foo": {SUBDOMAIN_MSG}'
    ]


def test_name_length_is_limited() -> None:
    errors = _errors(_deployment(name="a" * 254))
    assert errors == [
        f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters'
    ]


def test_name_is_required() -> None:
    errors = _errors(default_object(ConfigMap()))
    assert errors == ["metadata.name: Required value: name or generateName is required"]


def test_namespaces_and_container_names_are_dns_labels() -> None:
    namespace = codec.convert({"metadata": {"name": "a.b"}}, Namespace)
    assert _errors(namespace) == [f'metadata.name: Invalid value: "a.b": {LABEL_MSG}']
    errors = _pod_errors({"containers": [_container(name="Web")]})
    assert errors == [f'spec.containers[0].name: Invalid value: "Web": {LABEL_MSG}']


def test_service_names_are_dns_1035_labels() -> None:
    service = default_object(
        codec.convert({"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}}, Service)
    )
    (error,) = _errors(service)
    assert error.startswith('metadata.name: Invalid value: "1web": a DNS-1035 label must consist')


def test_containers_and_image_are_required() -> None:
    assert _pod_errors({"containers": []}) == ["spec.containers: Required value"]
    assert _pod_errors({"containers": [_container(image="")]}) == [
        "spec.containers[0].image: Required value"
    ]


def test_duplicate_container_names_are_rejected() -> None:
    errors = _pod_errors({"containers": [_container(), _container()]})
    assert errors == ['spec.containers[1].name: Duplicate value: "web"']


def test_label_keys_and_values_are_checked() -> None:
    deployment = _deployment()
    bad = codec.convert({"metadata": {"name": "x", "labels": {"app": "a b"}}}, ConfigMap)
    (error,) = _errors(bad)
    assert error.startswith(
        'metadata.labels: Invalid value: "a b": a valid label must be an empty string'
    )
    assert _errors(deployment) == []


def test_selector_must_match_template_labels() -> None:
    errors = _errors(_deployment({"selector": {"matchLabels": {"app": "other"}}}))
    assert errors == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
        "`selector` does not match template `labels`"
    ]


def test_selector_is_required_and_not_empty() -> None:
    deployment = _deployment()
    missing = replace(deployment, spec=replace(deployment.spec, selector=None))
    assert _errors(missing) == ["spec.selector: Required value"]
    empty = _errors(_deployment({"selector": {}}))
    assert empty[0].startswith("spec.selector: Invalid value: v1.LabelSelector{")
    assert empty[0].endswith(": empty selector is invalid for deployment")


def test_replicas_must_not_be_negative() -> None:
    errors = _errors(_deployment({"replicas": -1}))
    assert errors == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]


def test_port_ranges() -> None:
    errors = _pod_errors({"containers": [_container(ports=[{"containerPort": 70000}])]})
    assert errors == [
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
        "must be between 1 and 65535, inclusive"
    ]


def test_restart_policy_is_an_enum_and_always_for_deployments() -> None:
    errors = _pod_errors({"containers": [_container()], "restartPolicy": "Sometimes"})
    assert errors == [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "OnFailure", "Never"'
    ]
    template = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [_container()], "restartPolicy": "Never"},
    }
    assert _errors(_deployment({"template": template})) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'
    ]


def test_probe_bounds() -> None:
    probe = {"exec": {"command": ["true"]}, "periodSeconds": -1, "successThreshold": 2}
    errors = _pod_errors({"containers": [_container(livenessProbe=probe)]})
    assert errors == [
        "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: "
        "must be greater than or equal to 0",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    ]
    no_handler = _pod_errors({"containers": [_container(readinessProbe={})]})
    assert no_handler == [
        "spec.containers[0].readinessProbe: Required value: must specify a handler type"
    ]


def test_requests_must_not_exceed_limits() -> None:
    resources = {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    errors = _pod_errors({"containers": [_container(resources=resources)]})
    assert errors == [
        'spec.containers[0].resources.requests[cpu]: Invalid value: "2": '
        "must be less than or equal to cpu limit of 1"
    ]


def test_volume_mounts_must_name_a_volume() -> None:
    mounts = [{"name": "data", "mountPath": "/data"}]
    errors = _pod_errors({"containers": [_container(volumeMounts=mounts)]})
    assert errors == ['spec.containers[0].volumeMounts[0].name: Not found: "data"']


def test_sidecars_must_restart_always() -> None:
    init = {**_container(name="init"), "restartPolicy": "OnFailure"}
    errors = _pod_errors({"containers": [_container()], "initContainers": [init]})
    assert errors == [
        'spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": '
        'supported values: "Always"'
    ]


def test_max_surge_and_max_unavailable_not_both_zero() -> None:
    strategy = {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}
    errors = _errors(_deployment({"strategy": strategy}))
    assert errors == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: "
        "may not be 0 when `maxSurge` is 0"
    ]


def test_percentages_must_be_well_formed_and_at_most_100() -> None:
    errors = _errors(
        _deployment({"strategy": {"rollingUpdate": {"maxSurge": "ten", "maxUnavailable": "150%"}}})
    )
    assert errors == [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: ten: a valid percent string must "
        "be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
        "validation is '[0-9]+%')",
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: "
        "must not be greater than 100%",
    ]


def test_service_type_and_ports() -> None:
    service = default_object(
        codec.convert(
            {
                "metadata": {"name": "s"},
                "spec": {"type": "Magic", "ports": [{"port": 80}, {"port": 0, "name": "b"}]},
            },
            Service,
        )
    )
    assert _errors(service) == [
        'spec.type: Unsupported value: "Magic": supported values: '
        '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        "spec.ports[0].name: Required value",
        "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]


def test_invalid_message_and_status_follow_the_api_server() -> None:
    errors = validate_object(_deployment({"replicas": -1, "minReadySeconds": -1}))
    message = invalid_message("Deployment.apps", "web", errors)
    assert message == (
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater '
        "than or equal to 0, spec.minReadySeconds: Invalid value: -1: must be greater than or "
        "equal to 0]"
    )
    single = invalid_message("Deployment.apps", "web", errors[:1])
    assert single == (
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )
    status = invalid_status("Deployment.apps", "web", errors, group="apps")
    assert (status.code, status.reason, status.status) == (422, "Invalid", "Failure")
    assert status.details is not None and status.details.kind == "Deployment"
    assert status.details.causes[0].reason == "FieldValueInvalid"
    assert status.details.causes[0].field == "spec.replicas"
