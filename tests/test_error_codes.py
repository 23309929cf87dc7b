"""Every error code the engine can give a user is explained once in docs/errors.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "errors.md"
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _codes_in(path: Path) -> set[str]:
    """Codes given to ``Problem(...)``, ``code=`` keywords and ``code =`` class attributes."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("Problem", "bad") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                    found.add(str(kw.value.value))
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and getattr(stmt.targets[0], "id", "") == "code"
                        and isinstance(stmt.value, ast.Constant)):
                    found.add(str(stmt.value.value))
    return {c for c in found if CODE.match(c)}


def _documented() -> list[str]:
    return re.findall(r"^- `([a-z0-9_]+)`", DOC.read_text(encoding="utf-8"), re.MULTILINE)


def test_every_code_the_engine_raises_is_documented() -> None:
    raised = set().union(*(_codes_in(p) for p in (REPO / "engine").rglob("*.py")))
    missing = sorted(raised - set(_documented()))
    assert not missing, f"codes missing from docs/errors.md: {missing}"


def test_each_code_is_explained_once() -> None:
    documented = _documented()
    repeated = sorted({c for c in documented if documented.count(c) > 1})
    assert not repeated, f"codes explained more than once: {repeated}"
