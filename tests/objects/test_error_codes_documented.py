"""Every error code the record and form modules raise is explained in docs/errors.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    ROOT / "engine/objects/values.py",
    ROOT / "engine/objects/validation.py",
    *sorted((ROOT / "engine/objects/forms").glob("*.py")),
]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def test_codes_raised_here_are_documented_in_the_records_and_forms_section() -> None:
    raised = {
        code
        for module in MODULES
        for code in re.findall(r'code="([a-z_]+)"', module.read_text(encoding="utf-8"))
    }
    section = _section(
        (ROOT / "docs/errors.md").read_text(encoding="utf-8"), "## Records and forms"
    )
    documented = set(re.findall(r"^- `([a-z_]+)`: ", section, flags=re.MULTILINE))
    assert raised, "no codes found: did the modules move?"
    assert raised | {"validation_failed"} == documented
