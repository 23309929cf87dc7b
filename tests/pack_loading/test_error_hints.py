"""Pack mistakes that are easy to make get a message that says how to fix them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack
from tests.workflows.problems import assert_one_problem

CASE = """
object: case
fields:
  title: {type: string}
  summary: {type: string}
"""


@pytest.mark.parametrize(("addition", "where", "words"), [
    ("validations:\n  - {name: v, rule: coalesce(title, summary) != \"\", message: m}\n",
     "6:37", "unknown key 'summary) != \"\"'; this looks like the rest of a rule cut at a "
     "comma: inside '{...}' a comma ends the value, so quote the rule"),
    ("  joined: {type: string, computed: coalesce(title, summary)}\n", "5:52",
     "unknown key 'summary)'; this looks like the rest of a rule cut at a comma"),
])
def test_an_unquoted_comma_in_a_flow_mapping_says_to_quote_the_rule(
        tmp_path: Path, addition: str, where: str, words: str) -> None:
    pack = write_pack(tmp_path, {"objects/case.yaml": CASE.lstrip("\n") + addition})
    with pytest.raises(PackError) as exc:
        load_registry([pack])
    assert_one_problem(exc.value.problems, "unknown_key", where, words, "objects/case.yaml")
