"""Options of the whole test suite.

`--update-golden`: rewrite the golden traces of the bundled scenarios (scenarios/NAME.golden.jsonl)
from fresh runs instead of comparing against them; review the diff before committing it.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite scenarios/*.golden.jsonl from fresh runs of the bundled scenarios",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files rather than checking them."""
    return bool(request.config.getoption("--update-golden"))
