"""Tests for the apiserver's three patch formats (k8s_actors.components.apiserver.patch).

RFC 7386 and RFC 6902 appendix examples, cases from strategicpatch's patch_test.go tables,
the directives of strategic merge patch, the built-in kinds' metadata, the content-type dispatch
and properties: empty patches change nothing and no patch mutates its inputs.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from k8s_actors.components.apiserver.patch import (
    STRATEGIES,
    FieldPatchMeta,
    PatchError,
    Schema,
    apply_json_patch,
    apply_merge_patch,
    apply_patch,
    apply_strategic_merge_patch,
)

# --- JSON merge patch: RFC 7386 appendix A -------------------------------------------------

RFC7386_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "expected"), RFC7386_EXAMPLES)
def test_merge_patch_matches_rfc7386_appendix(original: Any, patch: Any, expected: Any) -> None:
    """Every example of RFC 7386 appendix A gives the RFC's result."""
    assert apply_merge_patch(original, patch) == expected


# --- JSON patch: RFC 6902 appendix A -------------------------------------------------------

RFC6902_EXAMPLES: list[tuple[str, Any, list[Any], Any]] = [
    ("A.1", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}],
     {"baz": "qux", "foo": "bar"}),
    ("A.2", {"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}],
     {"foo": ["bar", "qux", "baz"]}),
    ("A.3", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ("A.4", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}],
     {"foo": ["bar", "baz"]}),
    ("A.5", {"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}],
     {"baz": "boo", "foo": "bar"}),
    ("A.6", {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ("A.7", {"foo": ["all", "grass", "cows", "eat"]},
     [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
     {"foo": ["all", "cows", "eat", "grass"]}),
    ("A.8", {"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ("A.10", {"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ("A.11", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
     {"foo": "bar", "baz": "qux"}),
    ("A.14", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}],
     {"/": 9, "~1": 10}),
    ("A.16", {"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
     {"foo": ["bar", ["abc", "def"]]}),
]  # fmt: skip


@pytest.mark.parametrize(("section", "document", "operations", "expected"), RFC6902_EXAMPLES)
def test_json_patch_matches_rfc6902_appendix(
    section: str, document: Any, operations: list[Any], expected: Any
) -> None:
    """Every successful example of RFC 6902 appendix A gives the RFC's result."""
    assert apply_json_patch(document, operations) == expected, section


RFC6902_ERRORS: list[tuple[str, Any, list[Any], str]] = [
    ("A.9", {"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}],
     "testing value /baz failed: test failed"),
    ("A.12", {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}],
     'add operation does not apply: doc is missing path: "/baz/bat": missing value'),
    ("A.15", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}],
     "testing value /~01 failed: test failed"),
]  # fmt: skip


@pytest.mark.parametrize(("section", "document", "operations", "message"), RFC6902_ERRORS)
def test_json_patch_rfc6902_error_examples_fail_with_json_patch_v4_messages(
    section: str, document: Any, operations: list[Any], message: str
) -> None:
    """The failing examples of RFC 6902 appendix A raise 422 with evanphx/json-patch's text."""
    with pytest.raises(PatchError) as caught:
        apply_json_patch(document, operations)
    assert (caught.value.message, caught.value.code) == (message, 422), section


def test_json_patch_a13_duplicate_op_member_is_an_error() -> None:
    """A.13: with a repeated "op" the last one wins (remove), and removing /baz fails."""
    body = b'[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]'
    with pytest.raises(PatchError, match="Unable to remove nonexistent key: baz"):
        apply_patch({"foo": "bar"}, "json", body, "ConfigMap")


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"op": "remove", "path": "/spec/nope"},
         "error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope: "
         "missing value"),
        ({"op": "remove", "path": "/spec/items/5"},
         "error in remove for path: '/spec/items/5': Unable to access invalid index: 5: "
         "invalid index referenced"),
        ({"op": "replace", "path": "/spec/items/9", "value": 1},
         "replace operation does not apply: doc is missing key: /spec/items/9: missing value"),
        ({"op": "replace", "path": "/status/x", "value": 1},
         "replace operation does not apply: doc is missing path: /status/x: missing value"),
        ({"op": "add", "path": "/spec/items/7", "value": 1},
         "error in add for path: '/spec/items/7': Unable to access invalid index: 7: "
         "invalid index referenced"),
        ({"op": "move", "from": "/nope/a", "path": "/b"},
         "move operation does not apply: doc is missing from path: /nope/a: missing value"),
        ({"op": "copy", "from": "/spec/replicas", "path": "/x/y"},
         "copy operation does not apply: doc is missing destination path: /x/y: missing value"),
        ({"op": "test", "path": "/spec/replicas", "value": 2},
         "testing value /spec/replicas failed: test failed"),
        ({"op": "frobnicate", "path": "/a"}, "Unexpected kind: frobnicate"),
        ({"op": "add", "value": 1}, "add operation failed to decode path: missing value"),
    ],
)  # fmt: skip
def test_json_patch_failures_say_what_failed(operation: dict[str, Any], message: str) -> None:
    """Each failing operation raises PatchError with the json-patch.v4 text for its cause."""
    document = {"spec": {"replicas": 3, "items": ["a", "b"]}}
    with pytest.raises(PatchError) as caught:
        apply_json_patch(document, [operation])
    assert caught.value.message == message


