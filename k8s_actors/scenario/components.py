"""The components a cluster can start, found by name: some packages arrive later than others.

Role: one place that knows which optional components exist in this installation (the kubectl
actor and its command parser, the controller manager and its default controllers), so the loader
and `Cluster` use them when present and say "not available yet" otherwise. Neighbours: `cluster`,
`step_loader`, `k8s_actors.components`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

KUBECTL_MODULE = "k8s_actors.components.kubectl"
CONTROLLER_MANAGER_MODULE = "k8s_actors.components.controller_manager"
KUBECTL_ADDRESS = "kubectl"


@cache
def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _attribute(module: str, name: str) -> Any:
    found = _module(module)
    return getattr(found, name, None) if found is not None else None


def kubectl_parser() -> Callable[[str], Any] | None:
    """kubectl's pure command-line parser (raises its usage error), or None when absent."""
    parser: Callable[[str], Any] | None = _attribute(KUBECTL_MODULE, "parse_command")
    return parser


def kubectl_usage_error() -> type[Exception]:
    found: type[Exception] | None = _attribute(KUBECTL_MODULE, "KubectlUsageError")
    return found or ValueError


def kubectl_actor() -> Callable[..., Any] | None:
    factory: Callable[..., Any] | None = _attribute(KUBECTL_MODULE, "Kubectl")
    return factory


def controller_manager() -> tuple[Callable[..., Any], list[Any]] | None:
    """The ControllerManager actor class and DEFAULT_CONTROLLERS, or None when absent."""
    factory = _attribute(CONTROLLER_MANAGER_MODULE, "ControllerManager")
    controllers = _attribute(CONTROLLER_MANAGER_MODULE, "DEFAULT_CONTROLLERS")
    if factory is None or controllers is None:
        return None
    return factory, list(controllers)
