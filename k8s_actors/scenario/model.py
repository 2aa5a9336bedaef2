"""What a scenario file says, once loaded and checked: its name, seed and steps.

Role: the typed form of a scenario (frozen Structs) that the runner executes; the loader builds it
and reports every problem with its file, line and column first. Neighbours: `loader`, `runner`.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the script: where it was written and what it does."""

    index: int
    line: int
    text: str


class ApplyStep(Step, frozen=True, kw_only=True):
    objects: tuple[Any, ...]
    source: str


class SleepStep(Step, frozen=True, kw_only=True):
    seconds: float


class DeleteStep(Step, frozen=True, kw_only=True):
    kind: str
    name: str
    namespace: str
    propagation: str


class ExpectStep(Step, frozen=True, kw_only=True):
    kind: str
    name: str
    namespace: str
    path: str
    operator: str
    expected: str
    within: float


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    seed: int
    path: str
    steps: tuple[Step, ...]
