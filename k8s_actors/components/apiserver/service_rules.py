"""The Service validation and update rules kube-apiserver applies around allocation.

Role: the type-dependent checks of ValidateService, and the update rules of
pkg/registry/core/service storage/rest.go (beginUpdate) and strategy.go (PrepareForUpdate):
allocated values carried over, clusterIP and clusterIPs kept in step, fields the new type no
longer uses dropped, and what Kubernetes refuses with 422. Neighbours: `serviceips` (allocation
on create and update), `handlers`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import msgspec

from k8s_actors.api.objects.service import Service, ServiceSpec, ServiceStatus
from k8s_actors.api.validation.errors import FieldError, forbidden, invalid, invalid_status
from k8s_actors.components.apiserver.errors import ApiError

replace = msgspec.structs.replace
HEADLESS = "None"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")
BAD_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def service_invalid(name: str, errors: list[FieldError]) -> ApiError:
    return ApiError(invalid_status("Service", name, errors))


def needs_health_check(spec: ServiceSpec) -> bool:
    """apiservice.NeedsHealthCheck: a LoadBalancer with externalTrafficPolicy Local."""
    return spec.type == "LoadBalancer" and spec.external_traffic_policy == "Local"


def type_errors(spec: ServiceSpec) -> list[FieldError]:
    """The type-dependent checks of ValidateService (pkg/apis/core/validation)."""
    errors: list[FieldError] = []
    if spec.type == "ClusterIP":
        for i, port in enumerate(spec.ports):
            if port.node_port:
                text = "may not be used when `type` is 'ClusterIP'"
                errors.append(forbidden(f"spec.ports[{i}].nodePort", text))
    if spec.type == "ExternalName" and spec.cluster_ips:
        errors.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    if spec.health_check_node_port and not needs_health_check(spec):
        text = (
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
        )
        errors.append(invalid("spec.healthCheckNodePort", spec.health_check_node_port, text))
    for i, ip in enumerate(spec.cluster_ips):
        if ip != HEADLESS and not _is_ip(ip):
            errors.append(invalid(f"spec.clusterIPs[{i}]", ip, BAD_IP))
    return errors


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# -- the update rules (storage/rest.go beginUpdate, strategy.go PrepareForUpdate) -----------------


def prepare_update(new: Any, old: Any, status_only: bool) -> Any:
    """Carry allocated values over, keep clusterIP and clusterIPs in step, drop what the new
    type no longer uses, then refuse what Kubernetes refuses (422)."""
    if status_only or not isinstance(new, Service):
        return new
    spec = _patch_allocated(new.spec, old.spec)
    spec = _normalize_cluster_ips(spec, old.spec)
    spec = _drop_type_dependent(spec, old.spec)
    errors = type_errors(spec) + _update_errors(spec, old.spec)
    if errors:
        raise service_invalid(new.metadata.name, errors)
    status = new.status if spec.type == "LoadBalancer" else ServiceStatus()
    return replace(new, spec=spec, status=status)


def _patch_allocated(spec: ServiceSpec, old: ServiceSpec) -> ServiceSpec:
    """patchAllocatedValues: a client resubmitting its YAML keeps what was allocated for it."""
    changes: dict[str, Any] = {}
    if old.type != "ExternalName" and spec.type != "ExternalName":
        if not spec.cluster_ip:
            changes["cluster_ip"] = old.cluster_ip
        if not spec.cluster_ips and old.cluster_ips:
            changes["cluster_ips"] = old.cluster_ips
    if old.type in NODE_PORT_TYPES and spec.type in NODE_PORT_TYPES:
        used = {p.node_port for p in old.ports} & {p.node_port for p in spec.ports}
        by_name = {p.name: p.node_port for p in old.ports}
        changes["ports"] = tuple(
            replace(p, node_port=by_name.get(p.name, 0))
            if not p.node_port and by_name.get(p.name, 0) not in used
            else p
            for p in spec.ports
        )
    if needs_health_check(old) and needs_health_check(spec) and not spec.health_check_node_port:
        changes["health_check_node_port"] = old.health_check_node_port
    return replace(spec, **changes) if changes else spec


def _normalize_cluster_ips(spec: ServiceSpec, old: ServiceSpec) -> ServiceSpec:
    """normalizeClusterIPs: the singular field written alone moves the plural one with it."""
    if old.cluster_ips and not spec.cluster_ips and old.cluster_ip == spec.cluster_ip:
        spec = replace(spec, cluster_ips=old.cluster_ips)
    if old.cluster_ip != spec.cluster_ip and spec.cluster_ips == old.cluster_ips:
        cleared = bool(old.cluster_ip) and not spec.cluster_ip
        spec = replace(spec, cluster_ips=() if cleared else (spec.cluster_ip,))
    return spec


def _drop_type_dependent(spec: ServiceSpec, old: ServiceSpec) -> ServiceSpec:
    """dropTypeDependentFields: wipe what the new type does not use, if the user left it."""
    changes: dict[str, Any] = {}
    same_ips = spec.cluster_ip == old.cluster_ip and spec.cluster_ips == old.cluster_ips
    if old.type != "ExternalName" and spec.type == "ExternalName":
        if same_ips:
            changes.update(cluster_ip="", cluster_ips=())
        if spec.ip_families == old.ip_families:
            changes["ip_families"] = ()
        if spec.ip_family_policy == old.ip_family_policy:
            changes["ip_family_policy"] = None
    old_ports = {p.node_port for p in old.ports if p.node_port}
    new_ports = {p.node_port for p in spec.ports if p.node_port}
    leaves_node_ports = old.type in NODE_PORT_TYPES and spec.type not in NODE_PORT_TYPES
    if leaves_node_ports and new_ports <= old_ports:
        changes["ports"] = tuple(replace(p, node_port=0) for p in spec.ports)
    same_hc = spec.health_check_node_port == old.health_check_node_port
    if needs_health_check(old) and not needs_health_check(spec) and same_hc:
        changes["health_check_node_port"] = 0
    same_allocate = spec.allocate_load_balancer_node_ports == old.allocate_load_balancer_node_ports
    if old.type == "LoadBalancer" and spec.type != "LoadBalancer" and same_allocate:
        changes["allocate_load_balancer_node_ports"] = None
    same_policy = spec.external_traffic_policy == old.external_traffic_policy
    if leaves_node_ports and same_policy:
        changes["external_traffic_policy"] = ""
    return replace(spec, **changes) if changes else spec


def _update_errors(spec: ServiceSpec, old: ServiceSpec) -> list[FieldError]:
    """validateUpgradeDowngradeClusterIPs (single stack) and the health check port rule."""
    errors: list[FieldError] = []
    both_local = needs_health_check(old) and needs_health_check(spec)
    if both_local and spec.health_check_node_port != old.health_check_node_port:
        text = (
            "cannot change healthCheckNodePort on loadBalancer service with "
            "externalTraffic=Local during update"
        )
        errors.append(invalid("spec.healthCheckNodePort", spec.health_check_node_port, text))
    if "ExternalName" in (spec.type, old.type):
        return errors
    if old.cluster_ips[:1] == (HEADLESS,) and spec.cluster_ips[:1] == (HEADLESS,):
        return errors
    new_ips = list(spec.cluster_ips)
    if old.cluster_ips and not new_ips:
        errors.append(invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset"))
    for i, ip in enumerate(old.cluster_ips[: len(new_ips)]):
        if ip != new_ips[i]:
            errors.append(invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set"))
    return errors
