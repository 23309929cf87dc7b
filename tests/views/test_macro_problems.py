"""Mistakes in ``macros/`` files, each reported at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.views.pack_problems import assert_pack_problem

CASE = "object: case\nfields:\n  title: {type: string}\n  size: {type: integer}\n"
SNIPPET = """object: snippet
fields:
  name: {type: string}
  text: {type: text}
  on: {type: boolean}
  big: {type: string}
"""
NOTE = "object: note\nfields:\n  case: {type: reference, to: case}\n  body: {type: text}\n"
HEAD = "macros: m\nobject: case\nsource: snippet\nname_field: name\n"

CASES = [
    ("unknown source", "macros: m\nobject: case\nsource: snipet\nname_field: name\n",
     "macro_unknown_object", "macros/m.yaml:3:9", "unknown object 'snipet' (did you mean "
     "'snippet'?)"),
    ("active field not boolean", HEAD + "active_field: name\n", "macro_field_type",
     "macros/m.yaml:5:15", "active_field 'name' is a string field; expected boolean"),
    ("template without reply", HEAD + "template_field: text\n", "macro_reply_missing",
     "macros/m.yaml:5:17", "needs a 'reply:'"),
    ("change of another type", HEAD + "changes: {size: big}\n", "macro_field_type",
     "macros/m.yaml:5:17", "'big' is a string field and cannot set integer field 'size'"),
    ("reply body unknown", HEAD + "template_field: text\nreply: {object: note, link: case, "
     "body: bdoy}\n", "macro_unknown_field", "macros/m.yaml:6:41",
     "reply body names unknown field 'bdoy' of 'note' (did you mean 'body'?)"),
]


@pytest.mark.parametrize(("text", "code", "where", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_macro_problem_is_reported_at_its_source(tmp_path: Path, text: str, code: str,
                                                 where: str, words: str) -> None:
    assert_pack_problem(tmp_path, {"objects/case.yaml": CASE, "objects/snippet.yaml": SNIPPET,
                         "objects/note.yaml": NOTE, "macros/m.yaml": text}, code, where, words)