def test_json_patch_replace_of_missing_member_sets_it_like_kubernetes() -> None:
    """json-patch.v4, which kube-apiserver uses, lets replace create a missing object member."""
    patched = apply_json_patch({"spec": {}}, [{"op": "replace", "path": "/spec/foo", "value": 1}])
    assert patched == {"spec": {"foo": 1}}


def test_json_patch_negative_index_counts_from_the_end() -> None:
    """json-patch.v4 accepts negative array indices (SupportNegativeIndices defaults to true)."""
    document = {"a": [1, 2, 3]}
    assert apply_json_patch(document, [{"op": "remove", "path": "/a/-1"}]) == {"a": [1, 2]}
    assert apply_json_patch(document, [{"op": "add", "path": "/a/-1", "value": 9}]) == {
        "a": [1, 2, 3, 9]
    }


def test_json_patch_copy_and_root_replace() -> None:
    """copy duplicates a value; replace at the root swaps the whole document."""
    copied = apply_json_patch({"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}])
    assert copied == {"a": {"b": 1}, "c": {"b": 1}}
    assert apply_json_patch({"a": 1}, [{"op": "replace", "path": "", "value": {"z": 0}}]) == {
        "z": 0
    }


def test_json_patch_failure_leaves_the_document_untouched() -> None:
    """Operations are all-or-nothing from the caller's view: a late failure mutates nothing."""
    document = {"a": [1]}
    operations = [{"op": "add", "path": "/a/-", "value": 2}, {"op": "remove", "path": "/zz"}]
    with pytest.raises(PatchError):
        apply_json_patch(document, operations)
    assert document == {"a": [1]}


def test_json_patch_number_equality_ignores_int_float_but_not_bool() -> None:
    """test compares numbers by value, and true is not the number 1."""
    assert apply_json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}]) == {"a": 1}
    with pytest.raises(PatchError):
        apply_json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": True}])


# --- Strategic merge patch: strategicpatch's MergeItem test type ---------------------------


def _merge_item_schema() -> Schema:
    """The MergeItem struct of patch_test.go: a recursive type, built by filling its dict."""
    fields: dict[str, FieldPatchMeta] = {}
    fields.update(
        mergingList=FieldPatchMeta(strategy="merge", merge_key="name", fields=fields),
        nonMergingList=FieldPatchMeta(fields=fields),
        mergingIntList=FieldPatchMeta(strategy="merge"),
        simpleMap=FieldPatchMeta(),
        replacingItem=FieldPatchMeta(strategy="replace"),
    )
    return fields


