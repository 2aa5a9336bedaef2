"""kube-proxy (layer 3): one actor per node, at address "kube-proxy/<node>".

Programs the node's service rules from Services and EndpointSlices and answers `ProxyRoute`
with the endpoint those rules choose: iptables mode (random per-rule probabilities) or IPVS
(round robin or least connection), ClientIP session affinity, internal and external traffic
policies, Ready endpoints with the Serving-and-Terminating fallback. See docs/networking.md.
Modules: `agent` (the actor), `rules` (the table and the choice), `endpoints` (categorisation),
`naming` (chain names), `render` (iptables-save and ipvsadm -Ln), `network` (`PodNetwork`, the
pod network's routes, shared by every node's kube-proxy and filled by the infrastructure).
"""

from k8s_actors.components.kube_proxy.agent import KubeProxy
from k8s_actors.components.kube_proxy.endpoints import (
    DEFAULT_AFFINITY_TIMEOUT,
    Categorized,
    ProxyEndpoint,
    ServicePortInfo,
    categorize,
    service_ports,
)
from k8s_actors.components.kube_proxy.network import PodNetwork
from k8s_actors.components.kube_proxy.render import iptables_probability, iptables_save, ipvsadm
from k8s_actors.components.kube_proxy.rules import (
    IPVS_SCHEDULERS,
    PROXY_MODES,
    Choice,
    ProxyMode,
    RuleTable,
    iptables_pick,
    rule_probabilities,
)

__all__ = [
    "DEFAULT_AFFINITY_TIMEOUT",
    "IPVS_SCHEDULERS",
    "PROXY_MODES",
    "Categorized",
    "Choice",
    "KubeProxy",
    "PodNetwork",
    "ProxyEndpoint",
    "ProxyMode",
    "RuleTable",
    "ServicePortInfo",
    "categorize",
    "iptables_pick",
    "iptables_probability",
    "iptables_save",
    "ipvsadm",
    "rule_probabilities",
    "service_ports",
]
