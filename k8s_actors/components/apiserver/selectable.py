"""The fields a field selector may name, per kind, and their values for one object.

Role: what each registry strategy's `ToSelectableFields` / `GetAttrs` returns in Kubernetes
(pkg/registry/core/pod/strategy.go, node/strategy.go, event/strategy.go, ...). The watch cache and
list use it to filter, and to index pods by `spec.nodeName`.
Neighbours: `watchcache` (filtering), `k8s_actors.api.fields` (parsing selectors).
"""

from __future__ import annotations

from typing import Any


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def selectable_fields(obj: Any) -> dict[str, str]:
    """Field name -> value for every selectable field of `obj`."""
    meta = obj.metadata
    fields = {"metadata.name": meta.name, "metadata.namespace": meta.namespace}
    kind = obj.kind
    if kind == "Pod":
        spec, status = obj.spec, obj.status
        fields["spec.nodeName"] = spec.node_name
        fields["spec.restartPolicy"] = _text(spec.restart_policy)
        fields["spec.schedulerName"] = _text(spec.scheduler_name)
        fields["spec.serviceAccountName"] = _text(spec.service_account_name)
        fields["spec.hostNetwork"] = _text(bool(spec.host_network))
        fields["status.phase"] = _text(status.phase) if status is not None else ""
        fields["status.podIP"] = _text(status.pod_ip) if status is not None else ""
        fields["status.nominatedNodeName"] = (
            _text(status.nominated_node_name) if status is not None else ""
        )
    elif kind == "Node":
        fields["spec.unschedulable"] = _text(bool(obj.spec.unschedulable))
    elif kind == "Namespace":
        fields["status.phase"] = _text(obj.status.phase) if obj.status is not None else ""
    elif kind == "Service":
        fields["spec.clusterIP"] = _text(obj.spec.cluster_ip)
        fields["spec.type"] = _text(obj.spec.type)
    elif kind == "Secret":
        fields["type"] = _text(obj.type)
    elif kind == "ReplicaSet":
        fields["status.replicas"] = _text(obj.status.replicas if obj.status else 0)
    elif kind == "Event":
        involved = obj.involved_object
        for name in ("kind", "namespace", "name", "uid", "api_version", "resource_version"):
            camel = "".join(
                part if i == 0 else part.capitalize() for i, part in enumerate(name.split("_"))
            )
            fields[f"involvedObject.{camel}"] = _text(getattr(involved, name, ""))
        fields["involvedObject.fieldPath"] = _text(getattr(involved, "field_path", ""))
        fields["reason"] = _text(obj.reason)
        fields["reportingComponent"] = _text(obj.reporting_component)
        fields["source"] = _text(obj.source.component if obj.source else "")
        fields["type"] = _text(obj.type)
    return fields


def node_name_of(obj: Any) -> str:
    """The node a pod is bound to ("" for other kinds and unscheduled pods)."""
    if obj is None or obj.kind != "Pod":
        return ""
    return str(obj.spec.node_name or "")