MERGE_ITEM = _merge_item_schema()

# (description, original, patch, result) from customStrategicMergePatchTestCaseData and the
# three-way current -> result pairs of createStrategicMergePatchTestCaseData (patch_test.go).
KUBE_CASES: list[tuple[str, Any, Any, Any]] = [
    ("unique scalars when merging lists",
     {"mergingIntList": [1, 2]}, {"mergingIntList": [2, 3]}, {"mergingIntList": [1, 2, 3]}),
    ("delete map from nested map",
     {"simpleMap": {"key1": 1, "key2": 1}}, {"simpleMap": {"$patch": "delete"}},
     {"simpleMap": {}}),
    ("delete all items from merging list",
     {"mergingList": [{"name": 1}, {"name": 2}]}, {"mergingList": [{"$patch": "replace"}]},
     {"mergingList": []}),
    ("merge empty merging lists", {"mergingList": []}, {"mergingList": []}, {"mergingList": []}),
    ("delete all keys from map", {"name": 1, "value": 1}, {"$patch": "replace"}, {}),
    ("add key and delete all keys from map",
     {"name": 1, "value": 1}, {"other": "a", "$patch": "replace"}, {"other": "a"}),
    ("delete all duplicate entries in a merging list",
     {"mergingList": [{"name": 1}, {"name": 1}, {"name": 2, "value": "a"}, {"name": 3},
                      {"name": 3}]},
     {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "value": "a"}]}),
    ("nil patch", {"name": 1}, {}, {"name": 1}),
    ("add field to map", {"name": 1, "other": "a"}, {"value": 1},
     {"name": 1, "value": 1, "other": "a"}),
    ("add field and delete field from map", {"name": 1, "other": "a"},
     {"name": None, "value": 1}, {"value": 1, "other": "a"}),
    ("delete field from nested map",
     {"simpleMap": {"key1": 1, "key2": 1, "other": "a"}}, {"simpleMap": {"key2": None}},
     {"simpleMap": {"key1": 1, "other": "a"}}),
    ("replace list of scalars", {"nonMergingIntList": [1, 2]}, {"nonMergingIntList": [2, 3]},
     {"nonMergingIntList": [2, 3]}),
    ("merge lists of scalars", {"mergingIntList": [1, 2, 4]}, {"mergingIntList": [3]},
     {"mergingIntList": [1, 2, 3, 4]}),
    ("merge lists of maps",
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"mergingList": [{"name": 3, "value": 3}, {"name": 4, "value": 4}]},
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"},
                      {"name": 3, "value": 3}, {"name": 4, "value": 4}]}),
    ("add field to map in merging list",
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"mergingList": [{"name": 1, "value": 1}]},
     {"mergingList": [{"name": 1, "value": 1, "other": "a"},
                      {"name": 2, "value": 2, "other": "b"}]}),
    ("delete field from map in merging list",
     {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2}]},
     {"mergingList": [{"name": 1, "value": None}]},
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}]}),
]  # fmt: skip


def _sort_merge_lists(value: Any) -> Any:
    """patch_test.go compares results after sorting merge lists (sortMergeListsByName)."""
    if isinstance(value, dict):
        return {key: _sort_merge_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sort_merge_lists(item) for item in value]
        return sorted(
            items, key=lambda item: str(item.get("name") if isinstance(item, dict) else item)
        )
    return value


@pytest.mark.parametrize(("description", "original", "patch", "expected"), KUBE_CASES)
def test_strategic_merge_patch_matches_kubernetes_tables(
    description: str, original: Any, patch: Any, expected: Any
) -> None:
    """Cases of TestCustomStrategicMergePatch and TestStrategicMergePatch give their results."""
    result = apply_strategic_merge_patch(original, patch, MERGE_ITEM)
    assert _sort_merge_lists(result) == _sort_merge_lists(expected), description


# --- Strategic merge patch on built-in kinds -----------------------------------------------


