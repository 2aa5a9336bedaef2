"""Cluster DNS records: services, headless services, search paths with ndots, NXDOMAIN."""

from __future__ import annotations

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.service import (
    Endpoint,
    EndpointConditions,
    EndpointSlice,
    Service,
    ServiceSpec,
)
from k8s_actors.components.dns import Zone, expand, kube_dns_service, service_records
from k8s_actors.messages import DnsQuery, pod_search_path

SEARCH = pod_search_path("default")


def service(name: str, cluster_ip: str, namespace: str = "default") -> Service:
    return Service(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=ServiceSpec(cluster_ip=cluster_ip),
    )


def headless_slice(*endpoints: tuple[str, bool, str]) -> EndpointSlice:
    return EndpointSlice(
        metadata=ObjectMeta(
            name="db-x", namespace="default", labels={"kubernetes.io/service-name": "db"}
        ),
        address_type="IPv4",
        endpoints=tuple(
            Endpoint(addresses=(ip,), conditions=EndpointConditions(ready=ready), hostname=host)
            for ip, ready, host in endpoints
        ),
    )


def zone() -> Zone:
    zone = Zone()
    zone.set_service("default/web", service_records(service("web", "10.96.0.12"), []))
    zone.set_service("prod/api", service_records(service("api", "10.96.0.20", "prod"), []))
    db = service("db", "None")
    slices = [headless_slice(("10.244.1.5", True, "db-0"), ("10.244.2.6", False, "db-1"))]
    zone.set_service("default/db", service_records(db, slices))
    return zone


def resolve(name: str, search: tuple[str, ...] = SEARCH) -> tuple[str, tuple[str, ...], str]:
    answer = zone().resolve(DnsQuery(name=name, search=search))
    return answer.rcode, answer.addresses, answer.name


def test_search_list_is_the_pods_namespace_first() -> None:
    """A ClusterFirst pod in `default` searches default.svc, svc, then the cluster domain."""
    assert SEARCH == ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")


def test_short_names_try_the_search_list_before_the_name_itself() -> None:
    """Fewer dots than ndots (5): every search suffix first, the bare name last."""
    assert expand("web", SEARCH, 5) == [
        "web.default.svc.cluster.local",
        "web.svc.cluster.local",
        "web.cluster.local",
        "web",
    ]
    assert expand("a.b.c.d.e.f", SEARCH, 5)[0] == "a.b.c.d.e.f"
    assert expand("web.default.svc.cluster.local.", SEARCH, 5) == ["web.default.svc.cluster.local"]


def test_service_name_resolves_to_its_cluster_ip() -> None:
    """`web` from default, `web.default`, and the full name all give the ClusterIP."""
    for name in ("web", "web.default", "web.default.svc", "web.default.svc.cluster.local"):
        assert resolve(name) == ("NOERROR", ("10.96.0.12",), "web.default.svc.cluster.local")


def test_other_namespaces_need_the_namespace_in_the_name() -> None:
    """`api` lives in prod: a default pod gets NXDOMAIN for `api`, an answer for `api.prod`."""
    assert resolve("api")[0] == "NXDOMAIN"
    assert resolve("api.prod")[1] == ("10.96.0.20",)
    assert resolve("api", pod_search_path("prod"))[1] == ("10.96.0.20",)


def test_headless_service_answers_its_ready_pod_ips() -> None:
    """clusterIP None: the ready endpoints' addresses, and hostname records per endpoint."""
    assert resolve("db")[1] == ("10.244.1.5",)
    assert resolve("db-0.db")[1] == ("10.244.1.5",)


def test_pod_names_resolve_to_their_dashed_address() -> None:
    """10-244-1-5.default.pod.cluster.local answers 10.244.1.5."""
    assert resolve("10-244-1-5.default.pod")[1] == ("10.244.1.5",)


def test_unknown_names_are_nxdomain_after_every_candidate() -> None:
    """NXDOMAIN lists the four names tried."""
    answer = zone().resolve(DnsQuery(name="nope", search=SEARCH))
    assert answer.rcode == "NXDOMAIN" and answer.addresses == () and len(answer.tried) == 4


def test_deleted_service_records_disappear() -> None:
    """Setting a service's records to nothing removes its name."""
    z = zone()
    z.set_service("default/web", {})
    assert z.resolve(DnsQuery(name="web", search=SEARCH)).rcode == "NXDOMAIN"


def test_kube_dns_service_is_at_the_cluster_dns_ip() -> None:
    """kube-system/kube-dns: 10.96.0.10, ports dns 53/UDP, dns-tcp 53/TCP, metrics 9153."""
    svc = kube_dns_service()
    assert (svc.metadata.namespace, svc.spec.cluster_ip) == ("kube-system", "10.96.0.10")
    assert [(p.name, p.port, p.protocol) for p in svc.spec.ports] == [
        ("dns", 53, "UDP"),
        ("dns-tcp", 53, "TCP"),
        ("metrics", 9153, "TCP"),
    ]
