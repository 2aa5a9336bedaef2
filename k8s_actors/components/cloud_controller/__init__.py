"""The cloud-controller-manager (layer 3): a simulated cloud's load balancers.

At address "cloud-controller-manager": LoadBalancer Services get an external address from the
scenario's pool, and requests to that address are forwarded to the NodePort of healthy nodes.
See docs/networking.md. Modules: `manager` (the actor), `pool` (addresses), `balancer`
(listeners and health checks).
"""

from k8s_actors.components.cloud_controller.balancer import healthy_nodes, node_port_for
from k8s_actors.components.cloud_controller.manager import (
    CLOUD_CONTROLLER_MANAGER,
    CloudControllerManager,
)
from k8s_actors.components.cloud_controller.pool import DEFAULT_POOL, IPPool, parse_pool

__all__ = [
    "CLOUD_CONTROLLER_MANAGER",
    "DEFAULT_POOL",
    "CloudControllerManager",
    "IPPool",
    "healthy_nodes",
    "node_port_for",
    "parse_pool",
]
