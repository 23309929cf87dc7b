"""The DSL is the lowest layer: it imports nothing from the engine but engine.errors."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "engine" / "rules_dsl"


def test_rules_dsl_imports_only_engine_errors_from_the_engine() -> None:
    for path in PACKAGE.rglob("*.py"):
        for module in re.findall(r"^\s*(?:from|import) (engine\.[\w.]+)", path.read_text(), re.M):
            assert module == "engine.errors" or module.startswith("engine.rules_dsl"), (
                f"{path.name} imports {module}"
            )
