"""The event catalogue in docs/trace.md matches the event names the code logs, both ways.

An event name is the string literal first argument of a `.info(`, `.warning(`, `.debug(` or
`.error(` call in `k8s_actors/**/*.py`; literals that are not snake_case identifiers (messages of
other `error` methods, such as argparse's) are not event names. Documented names are the
backticked first cells of the tables under "## Event catalogue".
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "k8s_actors"
CATALOGUE = ROOT / "docs" / "trace.md"

_CALL = re.compile(r"\.(?:info|warning|debug|error)\(\s*(f?)\"([^\"\n]*)\"")
_EVENT = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|", re.MULTILINE)


def logged_events() -> dict[str, list[str]]:
    """Each event name logged in the package, with the places (file:line) that log it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in _CALL.finditer(text):
            is_fstring, literal = match.groups()
            if is_fstring or not _EVENT.fullmatch(literal):
                continue
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(literal, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def formatted_event_calls() -> list[str]:
    """Places that log an f-string as the event name."""
    places: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in _CALL.finditer(text):
            if match.group(1):
                line = text.count("\n", 0, match.start()) + 1
                places.append(f"{path.relative_to(ROOT)}:{line}")
    return places


def documented_events() -> list[str]:
    """The event names listed in the catalogue section of docs/trace.md."""
    text = CATALOGUE.read_text(encoding="utf-8")
    _, _, catalogue = text.partition("## Event catalogue")
    return _ROW.findall(catalogue)


def test_every_logged_event_is_documented() -> None:
    """A name logged anywhere in the package has a row in docs/trace.md."""
    documented = set(documented_events())
    missing = {
        name: places for name, places in sorted(logged_events().items()) if name not in documented
    }
    report = "\n".join(
        f"  {name}  (logged at {', '.join(places)})" for name, places in missing.items()
    )
    assert not missing, f"event names missing from docs/trace.md:\n{report}"


def test_every_documented_event_is_logged() -> None:
    """A row of the catalogue names an event that some code actually logs."""
    logged = logged_events()
    unused = [name for name in documented_events() if name not in logged]
    assert not unused, f"documented in docs/trace.md but logged nowhere: {', '.join(unused)}"


def test_documented_events_are_unique_snake_case() -> None:
    """Each catalogue row is a snake_case name, listed once."""
    names = documented_events()
    bad = [name for name in names if not _EVENT.fullmatch(name)]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    assert not bad, f"catalogue names that are not snake_case: {', '.join(bad)}"
    assert not duplicated, f"catalogue names listed twice: {', '.join(duplicated)}"


def test_no_event_name_is_an_fstring() -> None:
    """Event names are constants; the details go into key-values."""
    places = formatted_event_calls()
    assert not places, f"f-string event names at: {', '.join(places)}"


def test_scanner_finds_the_kernel_events() -> None:
    """The scan sees events logged by the kernel, including calls split over lines."""
    logged = logged_events()
    assert "actor_restart_scheduled" in logged
    assert "message_delivered" in logged
    assert all(_EVENT.fullmatch(name) for name in logged)
