"""Command-line flags as kubectl's flag library (spf13/pflag) reads them.

Role: the pure, table-driven half of the parser. A `Flag` describes one flag (long name,
shorthand, value type, default); `parse_flags` walks the words after the verb the way pflag does
(`--name=value`, `--name value`, `-n value`, `-nvalue`, grouped boolean shorthands, `--` ends the
flags, flags anywhere among the arguments) and raises `KubectlUsageError` with pflag's and
cobra's own wording. Go durations (`30s`, `1m30s`) are read here too. Neighbours: `commands`
(the verb table and the checks that follow), `errors`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import msgspec

from k8s_actors.components.kubectl.errors import KubectlUsageError

FlagKind = Literal["bool", "str", "int", "list", "duration"]
FlagValue = bool | str | int | float | tuple[str, ...]

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


class Flag(msgspec.Struct, frozen=True):
    """One flag: `--name` (and `-short`), its value type and its default."""

    name: str
    kind: FlagKind = "str"
    default: FlagValue = ""
    short: str = ""
    # pflag's NoOptDefVal: the value a bare `--name` takes (`--cascade` means "background").
    bare: str = ""

    @property
    def display(self) -> str:
        """How pflag names the flag in errors: `-r, --replicas` or `--timeout`."""
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"


def parse_duration(text: str) -> float:
    """Seconds of a Go duration such as `90s`, `1m30s` or `0`; ValueError otherwise."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not body or position != len(body):
        raise ValueError(f'time: invalid duration "{text}"')
    return -total if text.startswith("-") else total


def _convert(flag: Flag, raw: str) -> FlagValue:
    """The typed value of `raw`; ValueError with strconv's or time's message."""
    if flag.kind == "int":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ValueError(f'strconv.ParseInt: parsing "{raw}": invalid syntax')
        return int(raw)
    if flag.kind == "bool":
        lowered = raw
        if lowered in ("1", "t", "T", "true", "TRUE", "True"):
            return True
        if lowered in ("0", "f", "F", "false", "FALSE", "False"):
            return False
        raise ValueError(f'strconv.ParseBool: parsing "{raw}": invalid syntax')
    if flag.kind == "duration":
        return parse_duration(raw)
    return raw


class ParsedFlags(msgspec.Struct, frozen=True):
    """What `parse_flags` found: positional words, flag values, and which flags were given."""

    args: tuple[str, ...]
    values: dict[str, FlagValue]
    given: tuple[str, ...]
    after_dash: tuple[str, ...] = ()


def parse_flags(words: Sequence[str], flags: Sequence[Flag], path: str) -> ParsedFlags:
    """Read `words` against `flags`; `path` ("get", "create deployment") names the command."""
    by_name: Mapping[str, Flag] = {flag.name: flag for flag in flags}
    by_short: Mapping[str, Flag] = {flag.short: flag for flag in flags if flag.short}
    values: dict[str, FlagValue] = {flag.name: flag.default for flag in flags}
    given: list[str] = []
    args: list[str] = []
    index = 0

    def fail(message: str) -> KubectlUsageError:
        return KubectlUsageError(f"Error: {message}\nSee 'kubectl {path} --help' for usage.")

    def store(flag: Flag, raw: str) -> None:
        try:
            value = _convert(flag, raw)
        except ValueError as error:
            raise fail(f'invalid argument "{raw}" for "{flag.display}" flag: {error}') from None
        if flag.kind == "list":
            previous = values[flag.name] if flag.name in given else ()
            assert isinstance(previous, tuple)
            value = (*previous, *raw.split(",")) if flag.name != "for" else (*previous, raw)
        values[flag.name] = value
        if flag.name not in given:
            given.append(flag.name)

    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            return ParsedFlags(tuple(args), values, tuple(given), tuple(words[index:]))
        if word.startswith("--") and len(word) > 2:
            name, has_value, raw = word[2:].partition("=")
            flag = by_name.get(name)
            if flag is None:
                raise fail(f"unknown flag: --{name}")
            if has_value:
                store(flag, raw)
            elif flag.kind == "bool":
                store(flag, "true")
            elif flag.bare:
                store(flag, flag.bare)
            elif index < len(words):
                store(flag, words[index])
                index += 1
            else:
                raise fail(f"flag needs an argument: --{name}")
        elif word.startswith("-") and len(word) > 1:
            index = _shorthands(word, words, index, by_short, store, fail)
        else:
            args.append(word)
    return ParsedFlags(tuple(args), values, tuple(given))


def _shorthands(
    word: str,
    words: Sequence[str],
    index: int,
    by_short: Mapping[str, Flag],
    store: Callable[[Flag, str], None],
    fail: Callable[[str], KubectlUsageError],
) -> int:
    """Read one `-abc` word (grouped shorthands); the index of the next unread word."""
    letters = word[1:]
    position = 0
    while position < len(letters):
        letter = letters[position]
        flag = by_short.get(letter)
        if flag is None:
            raise fail(f"unknown shorthand flag: '{letter}' in {word}")
        rest = letters[position + 1 :]
        if rest.startswith("="):
            store(flag, rest[1:])
            return index
        if flag.kind == "bool":
            store(flag, "true")
            position += 1
            continue
        if rest:
            store(flag, rest)
        elif index < len(words):
            store(flag, words[index])
            index += 1
        else:
            raise fail(f"flag needs an argument: '{letter}' in {word}")
        return index
    return index


def go_duration(seconds: float) -> str:
    """Seconds written as Go's time.Duration.String does for whole seconds: 30s, 1m30s, 1h0m0s."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"
