"""Rows that are one record: found by exact keys (the same email, the same phone) and by fuzzy
matching of a name (rapidfuzz), inside the file and against the records already stored.

Rows and stored records are joined into groups (union-find); each group is reported, and the
mapping's ``duplicates.action`` says what becomes of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from engine.imports.cleansing import match_key

__all__ = ["DuplicateGroup", "Candidate", "find_duplicates"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A row (``row`` > 0) or a stored record (``record_id``) with the values compared."""

    values: Mapping[str, object]
    row: int | None = None
    record_id: int | None = None

    @property
    def label(self) -> str:
        return f"row {self.row}" if self.row is not None else f"record {self.record_id}"


@dataclass(slots=True)
class DuplicateGroup:
    """Rows (and at most a few stored records) found to be one record, and why."""

    rows: list[int] = field(default_factory=list)
    records: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "records": self.records, "reasons": self.reasons}


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def find_duplicates(rows: Sequence[Candidate], stored: Sequence[Candidate],
                    match: Sequence[str], fuzzy: str | None,
                    threshold: int) -> list[DuplicateGroup]:
    """The groups of two or more among ``rows`` and ``stored`` that share a ``match`` value or
    whose ``fuzzy`` values score at least ``threshold`` (token set ratio of the cleaned,
    case-folded text). Rows come first in each group, in file order."""
    everyone = [*rows, *stored]
    union = _Union(len(everyone))
    reasons: dict[tuple[int, int], str] = {}
    for name in match:
        first: dict[str, int] = {}
        for i, c in enumerate(everyone):
            value = c.values.get(name)
            if value in (None, "", []):
                continue
            key = match_key(value)
            if key in first:
                if union.join(first[key], i):
                    reasons[(first[key], i)] = f"{name} = {value}"
            else:
                first[key] = i
    if fuzzy is not None:
        texts = [" ".join(str(c.values.get(fuzzy) or "").casefold().split()) for c in everyone]
        present = [i for i, t in enumerate(texts) if t]
        choices = [texts[i] for i in present]
        for pos, i in enumerate(present):
            # Only later candidates: each pair is scored once.
            found = process.extract(texts[i], choices[pos + 1:], scorer=fuzz.token_set_ratio,
                                    score_cutoff=threshold, limit=None)
            for _text, score, offset in found:
                j = present[pos + 1 + offset]
                if union.join(i, j):
                    reasons[(i, j)] = (f"{fuzzy} '{everyone[i].values.get(fuzzy)}' ~ "
                                       f"'{everyone[j].values.get(fuzzy)}' ({round(score)})")
    roots = [union.find(i) for i in range(len(everyone))]
    sizes = Counter(roots)
    groups: dict[int, DuplicateGroup] = {}
    for i, c in enumerate(everyone):
        root = roots[i]
        if sizes[root] < 2:
            continue
        group = groups.setdefault(root, DuplicateGroup())
        if c.row is not None:
            group.rows.append(c.row)
        elif c.record_id is not None:
            group.records.append(c.record_id)
    for (a, _b), why in reasons.items():
        groups[union.find(a)].reasons.append(why)
    return [g for _root, g in sorted(groups.items())]
