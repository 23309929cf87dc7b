"""A first mapping, suggested from the sheet's headers and the fields' names and labels
(English and Chinese), for the user to review and save as YAML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process

from engine.imports.cleansing import match_key
from engine.objects.model import ObjectType

__all__ = ["suggest_mapping"]

#: The fuzzy score a header needs to be taken for a field's name or label.
SUGGEST_SCORE = 85


def suggest_mapping(obj: ObjectType, headers: Sequence[str]) -> dict[str, Any]:
    """A mapping (as YAML-ready data) of each header that names a writable field of ``obj``
    exactly (case, width and punctuation aside) or closely; other headers are left out."""
    names: dict[str, str] = {}
    for name, f in obj.fields.items():
        if f.system or f.computed is not None:
            continue
        for word in (name, name.replace("_", " "), f.label.en, f.label.zh_cn):
            if word:
                names.setdefault(match_key(word), name)
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = match_key(header)
        field = names.get(key)
        if field is None and key:
            best = process.extractOne(key, list(names), scorer=fuzz.ratio,
                                      score_cutoff=SUGGEST_SCORE)
            field = names[best[0]] if best else None
        if field is None and len(key) >= 2:
            # A header that is part of exactly one field's label: 等级 in 客户等级.
            within = {names[word] for word in names if key in word}
            field = within.pop() if len(within) == 1 else None
        if field is not None and field not in taken:
            columns[header] = field
            taken.add(field)
    return {"object": obj.name, "columns": columns}
