"""Hypothesis profiles: `ci` when CI is set, `fuzz` when DXLTOOLS_FUZZ is set,
`mutation` when DXLTOOLS_MUTATION is set, else `dev`."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.shared import FIXTURES, shared_or_skip

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# `make mutation`: derandomised and short, since every mutant runs the tests again.
settings.register_profile(
    "mutation",
    derandomize=True,
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

if os.environ.get("DXLTOOLS_MUTATION"):
    settings.load_profile("mutation")
elif os.environ.get("DXLTOOLS_FUZZ"):
    settings.load_profile("fuzz")
elif os.environ.get("CI"):
    settings.load_profile("ci")
else:
    settings.load_profile("dev")


@pytest.fixture(autouse=True, scope="session")
def fixtures_stay_untouched() -> Iterator[None]:
    """No test may write to the committed fixtures: a command that wrote in
    place by mistake fails the run here, even if its own test passed."""
    before = {path: path.read_bytes() for path in sorted(FIXTURES.glob("*.dxl"))}
    yield
    changed = [path.name for path, data in before.items() if path.read_bytes() != data]
    assert not changed, f"tests changed fixtures: {changed} (restore them with git checkout)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_shared(folder, what): needs a folder of ../shared (tests/shared.py)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs_shared"):
        shared_or_skip(*mark.args)
