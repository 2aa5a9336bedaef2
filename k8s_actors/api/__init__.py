"""The Kubernetes object model (layer 0): frozen msgspec Structs, quantities, selectors,
defaulting, validation and manifest loading. Pure data, no I/O beyond reading manifest text."""

from k8s_actors.api.codec import convert, decode_object, encode_json, to_builtins
from k8s_actors.api.defaults import default_object
from k8s_actors.api.fields import FieldSelector, FieldSelectorError
from k8s_actors.api.labels import LabelSelector, LabelSelectorRequirement, Selector, SelectorError
from k8s_actors.api.manifest import (
    ManifestError,
    ManifestProblem,
    load_manifest_file,
    load_manifests,
)
from k8s_actors.api.meta import ListMeta, ObjectMeta, OwnerReference
from k8s_actors.api.objects import KubeObject
from k8s_actors.api.quantity import Quantity, QuantityError
from k8s_actors.api.registry import REGISTRY, Registry, ResourceInfo, UnknownKindError
from k8s_actors.api.validation import validate_object
from k8s_actors.api.validation.errors import FieldError, invalid_message, invalid_status

__all__ = [
    "REGISTRY",
    "FieldError",
    "FieldSelector",
    "FieldSelectorError",
    "KubeObject",
    "LabelSelector",
    "LabelSelectorRequirement",
    "ListMeta",
    "ManifestError",
    "ManifestProblem",
    "ObjectMeta",
    "OwnerReference",
    "Quantity",
    "QuantityError",
    "Registry",
    "ResourceInfo",
    "Selector",
    "SelectorError",
    "UnknownKindError",
    "convert",
    "decode_object",
    "default_object",
    "encode_json",
    "invalid_message",
    "invalid_status",
    "load_manifest_file",
    "load_manifests",
    "to_builtins",
    "validate_object",
]
