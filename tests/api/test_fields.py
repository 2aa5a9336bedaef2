"""Field selectors: parsing, escaping, matching, exact values and the fields each kind supports,
following Kubernetes' fields/selector.go and core/v1 field label conversions."""

from __future__ import annotations

import pytest

from k8s_actors.api.fields import (
    FieldRequirement,
    FieldSelector,
    FieldSelectorError,
    check_supported,
    escape_value,
    supported_fields,
    unescape_value,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        ("", ""),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x==a", "x=a"),
        ("z=c,x=a", "x=a,z=c"),
        ("x=", "x="),
        ("x=a,", "x=a"),
        ("x=a\\,b", "x=a\\,b"),
        ("x=a\\=b", "x=a\\=b"),
        ("x=a\\\\b", "x=a\\\\b"),
        ("metadata.name=x,spec.nodeName!=y", "metadata.name=x,spec.nodeName!=y"),
    ],
)
def test_parse_and_print(text: str, canonical: str) -> None:
    assert str(FieldSelector.parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "invalid selector: 'x'; can't understand 'x'"),
        ("x=a,y", "invalid selector: 'x=a,y'; can't understand 'y'"),
        ("x=a=b", "invalid field selector: unescaped character in value: 61"),
        ("x=a\\", "invalid field selector: invalid escape sequence: \\"),
        ("x=a\\q", "invalid field selector: invalid escape sequence: \\q"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(FieldSelectorError) as caught:
        FieldSelector.parse(text)
    assert str(caught.value) == message


def test_double_equals_and_not_equals_split_at_the_first_operator() -> None:
    selector = FieldSelector.parse("a==b,c!=d")
    assert selector.requirements == (
        FieldRequirement("a", "=", "b"),
        FieldRequirement("c", "!=", "d"),
    )


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("", ""),
        ("a", "a"),
        ("=", "\\="),
        (",", "\\,"),
        ("\\", "\\\\"),
        ("\\=\\,\\", "\\\\\\=\\\\\\,\\\\"),
    ],
)
def test_escape_round_trip(value: str, escaped: str) -> None:
    assert escape_value(value) == escaped
    assert unescape_value(escaped) == value


def test_escaped_comma_does_not_split_terms() -> None:
    selector = FieldSelector.parse("spec.x=a\\,b,spec.y=c")
    assert selector.exact_value("spec.x") == "a,b"
    assert selector.exact_value("spec.y") == "c"


@pytest.mark.parametrize(
    ("text", "fields", "match"),
    [
        ("", {"x": "y"}, True),
        ("x=y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("x=", {}, True),
        ("x!=", {}, False),
        ("x!=y", {}, True),
        ("spec.nodeName=n1", {"spec.nodeName": "n1", "metadata.name": "p"}, True),
    ],
)
def test_matching_reads_missing_fields_as_empty(
    text: str, fields: dict[str, str], match: bool
) -> None:
    assert FieldSelector.parse(text).matches(fields) is match


def test_exact_value_only_for_equality_terms() -> None:
    selector = FieldSelector.parse("spec.nodeName=n1,status.phase!=Failed")
    assert selector.exact_value("spec.nodeName") == "n1"
    assert selector.exact_value("status.phase") is None
    assert selector.exact_value("metadata.name") is None
    assert FieldSelector.everything().exact_value("x") is None


def test_everything_and_from_set() -> None:
    assert FieldSelector.everything().empty
    assert FieldSelector.parse("").empty
    assert not FieldSelector.parse("a=b").empty
    selector = FieldSelector.from_set({"b": "2", "a": "1"})
    assert str(selector) == "a=1,b=2"
    assert selector == FieldSelector.parse("b=2,a=1")
    assert hash(selector) == hash(FieldSelector.parse("a=1,b=2"))


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("Pod", "spec.nodeName"),
        ("Pod", "spec.restartPolicy"),
        ("Pod", "spec.schedulerName"),
        ("Pod", "spec.serviceAccountName"),
        ("Pod", "spec.hostNetwork"),
        ("Pod", "status.phase"),
        ("Pod", "status.podIP"),
        ("Pod", "status.nominatedNodeName"),
        ("Pod", "metadata.namespace"),
        ("Node", "spec.unschedulable"),
        ("Node", "metadata.name"),
        ("Event", "involvedObject.uid"),
        ("Event", "reason"),
        ("Event", "type"),
        ("Event", "source"),
        ("Event", "reportingComponent"),
        ("Secret", "type"),
        ("Namespace", "status.phase"),
        ("ReplicaSet", "status.replicas"),
        ("Service", "spec.clusterIP"),
        ("Deployment", "metadata.name"),
        ("ConfigMap", "metadata.namespace"),
    ],
)
def test_supported_fields_pass(kind: str, field: str) -> None:
    selector = FieldSelector.parse(f"{field}=v")
    assert check_supported(kind, selector) == selector
    assert field in supported_fields(kind)


@pytest.mark.parametrize(
    ("kind", "field", "message"),
    [
        ("Pod", "spec.containers", "field label not supported: spec.containers"),
        ("Node", "metadata.namespace", "field label not supported: metadata.namespace"),
        ("Secret", "data", "field label not supported: data"),
        (
            "Deployment",
            "spec.replicas",
            '"spec.replicas" is not a known field selector: only "metadata.name", '
            '"metadata.namespace"',
        ),
    ],
)
def test_unsupported_fields_are_rejected(kind: str, field: str, message: str) -> None:
    with pytest.raises(FieldSelectorError) as caught:
        check_supported(kind, FieldSelector.parse(f"metadata.name=a,{field}=v"))
    assert str(caught.value) == message


def test_pod_spec_host_is_an_alias_of_node_name() -> None:
    converted = check_supported("Pod", FieldSelector.parse("spec.host=node-1"))
    assert str(converted) == "spec.nodeName=node-1"
    assert converted.exact_value("spec.nodeName") == "node-1"


def test_selectors_are_immutable() -> None:
    selector = FieldSelector.parse("a=b")
    with pytest.raises(AttributeError):
        selector.requirements = ()
