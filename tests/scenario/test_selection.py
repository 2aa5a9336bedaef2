"""Tests for `k8s_actors.scenario.selection`: resource selections and kubectl-wait conditions."""

from __future__ import annotations

from typing import Any

import pytest

from k8s_actors.scenario.selection import (
    SelectionError,
    judge,
    parse_condition,
    parse_selection,
)


def _pod(name: str, ready: str = "True", phase: str = "Running") -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}]},
    }


def test_selection_reads_kubectl_get_flags() -> None:
    """-l, --field-selector= and -n are read as kubectl get reads them."""
    selection = parse_selection("po -l app=web --field-selector=status.phase=Running -n shop")
    assert (selection.resource, selection.name, selection.namespace) == ("pods", "", "shop")
    assert (selection.label_selector, selection.field_selector) == (
        "app=web",
        "status.phase=Running",
    )
    assert selection.key_range() == "/registry/pods/shop/"


def test_named_cluster_scoped_selection_has_no_namespace() -> None:
    """node/n1 is one key under /registry/minions-or-nodes, with no namespace."""
    selection = parse_selection("node/n1")
    assert (selection.name, selection.namespace) == ("n1", "")
    assert selection.key_range().endswith("/n1")


def test_condition_defaults_to_true_and_compares_case_insensitively() -> None:
    """condition=Ready means Ready=True; kubectl compares statuses ignoring case."""
    condition = parse_condition("condition=Ready")
    selection = parse_selection("pod/a")
    assert judge(condition, selection, [_pod("a", ready="true")]) == (True, "true")
    assert judge(parse_condition("condition=Ready=False"), selection, [_pod("a")]) == (
        False,
        "True",
    )


def test_condition_over_a_selection_must_hold_for_every_object() -> None:
    """As kubectl wait -l, one object not ready keeps the condition from holding."""
    selection = parse_selection("pods -l app=web")
    holds, seen = judge(
        parse_condition("condition=Ready"), selection, [_pod("a"), _pod("b", "False")]
    )
    assert (holds, seen) == (False, "a=True, b=False")
    assert judge(parse_condition("condition=Ready"), selection, []) == (
        False,
        "no matching resources found",
    )


@pytest.mark.parametrize(
    ("text", "count", "holds"),
    [
        ("count=2", 2, True),
        ("count==2", 3, False),
        ("count!=2", 3, True),
        ("count<2", 1, True),
        ("count <= 2", 3, False),
        ("count>2", 3, True),
        ("count>=2", 1, False),
    ],
)
def test_count_compares_the_number_of_selected_objects(text: str, count: int, holds: bool) -> None:
    """count OP N for each operator, spaces allowed around the operator."""
    objects = [_pod(f"p{n}") for n in range(count)]
    assert judge(parse_condition(text), parse_selection("pods"), objects) == (
        holds,
        f"count={count}",
    )


def test_delete_holds_once_nothing_is_selected() -> None:
    """for: delete holds when the object is gone, and reports it exists until then."""
    condition, selection = parse_condition("delete"), parse_selection("pod/a")
    assert judge(condition, selection, [_pod("a")]) == (False, "exists")
    assert judge(condition, selection, []) == (True, "not found")


def test_jsonpath_not_equal() -> None:
    """jsonpath={...}!=value holds while the value differs."""
    condition = parse_condition("jsonpath={.status.phase}!=Running")
    assert judge(condition, parse_selection("pod/a"), [_pod("a", phase="Pending")]) == (
        True,
        "Pending",
    )


def test_unknown_kind_is_refused_with_kubectls_message() -> None:
    """An unknown resource type gives the server's message."""
    with pytest.raises(SelectionError, match='doesn\'t have a resource type "gizmo"'):
        parse_selection("gizmo/a")
