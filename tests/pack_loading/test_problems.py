# ruff: noqa: E501  (the table reads best with one case a line)
"""Every mistake an admin can make in a pack is reported at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack

THING = """
object: thing
fields:
  name: {type: string, required: true}
  prio:
    type: enum
    options: [P1, P2]
"""

# (case id, files, code, "file:line:col" suffix, words the message must contain)
CASES = [
    ("misspelt key", {"objects/thing.yaml": """
        object: thing
        fields:
          name: {type: string, requird: true}
        """}, "unknown_key", "objects/thing.yaml:3:24", "unknown key 'requird' (did you mean 'required'?)"),
    ("misspelt type", {"objects/thing.yaml": """
        object: thing
        fields:
          name: {type: strng}
        """}, "invalid_value", "objects/thing.yaml:3:16", "did you mean 'string'?"),
    ("bad name", {"objects/thing.yaml": """
        object: Thing
        """}, "invalid_value", "objects/thing.yaml:1:9", "'Thing' is not a valid name"),
    ("yaml syntax", {"objects/thing.yaml": """
        object: thing
        fields: [a
        """}, "yaml_syntax", "objects/thing.yaml:3:1", "YAML syntax error"),
    ("duplicate key", {"objects/thing.yaml": """
        object: thing
        object: other
        """}, "yaml_duplicate_key", "objects/thing.yaml:2:1", "duplicate key 'object'"),
    ("alias", {"objects/thing.yaml": """
        object: thing
        fields:
          a: &f {type: string}
          b: *f
        """}, "yaml_alias", "objects/thing.yaml:3:6", "aliases"),
    ("reserved field", {"objects/thing.yaml": """
        object: thing
        fields:
          version: {type: integer}
        """}, "field_reserved", "objects/thing.yaml:3:3", "'version' is an engine field"),
    ("enum without options", {"objects/thing.yaml": """
        object: thing
        fields:
          kind: {type: enum}
        """}, "field_options_missing", "objects/thing.yaml:3:3", "an enum field needs 'options'"),
    ("enum default not an option", {"objects/thing.yaml": """
        object: thing
        fields:
          prio: {type: enum, options: [P1, P2], default: P5}
        """}, "field_default_invalid", "objects/thing.yaml:3:50", "'P5' is not one of the options (P1, P2)"),
    ("reference to unknown object", {"objects/thing.yaml": """
        object: thing
        fields:
          owner: {type: reference, to: thng}
        """}, "reference_unknown_object", "objects/thing.yaml:3:32", "unknown object 'thng' (did you mean 'thing'?)"),
    ("reference without target", {"objects/thing.yaml": """
        object: thing
        fields:
          owner: {type: reference}
        """}, "reference_target_missing", "objects/thing.yaml:3:3", "needs 'to: OBJECT'"),
    ("set_null on required", {"objects/thing.yaml": """
        object: thing
        fields:
          parent: {type: reference, to: thing, required: true, on_delete: set_null}
        """}, "reference_set_null_required", "objects/thing.yaml:3:67", "cannot clear a required field"),
    ("min above max", {"objects/thing.yaml": """
        object: thing
        fields:
          n: {type: integer, min: 5, max: 1}
        """}, "field_range_empty", "objects/thing.yaml:3:27", "min 5 is greater than max 1"),
    ("length on a number", {"objects/thing.yaml": """
        object: thing
        fields:
          n: {type: integer, max_length: 3}
        """}, "field_constraint_unexpected", "objects/thing.yaml:3:34", "applies to text fields"),
    ("bad pattern", {"objects/thing.yaml": """
        object: thing
        fields:
          code: {type: string, pattern: "[a-"}
        """}, "field_pattern_invalid", "objects/thing.yaml:3:33", "not a valid regular expression"),
    ("required read-only field without default", {"objects/thing.yaml": """
        object: thing
        fields:
          state: {type: string, required: true, read_only: true}
        """}, "field_required_unwritable", "objects/thing.yaml:3:35", "give it a default"),
    ("duplicate object", {"objects/a.yaml": THING, "objects/b.yaml": THING},
     "object_duplicate", "objects/b.yaml:1:9", "use 'extend: thing'"),
    ("neither object nor extend", {"objects/thing.yaml": """
        fields:
          a: {type: string}
        """}, "object_name_missing", "objects/thing.yaml:1:1", "exactly one of 'object: NAME'"),
    ("extend unknown object", {"objects/thing.yaml": """
        extend: thing
        """}, "object_unknown", "objects/thing.yaml:1:9", "cannot extend unknown object 'thing'"),
    ("index on unknown field", {"objects/thing.yaml": """
        object: thing
        fields:
          name: {type: string}
        indexes:
          - fields: [nmae]
        """}, "index_unknown_field", "objects/thing.yaml:5:14", "did you mean 'name'?"),
    ("title field unknown", {"objects/thing.yaml": """
        object: thing
        title_field: nam
        fields:
          name: {type: string}
        """}, "title_field_unknown", "objects/thing.yaml:2:14", "did you mean 'name'?"),
    ("form for unknown object", {"objects/thing.yaml": THING, "forms/f.yaml": """
        form: f
        object: thin
        sections:
          - fields: [name]
        """}, "form_unknown_object", "forms/f.yaml:2:9", "unknown object 'thin' (did you mean 'thing'?)"),
    ("form with unknown field", {"objects/thing.yaml": THING, "forms/f.yaml": """
        form: f
        object: thing
        sections:
          - fields: [name, prioo]
        """}, "form_unknown_field", "forms/f.yaml:4:20", "has no field 'prioo' (did you mean 'prio'?)"),
    ("form places a field twice", {"objects/thing.yaml": THING, "forms/f.yaml": """
        form: f
        object: thing
        sections:
          - fields: [name]
          - fields: [name]
        """}, "form_field_repeated", "forms/f.yaml:5:14", "placed twice"),
    ("rule names an unknown field", {"objects/thing.yaml": THING + """
validations:
  - name: named
    rule: "len(nmae) > 0"
    message: A name is needed
"""}, "dsl_unknown_field", "objects/thing.yaml:10:16", "did you mean 'name'?"),
    ("rule compares an enum with a value it lacks", {"objects/thing.yaml": THING + """
validations:
  - name: urgent
    rule: >-
      prio != "P5"
    message: Not P5
"""}, "dsl_unknown_enum_value", "objects/thing.yaml:11:15", "'P5'"),
    ("rule is not boolean", {"objects/thing.yaml": THING + """
validations:
  - name: named
    rule: name
    message: x
"""}, "dsl_type_mismatch", "objects/thing.yaml:10:11", "true/false"),
    ("rule syntax error", {"objects/thing.yaml": THING + """
validations:
  - {name: broken, rule: "name ==", message: x}
"""}, "dsl_syntax", "objects/thing.yaml:9:34", "expected one of"),
    ("computed value of the wrong type", {"objects/thing.yaml": """
        object: thing
        fields:
          n: {type: integer}
          label: {type: string, computed: "n + 1"}
        """}, "dsl_type_mismatch", "objects/thing.yaml:4:36", "expected a value of type string"),
    ("form declared twice in one pack", {"objects/thing.yaml": THING, "forms/a.yaml": """
        form: f
        object: thing
        sections: [{fields: [name]}]
        """, "forms/b.yaml": """
        form: f
        object: thing
        sections: [{fields: [prio]}]
        """}, "form_duplicate", "forms/b.yaml:1:7", "form 'f' is declared twice in this pack"),
    ("workflow declared twice in one pack", {"objects/thing.yaml": THING, "workflows/a.yaml": """
        workflow: w
        object: thing
        field: prio
        initial: P1
        states: {P1: {category: new}, P2: {category: closed, final: true}}
        transitions: [{name: go, from: P1, to: P2}]
        """, "workflows/b.yaml": """
        workflow: w
        object: thing
        field: prio
        initial: P1
        states: {P1: {category: new}, P2: {category: closed, final: true}}
        transitions: [{name: go, from: P1, to: P2}]
        """}, "workflow_duplicate", "workflows/b.yaml:1:11", "workflow 'w' is declared twice in this pack"),
    ("unknown file", {"objects/thing.yaml": THING, "workflow.yaml": "a: 1\n"},
     "pack_unknown_file", "workflow.yaml:1:1", "not part of the pack layout"),
    ("missing manifest key", {"pack.yaml": "version: 1.0.0\n"},
     "missing_key", "pack.yaml:1:1", "missing required key 'name'"),
]


@pytest.mark.parametrize(
    ("files", "code", "where", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_pack_problem_is_reported_at_its_source(
    tmp_path: Path, files: dict[str, str], code: str, where: str, words: str
) -> None:
    pack = write_pack(tmp_path, files)
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    matching = [p for p in caught.value.problems if p.code == code]
    assert matching, f"no {code} among {[str(p) for p in caught.value.problems]}"
    problem = matching[0]
    assert str(problem.pos).endswith(where), str(problem)
    assert words in problem.message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": """
        object: thing
        fields:
          a: {type: enum}
          b: {type: reference, to: nowhere}
          id: {type: string}
        """})
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    codes = sorted(p.code for p in caught.value.problems)
    assert codes == ["field_options_missing", "field_reserved", "reference_unknown_object"]


def test_missing_pack_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_registry([tmp_path / "nope"])
    assert caught.value.problems[0].code == "pack_not_found"
    assert "has no pack.yaml" in caught.value.problems[0].message