def _pod() -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "finalizers": ["a", "b"], "labels": {"app": "web"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "nginx:1",
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                },
                {"name": "sidecar", "image": "envoy:1"},
            ],
            "tolerations": [{"key": "k", "operator": "Exists"}],
        },
    }


def _smp(patch: Any, kind: str = "Pod", document: Any = None) -> Any:
    return apply_strategic_merge_patch(document or _pod(), patch, STRATEGIES[kind])


def test_containers_merge_by_name_keeping_unpatched_fields() -> None:
    """A container named in the patch is merged field by field; the others stay as they were."""
    result = _smp({"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}})
    app, sidecar = result["spec"]["containers"]
    assert app["image"] == "nginx:2" and app["env"] == _pod()["spec"]["containers"][0]["env"]
    assert sidecar == {"name": "sidecar", "image": "envoy:1"}


def test_env_merges_by_name_inside_a_container() -> None:
    """env is keyed by name: a changed variable updates in place, a new one is added."""
    patch = {"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "9"}]}]}}
    env = _smp(patch)["spec"]["containers"][0]["env"]
    assert env == [{"name": "A", "value": "1"}, {"name": "B", "value": "9"}]


def test_ports_merge_by_container_port() -> None:
    """Container ports are keyed by containerPort."""
    patch = {
        "spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80, "name": "h"}]}]}
    }
    ports = _smp(patch)["spec"]["containers"][0]["ports"]
    assert ports == [{"containerPort": 80, "protocol": "TCP", "name": "h"}]


def test_new_list_items_come_before_live_ones_without_set_element_order() -> None:
    """mergeSortedSlice puts patch items not in the live list ahead of server-only items."""
    patch = {"spec": {"containers": [{"name": "debug", "image": "busybox"}]}}
    names = [c["name"] for c in _smp(patch)["spec"]["containers"]]
    assert names == ["debug", "app", "sidecar"]


def test_set_element_order_places_items_as_listed() -> None:
    """$setElementOrder/<field> fixes the final order of patch and live items alike."""
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}, {"name": "new"}],
            "containers": [{"name": "new", "image": "x"}],
        }
    }
    result = _smp(patch)["spec"]
    assert [c["name"] for c in result["containers"]] == ["sidecar", "app", "new"]
    assert "$setElementOrder/containers" not in result


def test_set_element_order_contradicting_the_patch_is_rejected() -> None:
    """A patch list out of the $setElementOrder order is refused (validatePatchWithSetOrderList)."""
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{"name": "sidecar", "image": "a"}, {"name": "app", "image": "b"}],
        }
    }
    with pytest.raises(PatchError, match="doesn't match \\$setElementOrder list"):
        _smp(patch)


def test_patch_delete_directive_removes_the_keyed_item() -> None:
    """{name: X, $patch: delete} in a merge list removes the item with that merge key."""
    patch = {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}
    assert [c["name"] for c in _smp(patch)["spec"]["containers"]] == ["app"]


def test_patch_replace_directive_in_a_list_replaces_the_whole_list() -> None:
    """A {$patch: replace} element makes the other patch elements the entire list."""
    patch = {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "i"}]}}
    assert _smp(patch)["spec"]["containers"] == [{"name": "only", "image": "i"}]


def test_patch_replace_directive_on_a_map_replaces_the_map() -> None:
    """$patch: replace on a map drops every key the patch does not give."""
    patch = {"metadata": {"$patch": "replace", "name": "web"}}
    assert _smp(patch)["metadata"] == {"name": "web"}


def test_patch_delete_directive_on_a_map_empties_it() -> None:
    """$patch: delete on a map leaves an empty map, as strategicpatch does."""
    assert _smp({"metadata": {"labels": {"$patch": "delete"}}})["metadata"]["labels"] == {}


