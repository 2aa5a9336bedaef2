"""The cluster DNS zone: A records from Services and EndpointSlices, and name expansion.

Role: what the CoreDNS `kubernetes` plugin answers, kept as a synchronous table.
- `<svc>.<ns>.svc.cluster.local`: the ClusterIP; for a headless service (clusterIP None) the
  addresses of its ready endpoints (every endpoint with publishNotReadyAddresses), and
  `<hostname>.<svc>.<ns>.svc.cluster.local` for endpoints with a hostname;
- `<a-b-c-d>.<ns>.pod.cluster.local`: the dashed address itself (`pods insecure`);
- ExternalName services and names outside the cluster domain are not answered (no upstream).
`expand` builds the names a pod's resolver tries: with fewer dots than ndots (5 in a pod's
resolv.conf) the search list first, then the name as given; otherwise the name first; a trailing
dot means the name alone. Neighbours: `server` (the actor), `k8s_actors.messages.traffic`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from k8s_actors.api.objects.service import EndpointSlice, Service
from k8s_actors.messages import CLUSTER_DOMAIN, DnsAnswer, DnsQuery

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def expand(name: str, search: tuple[str, ...], ndots: int) -> list[str]:
    """The fully qualified names a stub resolver tries, in order (resolv.conf(5) semantics)."""
    name = name.lower()
    if name.endswith("."):
        return [name.rstrip(".")]
    searched = [f"{name}.{suffix}" for suffix in search]
    if name.count(".") >= ndots:
        return [name, *searched]
    return [*searched, name]


def service_records(
    service: Service, slices: Iterable[EndpointSlice], domain: str = CLUSTER_DOMAIN
) -> dict[str, tuple[str, ...]]:
    """The A records one Service contributes (an empty tuple: the name exists, no address)."""
    meta, spec = service.metadata, service.spec
    fqdn = f"{meta.name}.{meta.namespace}.svc.{domain}"
    if spec.type == "ExternalName":
        return {}
    if spec.cluster_ip and spec.cluster_ip != "None":
        return {fqdn: (spec.cluster_ip,)}
    records: dict[str, tuple[str, ...]] = {}
    addresses: list[str] = []
    for endpoint_slice in sorted(slices, key=lambda s: s.metadata.name):
        for endpoint in endpoint_slice.endpoints:
            usable = endpoint.conditions.ready is not False or spec.publish_not_ready_addresses
            if not usable or not endpoint.addresses:
                continue
            addresses.extend(endpoint.addresses)
            if endpoint.hostname:
                records[f"{endpoint.hostname}.{fqdn}"] = endpoint.addresses
    records[fqdn] = tuple(dict.fromkeys(addresses))
    return records


class Zone:
    """Every record of the cluster domain, by service."""

    def __init__(self, domain: str = CLUSTER_DOMAIN) -> None:
        self.domain = domain
        self._by_service: dict[str, dict[str, tuple[str, ...]]] = {}
        self._records: dict[str, tuple[str, ...]] = {}

    def set_service(self, key: str, records: dict[str, tuple[str, ...]]) -> None:
        for name in self._by_service.pop(key, {}):
            self._records.pop(name, None)
        if records:
            self._by_service[key] = records
            self._records.update(records)

    def lookup(self, fqdn: str) -> tuple[str, ...] | None:
        """The addresses of `fqdn`; None when the name does not exist (NXDOMAIN)."""
        if fqdn in self._records:
            return self._records[fqdn]
        pod_suffix = f".pod.{self.domain}"
        if fqdn.endswith(pod_suffix):
            dashed = fqdn[: -len(pod_suffix)].rsplit(".", 1)[0]
            try:
                return (str(ipaddress.IPv4Address(dashed.replace("-", "."))),)
            except ValueError:
                return None
        return None

    def resolve(self, query: DnsQuery) -> DnsAnswer:
        """Try each expanded name; the first with addresses answers, else NXDOMAIN (or an empty
        NOERROR when some name exists without addresses)."""
        tried: list[str] = []
        exists = ""
        for fqdn in expand(query.name, query.search, query.ndots):
            tried.append(fqdn)
            addresses = self.lookup(fqdn)
            if addresses:
                return DnsAnswer(
                    rcode="NOERROR", addresses=addresses, name=fqdn, tried=tuple(tried)
                )
            if addresses is not None and not exists:
                exists = fqdn
        if exists:
            return DnsAnswer(rcode="NOERROR", name=exists, tried=tuple(tried))
        return DnsAnswer(rcode="NXDOMAIN", tried=tuple(tried))
