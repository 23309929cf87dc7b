"""Compiling the ``search:`` key of object files: merged across packs field by field (an
extending pack adds fields or changes weights), checked against the object's fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import Problem, did_you_mean
from engine.objects.model import FieldDef, FieldType, SearchField
from engine.packs.search_models import SearchSpec
from engine.packs.source import SourceDocument

__all__ = ["SearchDraft", "merge_search", "compile_search", "SEARCHABLE_TYPES"]

#: Field types whose values are text to index.
SEARCHABLE_TYPES = frozenset({FieldType.STRING, FieldType.TEXT, FieldType.EMAIL,
                              FieldType.PHONE, FieldType.URL, FieldType.TAGS})


@dataclass(frozen=True, slots=True)
class SearchDraft:
    """One declared search field and where it was declared."""

    weight: float
    doc: SourceDocument
    path: tuple[str, ...]


def merge_search(drafts: dict[str, SearchDraft], spec: SearchSpec, doc: SourceDocument) -> None:
    """Add ``spec``'s fields to ``drafts`` (a later pack's weight replaces an earlier one)."""
    for name, weight in spec.fields.items():
        drafts[name] = SearchDraft(weight, doc, ("search", "fields", name))


def compile_search(object_name: str, drafts: Mapping[str, SearchDraft],
                   fields: Mapping[str, FieldDef],
                   problems: list[Problem]) -> tuple[SearchField, ...]:
    """The object's search fields in declared order; a problem for each unknown field and each
    field whose type holds no text."""
    out: list[SearchField] = []
    for name, draft in drafts.items():
        f = fields.get(name)
        if f is None:
            problems.append(Problem(
                "search_field_unknown",
                f"search field '{name}' is not a field of '{object_name}'"
                f"{did_you_mean(name, fields)}", draft.doc.key_pos(draft.path)))
            continue
        if f.type not in SEARCHABLE_TYPES:
            allowed = ", ".join(sorted(t.value for t in SEARCHABLE_TYPES))
            problems.append(Problem(
                "search_field_type",
                f"search field '{object_name}.{name}' is a {f.type.value}; full-text search "
                f"indexes text fields only ({allowed})", draft.doc.key_pos(draft.path)))
            continue
        out.append(SearchField(name, draft.weight))
    return tuple(out)
