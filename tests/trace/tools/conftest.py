"""Traces for the trace tools' tests: a small handmade one and a real run of api-basics."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.runner import run_scenario
from k8s_actors.trace.tools import Line, load_trace

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"

# A user applies a Deployment; the apiserver stores it; a controller, woken by the write, creates
# a ReplicaSet whose Pods the scheduler binds to two nodes; one Pod is deleted.
HANDMADE = (Path(__file__).parent / "data" / "mini.jsonl").read_text()


@pytest.fixture
def handmade_path(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    path.write_text(HANDMADE)
    return path


@pytest.fixture
def handmade(handmade_path: Path) -> list[Line]:
    return load_trace(handmade_path)


@pytest.fixture(scope="session")
def real_trace_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trace of the bundled api-basics scenario, run once for the whole session."""
    path = tmp_path_factory.mktemp("run") / "api-basics.jsonl"
    result = run_scenario(load_scenario(SCENARIOS / "api-basics.yaml"), trace_path=path)
    assert result.passed
    return path


@pytest.fixture
def real(real_trace_path: Path) -> list[Line]:
    return load_trace(real_trace_path)
