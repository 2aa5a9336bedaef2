"""The verb table: each kubectl command this actor knows, its flags and its pre-flight checks.

Role: data for the parser. `VERBS` maps a command path ("get", "create deployment", "rollout
undo") to a `VerbSpec`: its flags (names, shorthands and defaults as kubectl 1.32 declares them),
the flags cobra marks required, and a check run after the flags are read, raising kubectl's usage
errors. `SUBCOMMANDS` lists the words after `create`, `rollout` and `set`. Neighbours:
`commands` (uses the table), `flags`, `command`, `errors`.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.errors import (
    KubectlUsageError,
    flag_unknown,
    get_needs_type,
    must_provide,
    usage,
)
from k8s_actors.components.kubectl.flags import Flag

__all__ = [
    "GLOBAL_FLAGS",
    "LEGACY_GENERATOR",
    "SUBCOMMANDS",
    "VERBS",
    "VerbSpec",
    "split_jsonpath_input",
    "split_updates",
]

LEGACY_GENERATOR = "deployment/apps.v1"
CASCADES = ("background", "foreground", "orphan")
OUTPUTS = ("wide", "yaml", "json", "name")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def _none(command: Command) -> None:
    return None


class VerbSpec(msgspec.Struct, frozen=True):
    flags: tuple[Flag, ...] = ()
    required: tuple[str, ...] = ()
    check: Callable[[Command], None] = _none


GLOBAL_FLAGS = (
    Flag("namespace", short="n"),
    Flag("kubeconfig"),
    Flag("context"),
)
_DRY_RUN = Flag("dry-run", default="none", bare="unchanged")
_OUTPUT = Flag("output", short="o")
_SELECTOR = Flag("selector", short="l")
_ALL = Flag("all", "bool", False)
_ALL_NAMESPACES = Flag("all-namespaces", "bool", False, short="A")
_FILENAME = Flag("filename", "list", (), short="f")
_TIMEOUT_0 = Flag("timeout", "duration", 0.0)


# -- checks ----------------------------------------------------------------------------------


def _check_dry_run(command: Command) -> None:
    value = command.text_flag("dry-run")
    if value == "unchanged":
        value = "client"
    if value not in ("none", "client", "server"):
        raise KubectlUsageError(
            f'error: Invalid dry-run value ({value}). Must be "none", "server", or "client".'
        )


def _one_name(path: str) -> Callable[[Command], None]:
    def check(command: Command) -> None:
        if len(command.args) != 1:
            raise usage(f"exactly one NAME is required, got {len(command.args)}", path)
        _check_dry_run(command)

    return check


def _check_run(command: Command) -> None:
    generator = command.text_flag("generator")
    if command.has("replicas") and generator != LEGACY_GENERATOR:
        raise flag_unknown("replicas", "run")
    if generator not in ("", LEGACY_GENERATOR, "run-pod/v1"):
        raise KubectlUsageError(f'error: generator "{generator}" not found')
    if len(command.args) != 1:
        raise usage("NAME is required for run", "run")
    _check_dry_run(command)


def _check_apply(command: Command) -> None:
    if not command.list_flag("filename"):
        raise KubectlUsageError("error: must specify one of -f and -k")
    if command.args:
        raise usage(f"Unexpected args: [{' '.join(command.args)}]", command.verb)


def _check_selection(command: Command, path: str) -> None:
    """Names and a selector (or --all) exclude each other; something must be chosen."""
    names = [name for _, name in command.targets if name]
    if names and (command.has("selector") or command.bool_flag("all")):
        raise KubectlUsageError("error: name cannot be provided when a selector is specified")


def _check_delete(command: Command) -> None:
    cascade = command.text_flag("cascade")
    if cascade not in (*CASCADES, "true", "false"):
        raise KubectlUsageError(
            f"error: invalid cascade value ({cascade}). "
            'Must be "background", "foreground", or "orphan"'
        )
    if not command.args and not command.list_flag("filename"):
        raise must_provide()
    _check_selection(command, "delete")
    targets = command.targets
    if (
        targets
        and not any(name for _, name in targets)
        and not (command.has("selector") or command.bool_flag("all"))
        and not command.has("field-selector")
    ):
        raise KubectlUsageError("error: resource(s) were provided, but no name was specified")


def _check_get(command: Command) -> None:
    if not command.args:
        raise get_needs_type()
    command.targets  # noqa: B018 - reading the targets checks their form
    output = command.text_flag("output")
    if output and output not in OUTPUTS and not output.startswith("jsonpath="):
        raise KubectlUsageError(
            f'error: unable to match a printer suitable for the output format "{output}", '
            "allowed formats are: json,jsonpath,name,wide,yaml"
        )


def _check_scale(command: Command) -> None:
    if not command.args:
        raise must_provide()
    if command.int_flag("replicas") < 0:
        raise KubectlUsageError(
            "error: The --replicas=COUNT flag is required, and COUNT must be greater than or "
            "equal to 0"
        )
    _needs_names(command)


def _needs_names(command: Command) -> None:
    chosen = command.has("selector") or command.bool_flag("all")
    if not chosen and any(not name for _, name in command.targets):
        raise KubectlUsageError("error: resource(s) were provided, but no name was specified")


def split_updates(command: Command, what: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Resource words, then `key=value` / `key-` updates (label.go's parseLabels order)."""
    resources: list[str] = []
    updates: list[str] = []
    for arg in command.args:
        is_update = "=" in arg or (arg.endswith("-") and what != "image")
        if is_update:
            updates.append(arg)
        elif updates:
            raise KubectlUsageError(
                f"error: all resources must be specified before {what} changes: {arg}"
            )
        else:
            resources.append(arg)
    return tuple(resources), tuple(updates)