def test_patch_merge_directive_is_refused_like_kubernetes() -> None:
    """strategicpatch has no $patch: merge on maps or lists; both are errors."""
    with pytest.raises(PatchError, match="unknown patch type: merge in map"):
        _smp({"metadata": {"labels": {"$patch": "merge"}}})
    with pytest.raises(PatchError, match="merging lists cannot yet be specified"):
        _smp({"spec": {"containers": [{"$patch": "merge"}]}})


def test_primitive_merge_list_is_a_union_without_duplicates() -> None:
    """finalizers (merge strategy, primitives) keep live items and add the new ones once."""
    result = _smp({"metadata": {"finalizers": ["b", "c", "c"]}})
    assert sorted(result["metadata"]["finalizers"]) == ["a", "b", "c"]
    assert len(result["metadata"]["finalizers"]) == 3


def test_primitive_union_keeps_live_order_when_patch_items_are_known() -> None:
    """Items already live keep their live order; only unknown items move ahead."""
    result = _smp({"metadata": {"finalizers": ["a", "b"]}})
    assert result["metadata"]["finalizers"] == ["a", "b"]


def test_delete_from_primitive_list_removes_values() -> None:
    """$deleteFromPrimitiveList/<field> removes the listed values from a merge list."""
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    result = _smp(patch)["metadata"]
    assert result["finalizers"] == ["b"]
    assert not any(key.startswith("$") for key in result)


def test_delete_from_primitive_list_of_absent_field_adds_nothing() -> None:
    """Deleting from a list the object lacks leaves the field absent."""
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    document = {"metadata": {"name": "x"}}
    assert _smp(patch, document=document) == {"metadata": {"name": "x"}}


def test_null_removes_a_map_key() -> None:
    """A null value deletes the key; a null for an absent key is ignored."""
    result = _smp({"metadata": {"labels": {"app": None, "tier": None}}})
    assert result["metadata"]["labels"] == {}


def test_tolerations_are_replaced_whole() -> None:
    """tolerations carry no patch strategy in Kubernetes: the patch list replaces the live one."""
    patch = {"spec": {"tolerations": [{"key": "other", "operator": "Exists"}]}}
    assert _smp(patch)["spec"]["tolerations"] == [{"key": "other", "operator": "Exists"}]


def test_retain_keys_clears_unlisted_fields() -> None:
    """$retainKeys drops live keys it does not list (volumes' retainKeys strategy)."""
    document = {"spec": {"volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/x"}}]}}
    patch = {"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "secret"],
                                   "secret": {"secretName": "s"}}]}}  # fmt: skip
    volume = _smp(patch, document=document)["spec"]["volumes"][0]
    assert volume == {"name": "v", "secret": {"secretName": "s"}}


def test_retain_keys_must_cover_the_patched_keys() -> None:
    """A patched key missing from $retainKeys is a bad request."""
    with pytest.raises(PatchError) as caught:
        _smp({"metadata": {"$retainKeys": ["name"], "labels": {"a": "b"}}})
    assert (caught.value.message, caught.value.code) == ("invalid patch format of retainKeys", 400)


def test_merge_list_item_without_merge_key_is_an_error() -> None:
    """Every item of a merge list of objects needs its merge key."""
    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        _smp({"spec": {"containers": [{"image": "x"}]}})


def test_deployment_template_merges_like_a_pod_spec() -> None:
    """Deployment spec.template.spec uses the Pod spec metadata (containers by name)."""
    document = {"spec": {"replicas": 1, "template": {"spec": _pod()["spec"]}}}
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "n:3"}]}}}}
    result = _smp(patch, kind="Deployment", document=document)
    containers = result["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["n:3", "envoy:1"]


def test_service_ports_merge_by_port() -> None:
    """Service spec.ports are keyed by port."""
    document = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}
    patch = {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}
    ports = _smp(patch, kind="Service", document=document)["spec"]["ports"]
    assert ports == [{"port": 80, "targetPort": 9090}, {"port": 443}]


