"""The ingress controller (layer 3): HTTP routing by host and path from outside the cluster.

An ingress-nginx stand-in at address "ingress-controller": Ingresses
(networking.k8s.io/v1) become a routing table; requests from outside are sent to the chosen
Service through a node's kube-proxy. See docs/networking.md. Modules: `controller` (the actor),
`routing` (host and path matching).
"""

from k8s_actors.components.ingress.controller import INGRESS_CONTROLLER, IngressController
from k8s_actors.components.ingress.routing import Route, RoutingTable

__all__ = ["INGRESS_CONTROLLER", "IngressController", "Route", "RoutingTable"]
