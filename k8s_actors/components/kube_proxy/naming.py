"""The chain names kube-proxy writes: KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-SEP- plus a hash.

Role: pkg/proxy/iptables/proxier.go names a service port's chains after the first 16 characters
of the base32 SHA-256 of the ServicePortName ("ns/name" or "ns/name:port") and the protocol, and
an endpoint's chain after the same plus "ip:port". Pure. Neighbours: `rules`, `render`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol


class _Addressed(Protocol):
    @property
    def address(self) -> str: ...


def port_proto_hash(service_port_name: str, protocol: str, extra: str = "") -> str:
    digest = hashlib.sha256(f"{service_port_name}{protocol}{extra}".encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_chain(service_port_name: str, protocol: str, *, local: bool = False) -> str:
    """KUBE-SVC-<hash> (Cluster policy) or KUBE-SVL-<hash> (Local policy)."""
    prefix = "KUBE-SVL-" if local else "KUBE-SVC-"
    return prefix + port_proto_hash(service_port_name, protocol)


def external_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-EXT-" + port_proto_hash(service_port_name, protocol)


def endpoint_chain(service_port_name: str, protocol: str, endpoint: _Addressed) -> str:
    return "KUBE-SEP-" + port_proto_hash(service_port_name, protocol, endpoint.address)