def test_node_conditions_and_addresses_merge_by_type() -> None:
    """Node status.conditions and status.addresses are keyed by type; taints replace."""
    document = {
        "spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "DiskPressure"}],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
        },
    }
    patch = {
        "spec": {"taints": [{"key": "b", "effect": "NoExecute"}]},
        "status": {"conditions": [{"type": "Ready", "status": "False"}],
                   "addresses": [{"type": "Hostname", "address": "n1"}]},
    }  # fmt: skip
    result = _smp(patch, kind="Node", document=document)
    assert result["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]
    assert result["status"]["conditions"][0] == {"type": "Ready", "status": "False"}
    assert len(result["status"]["conditions"]) == 2
    assert {a["type"] for a in result["status"]["addresses"]} == {"InternalIP", "Hostname"}


def test_owner_references_merge_by_uid() -> None:
    """metadata.ownerReferences are keyed by uid in every kind."""
    document = {"metadata": {"ownerReferences": [{"uid": "1", "name": "rs"}]}}
    patch = {"metadata": {"ownerReferences": [{"uid": "1", "controller": True}]}}
    refs = _smp(patch, kind="ConfigMap", document=document)["metadata"]["ownerReferences"]
    assert refs == [{"uid": "1", "name": "rs", "controller": True}]


# --- Dispatch by content type --------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch_type", "body", "expected_image"),
    [
        ("application/merge-patch+json",
         b'{"spec": {"containers": [{"name": "app", "image": "m"}]}}', "m"),
        ("merge", '{"spec": {"containers": [{"name": "app", "image": "m"}]}}', "m"),
        ("application/json-patch+json",
         b'[{"op": "replace", "path": "/spec/containers/0/image", "value": "j"}]', "j"),
        ("json", [{"op": "replace", "path": "/spec/containers/0/image", "value": "j"}], "j"),
        ("application/strategic-merge-patch+json; charset=utf-8",
         b'{"spec": {"containers": [{"name": "app", "image": "s"}]}}', "s"),
        ("strategic", {"spec": {"containers": [{"name": "app", "image": "s"}]}}, "s"),
    ],
)  # fmt: skip
def test_apply_patch_dispatches_on_content_type_and_kubectl_names(
    patch_type: str, body: Any, expected_image: str
) -> None:
    """Each content type (or kubectl --type name) selects its format; bodies may be bytes/str."""
    result = apply_patch(_pod(), patch_type, body, "Pod")
    assert result["spec"]["containers"][0]["image"] == expected_image


def test_merge_patch_replaces_lists_where_strategic_merges_them() -> None:
    """The same body as a merge patch replaces the containers list wholesale."""
    body = {"spec": {"containers": [{"name": "app", "image": "m"}]}}
    assert len(apply_patch(_pod(), "merge", body, "Pod")["spec"]["containers"]) == 1
    assert len(apply_patch(_pod(), "strategic", body, "Pod")["spec"]["containers"]) == 2


def test_unknown_patch_type_is_415_listing_the_accepted_types() -> None:
    """An unsupported content type answers 415 Unsupported Media Type with the accepted list."""
    with pytest.raises(PatchError) as caught:
        apply_patch({}, "application/apply-patch+yaml", b"{}", "Pod")
    assert caught.value.code == 415
    assert caught.value.message.startswith(
        "the body of the request was in an unknown format - accepted media types include: "
    )
    assert "application/strategic-merge-patch+json" in caught.value.message


def test_undecodable_body_is_a_bad_request() -> None:
    """A body that is not JSON is refused with 400."""
    with pytest.raises(PatchError) as caught:
        apply_patch({}, "merge", b"{not json", "Pod")
    assert caught.value.code == 400


def test_merge_patch_body_must_be_an_object_or_array() -> None:
    """json-patch.v4's MergePatch refuses a scalar or null body: Invalid JSON Patch, 400."""
    with pytest.raises(PatchError) as caught:
        apply_patch({"a": 1}, "merge", b"null", "Pod")
    assert (caught.value.message, caught.value.code) == ("Invalid JSON Patch", 400)