def _check_set_image(command: Command) -> None:
    resources, updates = split_updates(command, "image")
    if not resources:
        raise must_provide()
    if not updates:
        raise KubectlUsageError("error: at least one image update is required")
    _check_dry_run(command)


def _metadata_check(what: str) -> Callable[[Command], None]:
    def check(command: Command) -> None:
        resources, updates = split_updates(command, what)
        if not resources:
            raise KubectlUsageError(
                "error: one or more resources must be specified as <resource> <name> or "
                "<resource>/<name>"
            )
        if not updates:
            raise KubectlUsageError(f"error: at least one {what} update is required")
        _check_dry_run(command)

    return check


def _needs_resource(command: Command) -> None:
    if not command.args:
        raise KubectlUsageError("error: required resource not specified")
    command.targets  # noqa: B018


def _check_rollout_status(command: Command) -> None:
    _needs_resource(command)
    if command.int_flag("revision") < 0:
        raise KubectlUsageError(
            f"error: revision must be a positive integer: {command.int_flag('revision')}"
        )


def _check_wait(command: Command) -> None:
    conditions = command.list_flag("for")
    if not conditions:
        raise KubectlUsageError('error: unrecognized condition: ""')
    for condition in conditions:
        _check_condition(condition)
    if not command.args:
        raise must_provide()


def _check_condition(condition: str) -> None:
    lowered = condition.lower()
    if lowered == "delete" or lowered.startswith("condition=") or lowered == "create":
        return
    if condition.startswith("jsonpath="):
        expression = condition[len("jsonpath=") :]
        if not expression:
            raise KubectlUsageError("error: jsonpath expression cannot be empty")
        parts = split_jsonpath_input(expression)
        if len(parts) > 2:
            raise KubectlUsageError(
                "error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 "
                "or --for=jsonpath='{.status.readyReplicas}'"
            )
        if len(parts) == 2 and not parts[1].strip("'\""):
            raise KubectlUsageError(
                "error: jsonpath wait has to have a value after equal sign, like "
                "--for=jsonpath='{.status.readyReplicas}'=3"
            )
        return
    raise KubectlUsageError(f'error: unrecognized condition: "{condition}"')


def split_jsonpath_input(text: str) -> list[str]:
    """Split on single `=`, keeping `==` (splitJSONPathInput in kubectl's wait.go)."""
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "=":
            if index + 1 < len(text) and text[index + 1] == "=":
                current.append("==")
                index += 2
                continue
            parts.append("".join(current))
            current = []
            index += 1
            continue
        current.append(text[index])
        index += 1
    parts.append("".join(current))
    return parts


def _node_check(path: str) -> Callable[[Command], None]:
    def check(command: Command) -> None:
        if len(command.args) != 1 and not command.has("selector"):
            raise usage(f"USAGE: {path} NODE [flags]", path)

    return check


def _check_expose(command: Command) -> None:
    if not command.args:
        raise must_provide()
    kind = command.text_flag("type")
    if kind and kind not in SERVICE_TYPES:
        raise KubectlUsageError(
            f"error: invalid service type: {kind}; must be one of "
            "ClusterIP, NodePort, LoadBalancer, ExternalName"
        )
    _needs_names(command)


def _check_exec(command: Command) -> None:
    if not command.args:
        raise KubectlUsageError("error: pod, type/name or --filename must be specified")
    if not command.after_dash and len(command.args) < 2:
        raise KubectlUsageError("error: you must specify at least one command for the container")


# -- the table -------------------------------------------------------------------------------

