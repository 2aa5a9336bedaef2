"""parse_command: every verb parses, and every refusal reads as kubectl 1.32 prints it."""

from __future__ import annotations

import pytest

from k8s_actors.components.kubectl import Command, KubectlUsageError, parse_command
from k8s_actors.components.kubectl.flags import go_duration, parse_duration


def refused(text: str) -> str:
    with pytest.raises(KubectlUsageError) as caught:
        parse_command(text)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "verb", "args"),
    [
        (
            "create deployment nginx --image=nginx:1.24 --replicas=3",
            "create deployment",
            ("nginx",),
        ),
        ("create deploy web --image a --image b", "create deployment", ("web",)),
        ("create namespace team", "create namespace", ("team",)),
        ("create ns team", "create namespace", ("team",)),
        ("create configmap cfg --from-literal=a=b", "create configmap", ("cfg",)),
        ("create secret generic s --from-literal=a=b", "create secret generic", ("s",)),
        ("create -f deploy.yaml", "create", ()),
        ("run web --image=nginx", "run", ("web",)),
        ("apply -f app.yaml", "apply", ()),
        ("delete deployment nginx web", "delete", ("deployment", "nginx", "web")),
        ("delete deploy/nginx --cascade=orphan", "delete", ("deploy/nginx",)),
        ("delete pods -l app=web", "delete", ("pods",)),
        ("delete pods --all --wait=false", "delete", ("pods",)),
        ("get pods -o wide -A", "get", ("pods",)),
        ("get deploy nginx -o jsonpath={.spec.replicas}", "get", ("deploy", "nginx")),
        ("get pods --field-selector spec.nodeName=n1", "get", ("pods",)),
        ("scale deployment nginx --replicas=5", "scale", ("deployment", "nginx")),
        ("scale deploy/nginx --replicas 0", "scale", ("deploy/nginx",)),
        (
            "set image deployment/nginx nginx=nginx:1.25",
            "set image",
            ("deployment/nginx", "nginx=nginx:1.25"),
        ),
        ("label pods web tier=front old-", "label", ("pods", "web", "tier=front", "old-")),
        ("annotate pods web note=x --overwrite", "annotate", ("pods", "web", "note=x")),
        ("rollout status deployment/nginx --timeout=90s", "rollout status", ("deployment/nginx",)),
        ("rollout undo deployment/nginx --to-revision=2", "rollout undo", ("deployment/nginx",)),
        ("rollout pause deploy/nginx", "rollout pause", ("deploy/nginx",)),
        ("rollout resume deploy/nginx", "rollout resume", ("deploy/nginx",)),
        ("rollout history deploy/nginx", "rollout history", ("deploy/nginx",)),
        ("rollout restart deploy/nginx", "rollout restart", ("deploy/nginx",)),
        ("wait deploy/nginx --for=condition=Available --timeout=60s", "wait", ("deploy/nginx",)),
        ("wait pod/p --for=delete", "wait", ("pod/p",)),
        ("cordon node-1", "cordon", ("node-1",)),
        ("uncordon node-1", "uncordon", ("node-1",)),
        ("drain node-1 --ignore-daemonsets --delete-emptydir-data --force", "drain", ("node-1",)),
        (
            "expose deployment nginx --port=80 --target-port=8080 --type=NodePort",
            "expose",
            ("deployment", "nginx"),
        ),
        ("exec web -it -- sh -c 'echo hi'", "exec", ("web",)),
        ("-n kube-system get pods", "get", ("pods",)),
    ],
)
def test_every_verb_parses(text: str, verb: str, args: tuple[str, ...]) -> None:
    """Each supported command line parses to its verb path and positional words."""
    command = parse_command(text)
    assert (command.verb, command.args) == (verb, args)


def test_flags_are_typed_and_defaulted() -> None:
    """Integers, durations, lists and booleans get their type; unset flags their default."""
    command = parse_command("rollout status deploy/x --timeout=1m30s")
    assert command.seconds("timeout") == 90.0
    assert command.bool_flag("watch") is True
    created = parse_command("create deployment x --image=a --image=b -r 2")
    assert created.list_flag("image") == ("a", "b")
    assert created.int_flag("replicas") == 2
    assert created.int_flag("port") == -1
    assert parse_command("wait deploy/x --for=delete").seconds("timeout") == 30.0


def test_namespace_flag_in_every_spelling() -> None:
    """-n X, -nX, --namespace=X and --namespace X all set the namespace."""
    for text in (
        "get pods -n team",
        "get pods -nteam",
        "get pods --namespace=team",
        "get pods --namespace team",
    ):
        assert parse_command(text).namespace == "team"
    assert parse_command("get pods").namespace == ""


def test_grouped_shorthands_and_dash_dash() -> None:
    """`-it` sets both booleans; words after `--` are the container's command."""
    command = parse_command("exec web -it -- sh -c 'echo hi'")
    assert command.bool_flag("stdin") and command.bool_flag("tty")
    assert command.after_dash == ("sh", "-c", "echo hi")


def test_cascade_without_value_means_background() -> None:
    """A bare --cascade takes pflag's NoOptDefVal, background."""
    assert parse_command("delete pod p --cascade").text_flag("cascade") == "background"


