"""Tests for `k8s_actors.scenario.jsonpath`: the kubectl JSONPath subset expectations read with."""

from __future__ import annotations

from typing import Any

import pytest

from k8s_actors.scenario.jsonpath import JsonPathError, compile_path, evaluate, render

DEPLOYMENT: dict[str, Any] = {
    "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "shop"}},
    "spec": {"paused": True, "replicas": 3},
    "status": {
        "conditions": [
            {"type": "Progressing", "status": "True"},
            {"type": "Available", "status": "False"},
        ]
    },
}


def test_braced_dotted_fields_read_a_value() -> None:
    """`{.metadata.name}` reads the name, as kubectl's jsonpath does."""
    assert evaluate("{.metadata.name}", DEPLOYMENT) == "web"


def test_braces_are_optional() -> None:
    """`.spec.replicas` without braces reads the same value."""
    assert evaluate(".spec.replicas", DEPLOYMENT) == 3


def test_list_indices_count_from_both_ends() -> None:
    """`[0]` is the first item and `[-1]` the last."""
    assert evaluate("{.status.conditions[0].type}", DEPLOYMENT) == "Progressing"
    assert evaluate("{.status.conditions[-1].type}", DEPLOYMENT) == "Available"


def test_quoted_keys_may_contain_dots_and_slashes() -> None:
    """`['app.kubernetes.io/name']` reads a label key that dotted notation cannot."""
    assert evaluate("{.metadata.labels['app.kubernetes.io/name']}", DEPLOYMENT) == "shop"
    assert evaluate('{.metadata.labels["app.kubernetes.io/name"]}', DEPLOYMENT) == "shop"


def test_filter_selects_the_matching_list_item() -> None:
    """`[?(@.type=="Available")]` picks the condition of that type."""
    path = '{.status.conditions[?(@.type=="Available")].status}'
    assert evaluate(path, DEPLOYMENT) == "False"


def test_filter_with_no_match_is_none() -> None:
    """A filter that matches nothing reads None rather than failing."""
    assert evaluate('{.status.conditions[?(@.type=="Ready")].status}', DEPLOYMENT) is None


@pytest.mark.parametrize(
    "path",
    [
        "{.status.missing}",
        "{.status.missing.deeper}",
        "{.status.conditions[5]}",
        "{.metadata.name[0]}",
    ],
)
def test_missing_steps_read_none(path: str) -> None:
    """Absent fields, out-of-range indices and indexing a non-list all read None."""
    assert evaluate(path, DEPLOYMENT) is None


def test_render_prints_as_kubectl_does() -> None:
    """Booleans print lowercase, None prints empty, numbers and strings bare."""
    assert render(True) == "true"
    assert render(False) == "false"
    assert render(None) == ""
    assert render(3) == "3"
    assert render("web") == "web"


def test_compile_splits_the_expression_into_steps() -> None:
    """Each field, index, quoted key and filter becomes one step."""
    steps = compile_path("{.a['b.c'][1][?(@.type==\"X\")]}")
    assert steps == [("field", "a"), ("field", "b.c"), ("index", "1"), ("filter", "type=X")]


@pytest.mark.parametrize("path", ["metadata.name", "{.a b}", "{.a[x]}"])
def test_unsupported_expressions_are_refused(path: str) -> None:
    """Expressions outside the subset raise JsonPathError instead of reading something else."""
    with pytest.raises(JsonPathError):
        compile_path(path)
