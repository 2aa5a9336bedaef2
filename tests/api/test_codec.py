"""codec: dispatch on apiVersion+kind, round trips, quantities, lists, errors."""

from __future__ import annotations

import msgspec
import pytest

from k8s_actors.api import codec
from k8s_actors.api.objects import ConfigMap, Deployment, List, Pod
from k8s_actors.api.quantity import Quantity
from k8s_actors.api.registry import REGISTRY, UnknownKindError

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "default"},
    "spec": {
        "containers": [
            {"name": "c", "image": "nginx", "resources": {"limits": {"memory": "1.5Gi"}}}
        ]
    },
}


def test_decode_object_chooses_the_type_from_api_version_and_kind() -> None:
    assert isinstance(codec.decode_object(POD), Pod)
    assert isinstance(
        codec.decode_object({"apiVersion": "apps/v1", "kind": "Deployment"}), Deployment
    )


def test_json_round_trip_is_lossless_and_quantities_are_canonical() -> None:
    pod = codec.decode_object(POD)
    assert isinstance(pod, Pod)
    assert pod.spec.containers[0].resources.limits["memory"] == Quantity.parse("1536Mi")
    data = codec.encode_json(pod)
    assert b'"memory":"1536Mi"' in data
    assert codec.decode_object(data) == pod


def test_list_items_are_decoded_to_their_kinds() -> None:
    lst = codec.decode_object(
        {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap"}]}
    )
    assert isinstance(lst, List)
    assert isinstance(lst.items[0], ConfigMap)


def test_unknown_and_missing_kinds_are_errors() -> None:
    with pytest.raises(UnknownKindError, match='no matches for kind "Widget" in version "v1"'):
        codec.decode_object({"apiVersion": "v1", "kind": "Widget"})
    with pytest.raises(codec.MissingKindError, match="apiVersion not set"):
        codec.decode_object(b'{"kind": "Pod"}')


def test_type_errors_carry_the_field_path() -> None:
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "x"}}
    with pytest.raises(msgspec.ValidationError, match=r"\$\.spec\.replicas"):
        codec.decode_object(bad)


def test_decode_as_reuses_one_decoder_per_type() -> None:
    first = codec.decode_as(b'{"data": {"a": "b"}}', ConfigMap)
    assert first.data == {"a": "b"}
    assert codec.decode_as(b"{}", ConfigMap) == ConfigMap()


def test_registry_resolves_short_names_and_storage_keys() -> None:
    assert REGISTRY.for_name("deploy").kind == "Deployment"
    assert REGISTRY.for_name("deployments.apps").resource == "deployments"
    assert REGISTRY.for_name("po").storage_key("ns", "p") == "/registry/pods/ns/p"
    assert REGISTRY.for_name("no").storage_key("", "n1") == "/registry/minions/n1"
    assert REGISTRY.for_name("svc").storage_key("d", "s") == "/registry/services/specs/d/s"
    assert REGISTRY.for_name("leases").key_prefix() == "/registry/leases/"
    assert REGISTRY.for_kind("apps/v1", "Deployment").qualified_kind == "Deployment.apps"
    assert "scale" in REGISTRY.for_name("rs").subresources
    with pytest.raises(UnknownKindError):
        REGISTRY.for_name("widgets")


def test_api_resources_are_sorted_by_group_then_name() -> None:
    listing = [(i.group, i.resource) for i in REGISTRY.api_resources()]
    assert listing == sorted(listing)
    assert ("", "pods") in listing and ("apps", "deployments") in listing
