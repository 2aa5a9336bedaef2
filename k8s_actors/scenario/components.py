"""The optional components a cluster starts beside etcd and kube-apiserver.

Role: one place that names the kubectl actor and its command parser, and the controller manager
with its default controllers, for the loader (kubectl command lines are checked by kubectl's own
parser) and `Cluster` (which starts them). Neighbours: `cluster`, `step_loader`,
`k8s_actors.components.kubectl`, `k8s_actors.components.controller_manager`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from k8s_actors.components.controller_manager import DEFAULT_CONTROLLERS, ControllerManager
from k8s_actors.components.kubectl import (
    KUBECTL_ADDRESS,
    Kubectl,
    KubectlUsageError,
    parse_command,
)

__all__ = [
    "KUBECTL_ADDRESS",
    "controller_manager",
    "kubectl_actor",
    "kubectl_parser",
    "kubectl_usage_error",
]


def kubectl_parser() -> Callable[[str], Any] | None:
    """kubectl's pure command-line parser (raises its usage error)."""
    return parse_command


def kubectl_usage_error() -> type[Exception]:
    return KubectlUsageError


def kubectl_actor() -> Callable[..., Any] | None:
    return Kubectl


def controller_manager() -> tuple[Callable[..., Any], list[Any]] | None:
    """The ControllerManager actor class and the controllers it runs by default."""
    return ControllerManager, list(DEFAULT_CONTROLLERS)
