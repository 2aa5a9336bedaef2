"""`Command`: one parsed kubectl command line, and the reading of its resource arguments.

Role: the value the parser produces and the verbs consume (frozen). `resource_targets` reads
`TYPE NAME...` or `TYPE/NAME...` as kubectl's resource builder does. Neighbours: `commands`
(builds it), `verbs` (checks it), the verb modules (run it).
"""

from __future__ import annotations

import msgspec

from k8s_actors.components.kubectl.errors import usage
from k8s_actors.components.kubectl.flags import FlagValue

__all__ = ["Command", "resource_targets"]


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """One parsed command line: the verb, its positional words and every flag's value."""

    verb: str
    args: tuple[str, ...] = ()
    flags: dict[str, FlagValue] = msgspec.field(default_factory=dict)
    given: tuple[str, ...] = ()
    after_dash: tuple[str, ...] = ()
    text: str = ""

    def text_flag(self, name: str) -> str:
        return str(self.flags.get(name, ""))

    def int_flag(self, name: str) -> int:
        value = self.flags.get(name, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def bool_flag(self, name: str) -> bool:
        return self.flags.get(name) is True

    def list_flag(self, name: str) -> tuple[str, ...]:
        value = self.flags.get(name, ())
        return value if isinstance(value, tuple) else ()

    def seconds(self, name: str) -> float:
        value = self.flags.get(name, 0.0)
        return float(value) if isinstance(value, int | float) else 0.0

    def has(self, name: str) -> bool:
        """Whether the flag was written on the command line (not just defaulted)."""
        return name in self.given

    @property
    def namespace(self) -> str:
        """The -n/--namespace value; "" when not given (the caller's namespace applies)."""
        return self.text_flag("namespace")

    @property
    def targets(self) -> tuple[tuple[str, str], ...]:
        return resource_targets(self.args, self.verb)


def resource_targets(args: tuple[str, ...], path: str) -> tuple[tuple[str, str], ...]:
    """(type, name) pairs of `TYPE NAME...` or `TYPE/NAME...`; name "" for a bare TYPE.

    Follows ResourceTypeOrNameArgs (k8s.io/cli-runtime/pkg/resource/builder.go).
    """
    if not args:
        return ()
    if any("/" in arg for arg in args):
        pairs: list[tuple[str, str]] = []
        for arg in args:
            kind, slash, name = arg.partition("/")
            if not slash:
                raise usage(
                    "there is no need to specify a resource type as a separate argument when "
                    "passing arguments in resource/name form (e.g. 'kubectl get "
                    "resource/<resource_name>' instead of 'kubectl get resource "
                    "resource/<resource_name>'",
                    path,
                )
            if not kind or not name:
                raise usage(
                    "arguments in resource/name form must have a single resource and name", path
                )
            pairs.append((kind, name))
        return tuple(pairs)
    kinds = [kind for kind in args[0].split(",") if kind]
    names = args[1:]
    if not names:
        return tuple((kind, "") for kind in kinds)
    return tuple((kind, name) for kind in kinds for name in names)
