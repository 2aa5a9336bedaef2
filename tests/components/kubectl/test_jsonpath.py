"""Tests for `k8s_actors.components.kubectl.jsonpath`: lists held as tuples by frozen objects."""

from __future__ import annotations

from k8s_actors.components.kubectl.jsonpath import render


def test_an_index_reaches_into_a_tuple_as_into_a_list() -> None:
    """`{.spec.ports[0].nodePort}` prints the port whether ports is a list or a tuple."""
    document = {"spec": {"ports": ({"nodePort": 31015}, {"nodePort": 31016})}}
    assert render("{.spec.ports[0].nodePort}", document) == "31015"
    assert render("{.spec.ports[-1].nodePort}", document) == "31016"


def test_star_and_filters_walk_tuples() -> None:
    """`[*]` and `[?(@.name=="x")]` see every item of a tuple."""
    document = {"ports": ({"name": "a", "port": 1}, {"name": "b", "port": 2})}
    assert render("{.ports[*].port}", document) == "1 2"
    assert render('{.ports[?(@.name=="b")].port}', document) == "2"
