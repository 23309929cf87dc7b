"""Imports run one way through the engine's layers, and the engine knows no pack's names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ENGINE = Path(__file__).resolve().parent.parent / "engine"
REPO = ENGINE.parent

# Lower layers first; a module may import only from its own layer or lower ones.
# Workflows sit below packs: they are compiled data the Registry holds, as objects are.
LAYERS = ["errors", "rules_dsl", "objects", "workflows", "packs", "search", "runtime", "jobs",
          "views", "channels", "imports", "scenarios", "api", "cli"]


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "engine" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


MODULES = sorted(p for p in ENGINE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_module_imports_only_its_own_layer_or_below(path: Path) -> None:
    module = ".".join(path.relative_to(ENGINE.parent).with_suffix("").parts)
    own = _layer(module)
    if own is None:
        return
    upward = [m for m in _imports(path) if (layer := _layer(m)) is not None and layer > own]
    assert not upward, f"{module} imports from a higher layer: {upward}"


def _pack_object_names() -> set[str]:
    names: set[str] = set()
    for folder in [REPO / "packs", REPO / "tests" / "packs"]:
        for file in folder.glob("**/objects/*.yaml"):
            if "broken" in file.parts:
                continue
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            if isinstance(data, dict) and isinstance(data.get("object"), str):
                names.add(data["object"])
    return names


def _code_words(path: Path) -> list[tuple[int, str]]:
    """Identifiers and string literals of a module (docstrings and comments are prose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (body := node.body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    }
    words: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            words.append((node.lineno, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            words.append((node.lineno, node.name))
        elif isinstance(node, ast.arg):
            words.append((node.lineno, node.arg))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings):
            words.append((node.lineno, node.value))
    return words


# Words that are pack object names and also the engine's own vocabulary, each with its reason.
SHARED_WORDS = {
    # The DSL's collection functions (any, all, filter, ...) are "macros", as in CEL's spec.
    "macro",
}


def test_no_pack_object_name_appears_in_the_engine_code() -> None:
    names = _pack_object_names() - SHARED_WORDS
    assert len(names) >= 8, "the packs should declare their objects"
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {word!r}"
        for path in ENGINE.rglob("*.py")
        for line, word in _code_words(path)
        if pattern.search(word)
    ]
    grammar = [
        f"{path.relative_to(REPO)}: {m.group(0)}"
        for path in ENGINE.rglob("*.lark")
        for m in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders + grammar, "the engine names pack objects:\n" + "\n".join(
        offenders + grammar
    )
