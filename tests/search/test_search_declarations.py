"""``search:`` on an object: what a pack declares, merged across packs and checked, with each
mistake reported at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.objects.model import SearchField, SuggestWhen
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack

THING = """
object: thing
fields:
  name: {type: string}
  notes: {type: text}
  size: {type: integer}
  state: {type: enum, options: [{value: open}, {value: done}]}
search:
{search}
"""


def _thing(search: str) -> str:
    return THING.replace("{search}", search)


def test_search_fields_weights_and_suggestions_are_compiled(tmp_path: Path) -> None:
    base = write_pack(tmp_path, {"objects/thing.yaml": _thing(
        "  fields: {name: 3, notes: 1}\n  suggest: {field: state, values: [done]}")})
    extra = write_pack(tmp_path, {
        "pack.yaml": "name: extra\nversion: 1.0.0\nextends: [demo]\n",
        "objects/thing.yaml": "extend: thing\nsearch:\n  fields: {notes: 2}\n"}, name="extra")
    obj = load_registry([base, extra]).objects["thing"]
    assert obj.search == (SearchField("name", 3.0), SearchField("notes", 2.0))
    assert obj.suggest == SuggestWhen("state", ("done",))


@pytest.mark.parametrize(("search", "code", "where", "words"), [
    pytest.param("  fields: {nam: 1}", "search_field_unknown", "8:12",
                 "search field 'nam' is not a field of 'thing' (did you mean 'name'?)",
                 id="unknown field"),
    pytest.param("  fields: {size: 1}", "search_field_type", "8:12",
                 "search field 'thing.size' is of type integer; full-text search indexes text "
                 "fields only", id="not text"),
    pytest.param("  fields: {name: 1}\n  suggest: {field: name, values: [x]}",
                 "search_suggest_field", "9:20", "suggest field 'name' is not an enum field",
                 id="suggest on a string"),
    pytest.param("  fields: {name: 1}\n  suggest: {field: state, values: [dnoe]}",
                 "search_suggest_value", "9:36",
                 "'dnoe' is not an option of 'thing.state' (did you mean 'done'?)",
                 id="suggest value"),
])
def test_a_wrong_search_declaration_is_reported_at_its_key(
        tmp_path: Path, search: str, code: str, where: str, words: str) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": _thing(search)})
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    found = [(p.code, f"{p.pos.line}:{p.pos.col}" if p.pos else "", p.message)
             for p in caught.value.problems]
    assert [(c, w) for c, w, _ in found] == [(code, where)], found
    assert words in found[0][2]


@pytest.mark.parametrize(("search", "words"), [
    ("  fields: {name: 0}", "greater than 0"),
    ("  fields: {name: 11}", "less than or equal to 10"),
    ("  fields: {}", "at least 1"),
])
def test_a_weight_out_of_range_is_refused(tmp_path: Path, search: str, words: str) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": _thing(search)})
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    assert words in str(caught.value), str(caught.value)
