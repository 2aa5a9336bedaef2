"""The networking.k8s.io/v1 Ingress kind: registry entry, decoding and validation."""

from __future__ import annotations

import pytest

from k8s_actors.api.manifest import ManifestError, load_manifests
from k8s_actors.api.objects.ingress import Ingress
from k8s_actors.api.registry import REGISTRY

GOOD = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: fallback, port: {name: http}}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
"""


def test_ingress_is_registered_under_its_group_and_short_name() -> None:
    info = REGISTRY.for_name("ing")
    assert (info.group, info.version, info.resource, info.kind) == (
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
    )


def test_a_valid_ingress_decodes_with_rules_paths_and_backends() -> None:
    (ingress,) = load_manifests(GOOD)
    assert isinstance(ingress, Ingress)
    http = ingress.spec.rules[0].http
    assert http is not None
    path = http.paths[0]
    service = path.backend.service
    assert service is not None
    assert (path.path, path.path_type, service.port.number) == ("/api", "Prefix", 8080)
    default = ingress.spec.default_backend
    assert default is not None and default.service is not None
    assert default.service.port.name == "http"


def test_path_type_is_required_and_paths_must_be_absolute() -> None:
    text = GOOD.replace("path: /api, pathType: Prefix,", "path: api,")
    with pytest.raises(ManifestError) as raised:
        load_manifests(text)
    message = str(raised.value)
    assert "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified" in (
        message
    )
    assert 'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path' in (
        message
    )


def test_unknown_path_type_lists_the_supported_values() -> None:
    with pytest.raises(ManifestError) as raised:
        load_manifests(GOOD.replace("pathType: Prefix", "pathType: Regex"))
    assert (
        'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'
        in str(raised.value)
    )


def test_an_ingress_needs_rules_or_a_default_backend() -> None:
    with pytest.raises(ManifestError) as raised:
        load_manifests("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n")
    assert "either `defaultBackend` or `rules` must be specified" in str(raised.value)


def test_a_backend_port_needs_a_name_or_a_number() -> None:
    with pytest.raises(ManifestError) as raised:
        load_manifests(GOOD.replace("port: {number: 8080}", "port: {}"))
    assert "backend.service.port: Required value: port name or number is required" in str(
        raised.value
    )
