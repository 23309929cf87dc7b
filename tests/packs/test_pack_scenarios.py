"""Every scenario of every pack that ships a ``tests/`` folder passes (``flowdesk test`` in the
suite): one test per scenario file, its failure (file:line:col and what differed) as the
message."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from engine.packs import load_registry
from engine.packs.registry import Registry
from engine.scenarios.runner import run_scenario, scenario_files

REPO = Path(__file__).resolve().parents[2]
PACK_ROOTS = (REPO / "packs", REPO / "tests" / "packs")


def _packs_with_scenarios() -> list[Path]:
    return [pack for root in PACK_ROOTS for pack in sorted(root.iterdir())
            if (pack / "pack.yaml").is_file() and scenario_files(pack)]


SCENARIOS = [(pack, path) for pack in _packs_with_scenarios() for path in scenario_files(pack)]


@cache
def _registry(pack: Path) -> Registry:
    return load_registry([pack])


def test_the_default_pack_ships_its_scenarios() -> None:
    shipped = scenario_files(REPO / "packs" / "service_default")
    assert len(shipped) >= 30, [p.name for p in shipped]


@pytest.mark.parametrize(
    ("pack", "path"), SCENARIOS,
    ids=[f"{pack.name}/{path.name}" for pack, path in SCENARIOS])
def test_pack_scenario_passes(pack: Path, path: Path) -> None:
    result = run_scenario(_registry(pack), path)
    assert result.passed, result.line()
