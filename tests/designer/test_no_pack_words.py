"""The web app is generic: no pack's object name appears in its code or its own words, so a
new pack gets a working UI with no UI change (tests/browser runs the equipment-loans pack)."""

from __future__ import annotations

import re

from designer.build_hash import FRONTEND
from tests.test_layers import SHARED_WORDS, _pack_object_names

# Generated from the server's OpenAPI document, whose examples and descriptions may say anything.
GENERATED = {"src/api/openapi.json", "src/api/schema.d.ts"}


def test_no_pack_object_name_appears_in_the_web_app_sources() -> None:
    names = _pack_object_names() - SHARED_WORDS  # macros are an API feature too
    assert len(names) >= 8
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(FRONTEND)}:{number}: {match.group(0)}"
        for path in sorted((FRONTEND / "src").rglob("*"))
        if path.is_file() and path.relative_to(FRONTEND).as_posix() not in GENERATED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in pattern.finditer(line)
    ]
    assert not offenders, "the web app names pack objects:\n" + "\n".join(offenders)
