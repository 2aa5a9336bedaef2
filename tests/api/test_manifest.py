"""Manifest loading: real manifests load defaulted; bad ones report FILE:LINE:COL problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.api.manifest import ManifestError, load_manifest_file, load_manifests
from k8s_actors.api.objects import (
    ConfigMap,
    Deployment,
    Namespace,
    Pod,
    Secret,
    Service,
    ServiceAccount,
)

MANIFESTS = Path(__file__).parent / "manifests"


def test_nginx_manifest_loads_every_document_defaulted() -> None:
    """Empty documents are skipped; each kind arrives with the API server's defaults."""
    deployment, service, config_map, secret = load_manifest_file(MANIFESTS / "nginx.yaml")
    assert isinstance(deployment, Deployment) and deployment.spec.replicas == 3
    container = deployment.spec.template.spec.containers[0]
    assert str(container.resources.limits["memory"]) == "256Mi"
    assert container.readiness_probe is not None and container.readiness_probe.period_seconds == 10
    assert isinstance(service, Service) and service.spec.ports[0].target_port == "http"
    assert isinstance(config_map, ConfigMap) and "nginx.conf" in config_map.data
    assert isinstance(secret, Secret) and secret.type == "Opaque"


def test_pod_with_sidecar_loads() -> None:
    (pod,) = load_manifest_file(MANIFESTS / "sidecar-pod.yaml")
    assert isinstance(pod, Pod)
    sidecar = pod.spec.init_containers[0]
    assert (sidecar.restart_policy, sidecar.image_pull_policy) == ("Always", "Always")
    app = pod.spec.containers[0]
    assert app.image_pull_policy == "IfNotPresent"
    field_ref = app.env[0].value_from
    assert field_ref is not None and field_ref.field_ref is not None
    assert field_ref.field_ref.api_version == "v1"


def test_list_documents_are_flattened() -> None:
    namespace, account = load_manifest_file(MANIFESTS / "list.yaml")
    assert isinstance(namespace, Namespace) and isinstance(account, ServiceAccount)


def test_bad_manifest_reports_every_problem_at_its_line_and_column() -> None:
    path = MANIFESTS / "bad.yaml"
    with pytest.raises(ManifestError) as caught:
        load_manifest_file(path)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{path}:6:3: spec.replicas: Expected `int | null`, got `str`",
        f'{path}:17:5: spec.ports[0].protocoll: unknown field "spec.ports[0].protocoll"',
        f'{path}:22:3: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain '
        "must consist of lower case alphanumeric characters, '-' or '.', and must start and end "
        "with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        f"{path}:29:7: spec.template.metadata.labels: Invalid value: "
        'map[string]string{"app":"other"}: `selector` does not match template `labels`',
        f"{path}:34:9: spec.template.spec.containers[0].image: Required value",
    ]
    assert len(caught.value.problems) == 5


def test_missing_fields_point_at_their_nearest_parent() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n"
    with pytest.raises(ManifestError, match=r"^<string>:6:3: spec.containers: Required value$"):
        load_manifests(text)


def test_unknown_kind_points_at_the_kind_field() -> None:
    text = "apiVersion: v1\nkind: Widget\n"
    with pytest.raises(ManifestError) as caught:
        load_manifests(text, "w.yaml")
    assert str(caught.value) == 'w.yaml:2:1: kind: no matches for kind "Widget" in version "v1"'


def test_list_item_problems_carry_the_item_path() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: Bad\n"
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(text)
    assert str(caught.value).startswith(
        '<string>:7:5: items[0].metadata.name: Invalid value: "Bad"'
    )


def test_yaml_syntax_errors_have_a_position() -> None:
    with pytest.raises(ManifestError, match=r"^<string>:2:\d+: yaml: "):
        load_manifests("kind: Pod\n  bad: [\n")


def test_empty_text_has_no_objects() -> None:
    assert load_manifests("---\n---\n") == []
