"""Mistakes in ``surveys/`` files, each reported at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack
from tests.views.pack_problems import assert_pack_problem

CASE = "object: case\nfields:\n  title: {type: string}\n"
ANSWER = """object: answer
fields:
  case: {type: reference, to: case}
  score: {type: integer}
  kind: {type: string}
  at: {type: datetime}
"""
FORM = "form: rate\nobject: answer\npurpose: create\nsections:\n  - fields: [{field: score}]\n"
HEAD = "survey: s\nlabel: Rate us\nabout: case\nobject: answer\nform: rate\n"

CASES = [
    ("unknown object", "survey: s\nlabel: L\nabout: csae\nobject: answer\nform: rate\n",
     "survey_unknown_object", "surveys/s.yaml:3:8",
     "about names unknown object 'csae' (did you mean 'case'?)"),
    ("form of another object", HEAD.replace("form: rate", "form: rtae"),
     "survey_unknown_form", "surveys/s.yaml:5:7", "'rtae' is not a form of 'answer' (did you "
     "mean 'rate'?)"),
    ("value of the wrong type", HEAD + "values: {score: title}\n", "dsl_type_mismatch",
     "surveys/s.yaml:6:17", "survey 's': value of 'score'"),
    ("unknown value field", HEAD + "values: {scroe: 1}\n", "survey_unknown_field",
     "surveys/s.yaml:6:17", "values names unknown field 'scroe' of 'answer' (did you mean "
     "'score'?)"),
    ("answered_at not a datetime", HEAD + "answered_at: kind\n", "survey_unknown_field",
     "surveys/s.yaml:6:14", "answered_at 'kind' is not a datetime field"),
    ("unknown context field", HEAD + "context: [titel]\n", "survey_unknown_field",
     "surveys/s.yaml:6:11", "context names unknown field 'titel' of 'case'"),
    ("bad expiry", HEAD + "expires: 0d\n", "survey_bad_expiry", "surveys/s.yaml:6:10",
     "expires must be a positive duration"),
]


@pytest.mark.parametrize(("text", "code", "where", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_survey_problem_is_reported_at_its_source(tmp_path: Path, text: str, code: str,
                                                  where: str, words: str) -> None:
    assert_pack_problem(tmp_path, {"objects/case.yaml": CASE, "objects/answer.yaml": ANSWER,
                         "forms/rate.yaml": FORM, "surveys/s.yaml": text}, code, where, words)


def test_a_survey_compiles_into_the_registry(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"objects/case.yaml": CASE, "objects/answer.yaml": ANSWER,
                                 "forms/rate.yaml": FORM, "surveys/s.yaml": HEAD +
                                 "values: {case: id, kind: '\"x\"'}\nanswered_at: at\n"
                                 "expires: 2d\n"})
    kind = load_registry([pack]).surveys["s"]
    assert (kind.about, kind.object, kind.form, set(kind.values), kind.answered_at) == (
        "case", "answer", "rate", {"case", "kind"}, "at")
    assert kind.expires.days == 2