VERBS: dict[str, VerbSpec] = {
    "create": VerbSpec((_FILENAME, _DRY_RUN, _OUTPUT), check=_check_apply),
    "create deployment": VerbSpec(
        (
            Flag("image", "list", ()),
            Flag("replicas", "int", 1, short="r"),
            Flag("port", "int", -1),
            _DRY_RUN,
            _OUTPUT,
        ),
        required=("image",),
        check=_one_name("create deployment"),
    ),
    "create namespace": VerbSpec((_DRY_RUN, _OUTPUT), check=_one_name("create namespace")),
    "create configmap": VerbSpec(
        (Flag("from-literal", "list", ()), _DRY_RUN, _OUTPUT),
        check=_one_name("create configmap"),
    ),
    "create secret generic": VerbSpec(
        (Flag("from-literal", "list", ()), Flag("type"), _DRY_RUN, _OUTPUT),
        check=_one_name("create secret generic"),
    ),
    "run": VerbSpec(
        (
            Flag("image"),
            Flag("port"),
            Flag("labels", short="l"),
            Flag("env", "list", ()),
            Flag("restart", default="Always"),
            Flag("command", "bool", False),
            Flag("generator"),
            Flag("replicas", "int", 1, short="r"),
            _DRY_RUN,
            _OUTPUT,
        ),
        required=("image",),
        check=_check_run,
    ),
    "apply": VerbSpec((_FILENAME, _DRY_RUN, _OUTPUT), check=_check_apply),
    "delete": VerbSpec(
        (
            _FILENAME,
            _SELECTOR,
            _ALL,
            _ALL_NAMESPACES,
            Flag("field-selector"),
            Flag("cascade", default="background", bare="background"),
            Flag("grace-period", "int", -1),
            Flag("now", "bool", False),
            Flag("force", "bool", False),
            Flag("wait", "bool", True),
            Flag("ignore-not-found", "bool", False),
            _TIMEOUT_0,
            _OUTPUT,
        ),
        check=_check_delete,
    ),
    "get": VerbSpec(
        (
            _SELECTOR,
            _OUTPUT,
            _ALL_NAMESPACES,
            Flag("field-selector"),
            Flag("show-labels", "bool", False),
            Flag("no-headers", "bool", False),
            Flag("ignore-not-found", "bool", False),
        ),
        check=_check_get,
    ),
    "scale": VerbSpec(
        (
            Flag("replicas", "int", -1),
            Flag("current-replicas", "int", -1),
            _SELECTOR,
            _ALL,
            _TIMEOUT_0,
            _DRY_RUN,
            _OUTPUT,
        ),
        required=("replicas",),
        check=_check_scale,
    ),
    "set image": VerbSpec((_SELECTOR, _ALL, _DRY_RUN, _OUTPUT), check=_check_set_image),
    "label": VerbSpec(
        (Flag("overwrite", "bool", False), _SELECTOR, _ALL, _DRY_RUN, _OUTPUT),
        check=_metadata_check("label"),
    ),
    "annotate": VerbSpec(
        (Flag("overwrite", "bool", False), _SELECTOR, _ALL, _DRY_RUN, _OUTPUT),
        check=_metadata_check("annotation"),
    ),
    "rollout status": VerbSpec(
        (
            Flag("watch", "bool", True, short="w"),
            Flag("timeout", "duration", 0.0),
            Flag("revision", "int", 0),
            _SELECTOR,
        ),
        check=_check_rollout_status,
    ),
    "rollout undo": VerbSpec(
        (Flag("to-revision", "int", 0), _SELECTOR, _DRY_RUN), check=_needs_resource
    ),
    "rollout pause": VerbSpec((_SELECTOR,), check=_needs_resource),
    "rollout resume": VerbSpec((_SELECTOR,), check=_needs_resource),
    "rollout restart": VerbSpec((_SELECTOR,), check=_needs_resource),
    "rollout history": VerbSpec(
        (Flag("revision", "int", 0), _SELECTOR, _OUTPUT), check=_needs_resource
    ),
    "wait": VerbSpec(
        (
            Flag("for", "list", ()),
            Flag("timeout", "duration", 30.0),
            _SELECTOR,
            _ALL,
            _ALL_NAMESPACES,
        ),
        check=_check_wait,
    ),
    "cordon": VerbSpec((_SELECTOR, _DRY_RUN), check=_node_check("cordon")),
    "uncordon": VerbSpec((_SELECTOR, _DRY_RUN), check=_node_check("uncordon")),
    "drain": VerbSpec(
        (
            Flag("ignore-daemonsets", "bool", False),
            Flag("delete-emptydir-data", "bool", False),
            Flag("force", "bool", False),
            Flag("grace-period", "int", -1),
            Flag("timeout", "duration", 0.0),
            Flag("disable-eviction", "bool", False),
            Flag("pod-selector"),
            _SELECTOR,
            _DRY_RUN,
        ),
        check=_node_check("drain"),
    ),
    "expose": VerbSpec(
        (
            Flag("port"),
            Flag("target-port"),
            Flag("type"),
            Flag("name"),
            Flag("protocol"),
            Flag("selector"),
            Flag("labels", short="l"),
            Flag("cluster-ip"),
            _DRY_RUN,
            _OUTPUT,
        ),
        check=_check_expose,
    ),
    "exec": VerbSpec(
        (
            Flag("container", short="c"),
            Flag("stdin", "bool", False, short="i"),
            Flag("tty", "bool", False, short="t"),
            Flag("quiet", "bool", False, short="q"),
        ),
        check=_check_exec,
    ),
}

SUBCOMMANDS: dict[str, dict[str, str]] = {
    "create": {
        "deployment": "create deployment",
        "deploy": "create deployment",
        "namespace": "create namespace",
        "ns": "create namespace",
        "configmap": "create configmap",
        "cm": "create configmap",
    },
    "rollout": {
        name: f"rollout {name}"
        for name in ("history", "pause", "restart", "resume", "status", "undo")
    },
    "set": {"image": "set image"},
}
