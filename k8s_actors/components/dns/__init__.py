"""Cluster DNS (layer 3): the CoreDNS actor at address "coredns", ClusterIP 10.96.0.10.

Answers A queries for Services (`svc.ns.svc.cluster.local`), headless services (their ready
pod IPs), endpoint hostnames and pod names, with the resolver's search list and ndots applied;
NXDOMAIN for anything else. See docs/networking.md. Modules: `server` (the actor), `records`
(the zone and name expansion).
"""

from k8s_actors.components.dns.records import Zone, expand, service_records
from k8s_actors.components.dns.server import CoreDns, kube_dns_service

__all__ = ["CoreDns", "Zone", "expand", "kube_dns_service", "service_records"]
