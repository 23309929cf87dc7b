"""Every error code the DSL can raise is explained once in docs/errors.md, and vice versa."""

from __future__ import annotations

import re
from pathlib import Path

from engine.rules_dsl.diagnostics import ALL_CODES

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> list[str]:
    text = (ROOT / "docs" / "errors.md").read_text("utf-8")
    section = text.split("## Rule DSL", 1)[1]
    section = re.split(r"\n## ", section, maxsplit=1)[0]
    return re.findall(r"^- `([a-z_]+)`", section, flags=re.M)


def _raised_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "engine" / "rules_dsl").rglob("*.py"):
        codes |= set(re.findall(r"\"(dsl_[a-z_]+)\"", path.read_text("utf-8")))
    return codes - {"dsl_error", "dsl_functions"}


def test_every_code_in_the_source_is_documented() -> None:
    assert _raised_in_source() <= set(_documented())


def test_every_documented_code_exists() -> None:
    assert set(_documented()) == set(ALL_CODES)


def test_each_code_is_documented_once() -> None:
    documented = _documented()
    assert len(documented) == len(set(documented))
