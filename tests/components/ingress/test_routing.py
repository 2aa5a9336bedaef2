"""Ingress routing: host precedence, longest path match, Exact before Prefix, default backend."""

from __future__ import annotations

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects.ingress import Ingress
from k8s_actors.components.ingress.routing import RoutingTable, path_matches

SHOP = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /api/v2, pathType: ImplementationSpecific,
         backend: {service: {name: api-v2, port: {number: 80}}}}
      - {path: /api, pathType: Exact, backend: {service: {name: api-root, port: {number: 80}}}}
  - host: "*.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: wild, port: {number: 80}}}}
"""
FALLBACK = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fallback, namespace: default, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  defaultBackend: {service: {name: catch-all, port: {number: 80}}}
"""


def table(*texts: str) -> RoutingTable:
    objects = [obj for text in texts for obj in load_manifests(text)]
    ingresses = [obj for obj in objects if isinstance(obj, Ingress)]
    assert len(ingresses) == len(objects)
    return RoutingTable(ingresses)


def backend(routes: RoutingTable, host: str, path: str) -> str:
    route = routes.match(host, path)
    return route.service if route is not None else "404"


def test_prefix_matches_whole_path_elements_only() -> None:
    assert path_matches("/foo", False, "/foo/bar")
    assert path_matches("/foo/", False, "/foo")
    assert not path_matches("/foo", False, "/foobar")
    assert path_matches("/", False, "/anything")


def test_exact_matches_the_same_string_only() -> None:
    assert path_matches("/foo", True, "/foo")
    assert not path_matches("/foo", True, "/foo/")


def test_the_longest_matching_path_wins() -> None:
    routes = table(SHOP)
    assert backend(routes, "shop.example.com", "/api/users") == "api"
    assert backend(routes, "shop.example.com", "/api/v2/users") == "api-v2"
    assert backend(routes, "shop.example.com", "/about") == "front"


def test_exact_beats_prefix_on_an_equal_path() -> None:
    assert backend(table(SHOP), "shop.example.com", "/api") == "api-root"


def test_an_exact_host_beats_a_wildcard_which_covers_one_label() -> None:
    routes = table(SHOP)
    assert backend(routes, "shop.example.com:80", "/") == "front"
    assert backend(routes, "blog.example.com", "/") == "wild"
    assert backend(routes, "a.b.example.com", "/") == "404"


def test_unmatched_requests_go_to_a_default_backend_or_get_404() -> None:
    assert backend(table(SHOP), "other.test", "/") == "404"
    assert backend(table(SHOP, FALLBACK), "other.test", "/") == "catch-all"