def test_json_patch_body_must_be_an_array() -> None:
    """A JSON patch that is not a list of operations is a bad request."""
    with pytest.raises(PatchError) as caught:
        apply_patch({}, "json", b'{"op": "add"}', "Pod")
    assert caught.value.code == 400


def test_json_patch_operation_limit_is_413() -> None:
    """More than 10000 operations are refused as Request Entity Too Large."""
    operations = [{"op": "test", "path": "/a", "value": 1}] * 10001
    with pytest.raises(PatchError) as caught:
        apply_patch({"a": 1}, "json", msgspec.json.encode(operations), "Pod")
    assert caught.value.code == 413


def test_strategic_patch_of_unlisted_kind_uses_object_meta_only() -> None:
    """Kinds without an entry still merge metadata lists by their keys; other lists replace."""
    document = {"metadata": {"finalizers": ["x"]}, "spec": {"items": [1]}}
    patch = {"metadata": {"finalizers": ["y"]}, "spec": {"items": [2]}}
    result = apply_patch(document, "strategic", patch, "Widget")
    assert sorted(result["metadata"]["finalizers"]) == ["x", "y"]
    assert result["spec"]["items"] == [2]


# --- Properties ----------------------------------------------------------------------------

_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text("abc", max_size=2)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("abc", max_size=2), inner,
                                                                max_size=3),
    max_leaves=12,
)  # fmt: skip
_objects = st.dictionaries(st.text("abcd", max_size=2), _json, max_size=4)


@given(_objects)
def test_empty_merge_patch_is_identity(document: dict[str, Any]) -> None:
    """apply_merge_patch(a, {}) == a for every object a."""
    assert apply_merge_patch(document, {}) == document


@given(_objects, _objects)
def test_merge_patch_never_mutates_and_is_idempotent(
    document: dict[str, Any], patch: dict[str, Any]
) -> None:
    """Merge patch leaves its inputs alone, and applying it twice equals applying it once."""
    before = copy.deepcopy((document, patch))
    once = apply_merge_patch(document, patch)
    assert (document, patch) == before
    assert apply_merge_patch(once, patch) == once


_merge_item_keys = st.sampled_from(
    ["name", "value", "mergingList", "mergingIntList", "nonMergingList", "simpleMap", "$patch",
     "$retainKeys", "$deleteFromPrimitiveList/mergingIntList", "$setElementOrder/mergingList"]
)  # fmt: skip
_merge_items = st.recursive(
    st.dictionaries(_merge_item_keys, _scalars, max_size=3),
    lambda inner: st.dictionaries(
        _merge_item_keys, inner | st.lists(inner | _scalars, max_size=3), max_size=4
    ),
    max_leaves=10,
)


@given(_merge_items, _merge_items)
def test_strategic_patch_never_mutates_its_inputs(
    document: dict[str, Any], patch: dict[str, Any]
) -> None:
    """Strategic merge patch leaves document and patch unchanged, whether it applies or fails."""
    before = copy.deepcopy((document, patch))
    with contextlib.suppress(PatchError):
        apply_strategic_merge_patch(document, patch, MERGE_ITEM)
    assert (document, patch) == before


@given(_objects, st.text("abcd", min_size=1, max_size=2), _json)
def test_json_patch_add_never_mutates_and_sets_the_value(
    document: dict[str, Any], key: str, value: Any
) -> None:
    """An add sets the member in the result and leaves the input document unchanged."""
    before = copy.deepcopy(document)
    result = apply_json_patch(document, [{"op": "add", "path": f"/{key}", "value": value}])
    assert document == before
    assert result[key] == value


@given(_objects)
def test_empty_strategic_patch_is_identity(document: dict[str, Any]) -> None:
    """A strategic merge patch of {} returns the document unchanged."""
    assert apply_strategic_merge_patch(document, {}, STRATEGIES["Pod"]) == document
