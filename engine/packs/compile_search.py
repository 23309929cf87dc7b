"""Compiling the ``search:`` key of object files: merged across packs field by field (an
extending pack adds fields or changes weights; its ``suggest:`` replaces the earlier one),
checked against the object's fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import Problem, did_you_mean
from engine.objects.model import FieldDef, FieldType, SearchField, SuggestWhen
from engine.packs.search_models import SearchSpec, SuggestSpec
from engine.packs.source import SourceDocument

__all__ = ["SearchDrafts", "merge_search", "compile_search", "SEARCHABLE_TYPES"]

#: Field types whose values are text to index.
SEARCHABLE_TYPES = frozenset({FieldType.STRING, FieldType.TEXT, FieldType.EMAIL,
                              FieldType.PHONE, FieldType.URL, FieldType.TAGS})


@dataclass(slots=True)
class SearchDrafts:
    """An object's search declarations so far: field -> (weight, document, path), and the
    latest ``suggest:`` with its document."""

    fields: dict[str, tuple[float, SourceDocument, tuple[str, ...]]] = field(
        default_factory=dict)
    suggest: tuple[SuggestSpec, SourceDocument] | None = None


def merge_search(drafts: SearchDrafts, spec: SearchSpec, doc: SourceDocument) -> None:
    """Add ``spec``'s fields to ``drafts`` (a later pack's weight replaces an earlier one)."""
    for name, weight in spec.fields.items():
        drafts.fields[name] = (weight, doc, ("search", "fields", name))
    if spec.suggest is not None:
        drafts.suggest = (spec.suggest, doc)


def compile_search(object_name: str, drafts: SearchDrafts, fields: Mapping[str, FieldDef],
                   problems: list[Problem],
                   ) -> tuple[tuple[SearchField, ...], SuggestWhen | None]:
    """The object's search fields in declared order and which records suggestions offer; a
    problem for each unknown field, each field whose type holds no text, and each suggest
    value that is not an option of its enum field."""
    out: list[SearchField] = []
    for name, (weight, doc, path) in drafts.fields.items():
        f = fields.get(name)
        if f is None:
            problems.append(Problem(
                "search_field_unknown",
                f"search field '{name}' is not a field of '{object_name}'"
                f"{did_you_mean(name, fields)}", doc.key_pos(path)))
            continue
        if f.type not in SEARCHABLE_TYPES:
            allowed = ", ".join(sorted(t.value for t in SEARCHABLE_TYPES))
            problems.append(Problem(
                "search_field_type",
                f"search field '{object_name}.{name}' is of type {f.type.value}; full-text search "
                f"indexes text fields only ({allowed})", doc.key_pos(path)))
            continue
        out.append(SearchField(name, weight))
    return tuple(out), _suggest(object_name, drafts, fields, problems)


def _suggest(object_name: str, drafts: SearchDrafts, fields: Mapping[str, FieldDef],
             problems: list[Problem]) -> SuggestWhen | None:
    if drafts.suggest is None:
        return None
    spec, doc = drafts.suggest
    path = ("search", "suggest")
    f = fields.get(spec.field)
    if f is None or f.type is not FieldType.ENUM:
        enums = [n for n, d in fields.items() if d.type is FieldType.ENUM]
        problems.append(Problem(
            "search_suggest_field",
            f"suggest field '{spec.field}' is not an enum field of '{object_name}'"
            f"{did_you_mean(spec.field, enums)}", doc.pos((*path, "field"))))
        return None
    options = [o.value for o in f.options]
    for i, value in enumerate(spec.values):
        if value not in options:
            problems.append(Problem(
                "search_suggest_value",
                f"'{value}' is not an option of '{object_name}.{spec.field}'"
                f"{did_you_mean(value, options)}", doc.pos((*path, "values", i))))
    return SuggestWhen(spec.field, tuple(spec.values))