def test_legacy_run_generator_allows_replicas() -> None:
    """--replicas is accepted only behind --generator=deployment/apps.v1."""
    command = parse_command("run nginx --image=nginx --replicas=3 --generator=deployment/apps.v1")
    assert isinstance(command, Command)
    assert command.int_flag("replicas") == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frob", 'Error: unknown command "frob" for "kubectl"'),
        ("get pods --foo", "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage."),
        (
            "get pods -x",
            "Error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage.",
        ),
        (
            "get pods -n",
            "Error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage.",
        ),
        ("create deployment x", 'error: required flag(s) "image" not set'),
        ("run x", 'error: required flag(s) "image" not set'),
        ("scale deployment x", 'error: required flag(s) "replicas" not set'),
        (
            "run x --image=nginx --replicas=3",
            "Error: unknown flag: --replicas\nSee 'kubectl run --help' for usage.",
        ),
        (
            "create deployment x --image=nginx --replicas=abc",
            'Error: invalid argument "abc" for "-r, --replicas" flag: strconv.ParseInt: parsing '
            "\"abc\": invalid syntax\nSee 'kubectl create deployment --help' for usage.",
        ),
        (
            "rollout status deploy/x --timeout=abc",
            'Error: invalid argument "abc" for "--timeout" flag: time: invalid duration "abc"\n'
            "See 'kubectl rollout status --help' for usage.",
        ),
        (
            "drain n --grace-period=x",
            'Error: invalid argument "x" for "--grace-period" flag: strconv.ParseInt: parsing '
            "\"x\": invalid syntax\nSee 'kubectl drain --help' for usage.",
        ),
        (
            "create configmap",
            "error: exactly one NAME is required, got 0"
            "\nSee 'kubectl create configmap -h' for help and examples",
        ),
        (
            "create namespace",
            "error: exactly one NAME is required, got 0"
            "\nSee 'kubectl create namespace -h' for help and examples",
        ),
        ("create", "error: must specify one of -f and -k"),
        ("apply", "error: must specify one of -f and -k"),
        (
            "create foo x",
            "error: Unexpected args: [foo x]\nSee 'kubectl create -h' for help and examples",
        ),
        (
            "rollout frob x",
            "error: unknown command \"frob x\"\nSee 'kubectl rollout -h' for help and examples",
        ),
        ("rollout status", "error: required resource not specified"),
        ("rollout undo", "error: required resource not specified"),
        ("wait deploy/x", 'error: unrecognized condition: ""'),
        ("wait deploy/x --for=frob", 'error: unrecognized condition: "frob"'),
        (
            "wait deploy/x --for=jsonpath={.status.readyReplicas}=",
            "error: jsonpath wait has to have a value after equal sign, like "
            "--for=jsonpath='{.status.readyReplicas}'=3",
        ),
        ("exec", "error: pod, type/name or --filename must be specified"),
        ("exec web", "error: you must specify at least one command for the container"),
        (
            "cordon",
            "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples",
        ),
        (
            "uncordon",
            "error: USAGE: uncordon NODE [flags]\nSee 'kubectl uncordon -h' for help and examples",
        ),
        ("drain", "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples"),
        (
            "label",
            "error: one or more resources"
            " must be specified as <resource> <name> or <resource>/<name>",
        ),
        ("label pods x", "error: at least one label update is required"),
        ("label pods x a=b c", "error: all resources must be specified before label changes: c"),
        ("annotate pods x", "error: at least one annotation update is required"),
        ("set image deployment/x", "error: at least one image update is required"),
        (
            "delete pods x --cascade=foo",
            'error: invalid cascade value (foo). Must be "background", "foreground", or "orphan"',
        ),
        ("delete pods x y --all", "error: name cannot be provided when a selector is specified"),
        ("delete pods", "error: resource(s) were provided, but no name was specified"),
        (
            "create deployment x --image=n --dry-run=maybe",
            'error: Invalid dry-run value (maybe). Must be "none", "server", or "client".',
        ),
    ],
)
def test_refusals_read_as_kubectl_prints_them(text: str, message: str) -> None:
    """Each bad command line raises KubectlUsageError whose str is kubectl's stderr."""
    assert refused(text) == message


@pytest.mark.parametrize("text", ["delete", "scale --replicas=3", "expose", "set image"])
def test_commands_without_resources_are_refused(text: str) -> None:
    """A verb given no resource prints kubectl's resource-builder message."""
    assert refused(text).startswith(
        "error: You must provide one or more resources by argument or filename.\n"
        "Example resource specifications include:\n"
    )
    assert refused(text).endswith("'<resource>'")


def test_get_without_type_explains_itself() -> None:
    """`get` alone prints kubectl's two-part explanation."""
    assert "error: Required resource not specified." in refused("get")


def test_unbalanced_quotes_are_refused() -> None:
    """The line is split like a shell; an unclosed quote is an error."""
    assert refused("get pods -l 'app=web") == "error: No closing quotation"


def test_go_durations() -> None:
    """Go's duration syntax in, Go's String() out."""
    assert parse_duration("1h2m3.5s") == 3723.5
    assert parse_duration("250ms") == 0.25
    assert parse_duration("0") == 0.0
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("5")
    assert [go_duration(s) for s in (30, 90, 3600)] == ["30s", "1m30s", "1h0m0s"]
