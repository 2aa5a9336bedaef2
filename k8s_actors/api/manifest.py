"""Multi-document YAML manifests -> defaulted, validated objects, with precise error positions.

Role: what `kubectl apply -f` does before sending: split documents (skipping empty ones,
flattening `kind: List`), decode each with unknown-field and type checks, apply the API
server's defaults, validate, and report every problem as `FILE:LINE:COL: field.path: message`.
`yaml.compose` keeps the node of every field, so each field path maps to a line and column.
Neighbours: `codec` (decoding), `defaults`, `validation`, the CLI and scenario loader.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import yaml

from k8s_actors.api.codec import MissingKindError, UnknownKindError, decode_object
from k8s_actors.api.defaults import default_object
from k8s_actors.api.objects import KubeObject
from k8s_actors.api.validation import validate_object

Segment = str | int
FieldPath = tuple[Segment, ...]
Positions = dict[FieldPath, tuple[int, int]]

__all__ = ["ManifestError", "ManifestProblem", "load_manifest_file", "load_manifests"]


class ManifestProblem(msgspec.Struct, frozen=True):
    """One problem at a 1-based line and column of a source."""

    source: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ManifestError(ValueError):
    """Every problem found in a manifest; str() gives one line per problem."""

    def __init__(self, problems: list[ManifestProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _index_positions(node: yaml.Node, path: FieldPath, positions: Positions) -> None:
    """Record where each field starts: a mapping key's position, a sequence item's start."""
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _index_positions(value_node, child, positions)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_positions(item, (*path, i), positions)


_SEGMENT_RE = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\[([^\]]*)\]")


def parse_field_path(text: str) -> FieldPath:
    """`$.spec.containers[0].name` or `spec.resources.requests[cpu]` as a tuple of segments."""
    text = text.removeprefix("$")
    if text and text[0] not in ".[":
        text = "." + text
    segments: list[Segment] = []
    for match in _SEGMENT_RE.finditer(text):
        name, index, quoted, key = match.groups()
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(name if name is not None else quoted if quoted is not None else key)
    return tuple(segments)


def render_field_path(path: FieldPath) -> str:
    out = ""
    for segment in path:
        out += f"[{segment}]" if isinstance(segment, int) else f".{segment}"
    return out.lstrip(".")


class _Document:
    """One YAML document: its data, the position of each field, where it lives in the file."""

    def __init__(self, source: str, node: yaml.Node, data: Any) -> None:
        self.source = source
        self.data = data
        self.positions: Positions = {}
        _index_positions(node, (), self.positions)

    def problem(self, path: FieldPath, message: str) -> ManifestProblem:
        """A problem at the field, or at its nearest ancestor present in the YAML."""
        probe = path
        while probe not in self.positions:
            probe = probe[:-1]
        line, column = self.positions[probe]
        return ManifestProblem(self.source, line, column, render_field_path(path), message)


_AT_RE = re.compile(r"^(?P<msg>.*) - at `(?P<path>[^`]*)`$", re.S)
_UNKNOWN_RE = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")


def _decode_problem(
    doc: _Document, prefix: FieldPath, error: msgspec.ValidationError
) -> ManifestProblem:
    """msgspec's `<message> - at `$.a.b`` as a problem at that field."""
    match = _AT_RE.match(str(error))
    message, path = (match["msg"], parse_field_path(match["path"])) if match else (str(error), ())
    unknown = _UNKNOWN_RE.match(message)
    if unknown:
        path = (*path, unknown["name"])
        message = f'unknown field "{render_field_path((*prefix, *path))}"'
    return doc.problem((*prefix, *path), message)


def _object_from(doc: _Document, data: Any, prefix: FieldPath) -> tuple[Any, list[ManifestProblem]]:
    if not isinstance(data, dict):
        return None, [doc.problem(prefix, "a manifest document must be a mapping")]
    try:
        obj = default_object(decode_object(data))
    except MissingKindError as error:
        return None, [doc.problem(prefix, f"error validating data: {error}")]
    except UnknownKindError as error:
        return None, [doc.problem((*prefix, "kind"), str(error))]
    except msgspec.ValidationError as error:
        return None, [_decode_problem(doc, prefix, error)]
    errors = validate_object(obj)
    problems = [doc.problem((*prefix, *parse_field_path(e.field)), e.body()) for e in errors]
    return obj, problems


def _objects_of(doc: _Document) -> tuple[list[KubeObject], list[ManifestProblem]]:
    data = doc.data
    if isinstance(data, dict) and data.get("kind") == "List" and data.get("apiVersion") == "v1":
        items = data.get("items") or []
        entries: list[tuple[Any, FieldPath]] = [
            (item, ("items", i)) for i, item in enumerate(items)
        ]
    else:
        entries = [(data, ())]
    objects: list[KubeObject] = []
    problems: list[ManifestProblem] = []
    for item, prefix in entries:
        obj, found = _object_from(doc, item, prefix)
        problems += found
        if obj is not None:
            objects.append(obj)
    return objects, problems


def _documents(text: str, source: str) -> list[_Document]:
    documents = []
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if node is None:
                continue
            loader = yaml.SafeLoader("")
            data = loader.construct_document(node)
            if data is not None:
                documents.append(_Document(source, node, data))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = ManifestProblem(source, line, column, "", f"yaml: {error.problem}")
        raise ManifestError([problem]) from None
    return documents


def load_manifests(text: str, source: str = "<string>") -> list[KubeObject]:
    """Every object of a multi-document YAML text, defaulted and validated.

    Raises ManifestError listing every problem of every document.
    """
    objects: list[KubeObject] = []
    problems: list[ManifestProblem] = []
    for document in _documents(text, source):
        found_objects, found_problems = _objects_of(document)
        objects += found_objects
        problems += found_problems
    if problems:
        raise ManifestError(problems)
    return objects


def load_manifest_file(path: str | Path) -> list[KubeObject]:
    """load_manifests on a file, reported under its path."""
    return load_manifests(Path(path).read_text(encoding="utf-8"), str(path))
