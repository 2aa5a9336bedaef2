"""Owner references are validated as Kubernetes does: complete, and at most one controller."""

from __future__ import annotations

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.api.validation import validate_object


def _owned(*refs: OwnerReference) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name="c", namespace="default", owner_references=refs))


def _ref(name: str, *, controller: bool | None = None, uid: str = "u") -> OwnerReference:
    return OwnerReference(
        api_version="apps/v1", kind="ReplicaSet", name=name, uid=uid + name, controller=controller
    )


def test_two_controller_references_are_refused_with_kubernetes_message() -> None:
    errors = validate_object(_owned(_ref("a", controller=True), _ref("b", controller=True)))
    assert [str(e) for e in errors] == [
        "metadata.ownerReferences: Invalid value: "
        'Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/a and ReplicaSet/b"
    ]


def test_one_controller_among_several_owners_is_fine() -> None:
    assert validate_object(_owned(_ref("a", controller=True), _ref("b"))) == []


def test_an_owner_reference_without_uid_is_invalid() -> None:
    incomplete = OwnerReference(api_version="apps/v1", kind="ReplicaSet", name="a", uid="")
    fields = [e.field for e in validate_object(_owned(incomplete))]
    assert fields == ["metadata.ownerReferences[0].uid"]
