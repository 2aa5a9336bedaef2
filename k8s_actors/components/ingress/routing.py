"""Which backend an Ingress controller picks for a request: host and path matching.

Role: the routing table built from every Ingress the controller serves, kept synchronous.
Rules follow the Ingress specification (networking.k8s.io/v1, "Path types" and "Hostname
wildcards"): an exact host beats a wildcard ("*.example.com" matches exactly one more label),
a rule without host matches every host; among the paths of the matching host the longest
match wins, Exact before Prefix on equal length. Prefix matching is by path element ("/foo"
matches "/foo" and "/foo/bar", not "/foobar"; a trailing slash is ignored), and
ImplementationSpecific is treated as Prefix. Several Ingresses for one host are merged, the
oldest winning a tie. A request no rule matches goes to a defaultBackend (the oldest Ingress
with one), and without one to the controller's default backend (404).
Neighbours: `controller` (the actor), `k8s_actors.api.objects.ingress`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from k8s_actors.api.objects.ingress import Ingress, IngressBackend


class Route(msgspec.Struct, frozen=True, kw_only=True):
    """A backend chosen for a request: the Service `namespace/service` and its port."""

    namespace: str
    service: str
    port_name: str = ""
    port_number: int = 0
    ingress: str = ""
    rule: str = ""


class _Path(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    path: str
    exact: bool
    order: int
    route: Route


def host_matches(rule_host: str, host: str) -> bool:
    """Exact match, or a wildcard covering exactly one leading label."""
    if not rule_host:
        return True
    if rule_host.startswith("*."):
        first, _, rest = host.partition(".")
        return bool(first) and rest == rule_host[2:]
    return rule_host == host


def path_matches(rule_path: str, exact: bool, path: str) -> bool:
    """Exact: the same string; Prefix: the rule's elements are a leading part of the path's."""
    if exact:
        return rule_path == path
    wanted = [part for part in rule_path.split("/") if part]
    given = [part for part in path.split("/") if part]
    return given[: len(wanted)] == wanted


def _route(ingress: Ingress, backend: IngressBackend, rule: str) -> Route | None:
    service = backend.service
    if service is None:
        return None
    return Route(
        namespace=ingress.metadata.namespace,
        service=service.name,
        port_name=service.port.name,
        port_number=service.port.number,
        ingress=f"{ingress.metadata.namespace}/{ingress.metadata.name}",
        rule=rule,
    )


def _age(ingress: Ingress) -> tuple[str, str, str]:
    meta = ingress.metadata
    return (meta.creation_timestamp or "", meta.namespace, meta.name)


class RoutingTable:
    """Every path of every served Ingress, and the fallback default backend."""

    def __init__(self, ingresses: Iterable[Ingress] = ()) -> None:
        self.paths: list[_Path] = []
        self.default: Route | None = None
        order = 0
        for ingress in sorted(ingresses, key=_age):
            spec = ingress.spec
            if spec.default_backend is not None and self.default is None:
                self.default = _route(ingress, spec.default_backend, "defaultBackend")
            for rule in spec.rules:
                for http_path in rule.http.paths if rule.http is not None else ():
                    exact = http_path.path_type == "Exact"
                    label = f"{rule.host or '*'}{http_path.path} ({http_path.path_type})"
                    route = _route(ingress, http_path.backend, label)
                    if route is None:
                        continue
                    self.paths.append(
                        _Path(
                            host=rule.host,
                            path=http_path.path,
                            exact=exact,
                            order=order,
                            route=route,
                        )
                    )
                    order += 1

    def match(self, host: str, path: str) -> Route | None:
        """The backend for `host` and `path`; None: the controller's default backend (404)."""
        host = host.split(":", 1)[0].lower()
        path = path.split("?", 1)[0] or "/"
        for wanted in self._host_candidates(host):
            candidates = [
                p for p in self.paths if p.host == wanted and path_matches(p.path, p.exact, path)
            ]
            if candidates:
                best = min(
                    candidates, key=lambda p: (-len(p.path.rstrip("/")), not p.exact, p.order)
                )
                return best.route
        return self.default

    def _host_candidates(self, host: str) -> list[str]:
        """The rule hosts that match, most specific first: exact, wildcard, any host."""
        hosts = dict.fromkeys(p.host for p in self.paths)
        exact = [h for h in hosts if h == host]
        wildcard = [h for h in hosts if h.startswith("*.") and host_matches(h, host)]
        anything = [h for h in hosts if not h]
        return [*exact, *wildcard, *anything]
