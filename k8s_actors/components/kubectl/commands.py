"""`parse_command`: a kubectl command line, checked as kubectl checks it before any request.

Role: the pure front of the kubectl actor, also used by the scenario loader to refuse a bad
step before a run. The line is split like a shell (shlex), the verb (and sub-verb: `create
deployment`, `rollout status`, `set image`) chosen from the table in `verbs`, the flags read by
`flags`, and the checks kubectl makes before talking to a server applied, each raising
`KubectlUsageError` with kubectl's wording. Nothing here knows the server: a resource type that
does not exist is found later, at discovery. Neighbours: `flags` (pflag), `verbs` (the table),
`command` (the result), `actor` (runs it).

Legacy `kubectl run`: before 1.18, `run NAME --image=I --replicas=N` created a Deployment through
the `deployment/apps.v1` generator (the flow the "what happens when" notes describe). Current
kubectl creates a Pod and knows no `--replicas`; the old behaviour is kept behind an explicit
`--generator=deployment/apps.v1`, and `--replicas` without it is refused as kubectl 1.32 does.
"""

from __future__ import annotations

import shlex

from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.errors import KubectlUsageError, usage
from k8s_actors.components.kubectl.flags import parse_flags
from k8s_actors.components.kubectl.verbs import GLOBAL_FLAGS, SUBCOMMANDS, VERBS, VerbSpec

__all__ = ["parse_command"]

# Global flags that take a value, so that `kubectl -n ns get pods` finds the verb after them.
_VALUED_GLOBALS = ("-n", "--namespace", "--kubeconfig", "--context")
# Flags whose value is a separate word, when looking for the sub-verb among the words.
_VALUED_FLAGS = (*_VALUED_GLOBALS, "-f", "--filename", "-o", "--output", "-l", "--selector")


def parse_command(text: str) -> Command:
    """Parse the words after `kubectl`; raise `KubectlUsageError` as kubectl would."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise KubectlUsageError(f"error: {error}") from None
    if words[:1] == ["kubectl"]:
        words = words[1:]
    verb, rest = _choose_verb(words)
    spec = VERBS[verb]
    parsed = parse_flags(rest, (*GLOBAL_FLAGS, *spec.flags), verb)
    command = Command(
        verb=verb,
        args=parsed.args,
        flags=parsed.values,
        given=parsed.given,
        after_dash=parsed.after_dash,
        text=text,
    )
    _check_required(spec, command)
    spec.check(command)
    return command


def _choose_verb(words: list[str]) -> tuple[str, list[str]]:
    """The verb path and the words after it (global flags may come before the verb)."""
    lead: list[str] = []
    index = 0
    while index < len(words) and words[index].startswith("-"):
        lead.append(words[index])
        if words[index] in _VALUED_GLOBALS and index + 1 < len(words):
            lead.append(words[index + 1])
            index += 1
        index += 1
    if index >= len(words):
        raise KubectlUsageError("error: a command is required, as in `kubectl get pods`")
    verb = words[index]
    rest = lead + words[index + 1 :]
    if verb in SUBCOMMANDS:
        return _choose_subcommand(verb, rest)
    if verb not in VERBS:
        raise KubectlUsageError(f'Error: unknown command "{verb}" for "kubectl"')
    return verb, rest


def _choose_subcommand(verb: str, rest: list[str]) -> tuple[str, list[str]]:
    aliases = SUBCOMMANDS[verb]
    positional = _positional(rest)
    first = positional[0] if positional else -1
    word = rest[first] if first >= 0 else ""
    if verb == "create" and word == "secret":
        second = first + 1
        if second < len(rest) and rest[second] == "generic":
            return "create secret generic", rest[:first] + rest[second + 1 :]
        raise usage("only `create secret generic` is simulated", "create secret")
    if word in aliases:
        return aliases[word], rest[:first] + rest[first + 1 :]
    if verb == "create":
        if first < 0:
            return "create", rest
        words = " ".join(w for w in rest if not w.startswith("-"))
        raise usage(f"Unexpected args: [{words}]", "create")
    if first < 0:
        choices = ", ".join(sorted(set(aliases)))
        raise usage(f"a subcommand is required: one of {choices}", verb)
    raise usage(f'unknown command "{" ".join(rest[first:])}"', verb)


def _positional(words: list[str]) -> list[int]:
    """Indexes of the words that are neither flags nor the values of valued flags."""
    found: list[int] = []
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUED_FLAGS
        else:
            found.append(index)
    return found


def _check_required(spec: VerbSpec, command: Command) -> None:
    missing = [name for name in spec.required if not command.has(name)]
    if missing:
        names = " ".join(f'"{name}"' for name in missing)
        raise KubectlUsageError(f"error: required flag(s) {names} not set")
