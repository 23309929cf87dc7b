"""Mistakes in ``views/`` and ``related/`` files, each reported at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack
from tests.views.pack_problems import assert_pack_problem

THING = """
object: thing
fields:
  name: {type: string}
  owner: {type: string}
  size: {type: integer}
  tags: {type: tags}
  seen_at: {type: datetime}
  parent: {type: reference, to: holder}
"""
HOLDER = "object: holder\nfields:\n  name: {type: string}\n"
ROLE = "role: staff\nobjects:\n  thing: {read: true}\n"


def view(body: str) -> dict[str, str]:
    return {"views/v.yaml": "view: v\nobject: thing\nlabel: V\n" + body}


def related(body: str) -> dict[str, str]:
    return {"related/r.yaml": "related: r\nobject: holder\nlabel: R\nsections:\n" + body}


CASES = [
    ("unknown object", {"views/v.yaml": "view: v\nobject: thnig\nlabel: V\n"},
     "view_unknown_object", "views/v.yaml:2:9",
     "view 'v' is for unknown object 'thnig' (did you mean 'thing'?)"),
    ("unknown field in the filter", view("filter: sise > 2\n"),
     "dsl_unknown_field", "views/v.yaml:4:9", "view 'v': filter on 'thing'"),
    ("filter type error", view("filter: size == \"big\"\n"),
     "dsl_type_mismatch", "views/v.yaml:4:14", "view 'v': filter on 'thing'"),
    ("unknown user attribute", view("filter: owner == user.nmae\n"),
     "dsl_unknown_field", "views/v.yaml:4:23", "nmae"),
    ("filter outside SQL", view("filter: len(name) > 2\n"),
     "view_filter_unsupported", "views/v.yaml:4:9",
     "this part cannot run as a database filter"),
    ("unknown role", view("roles: [staf]\n"),
     "view_unknown_role", "views/v.yaml:4:9",
     "view 'v': roles names unknown role 'staf' (did you mean 'staff'?)"),
    ("unknown column", view("columns: [name, sise]\n"),
     "view_unknown_field", "views/v.yaml:4:17",
     "columns names unknown field 'sise' of 'thing' (did you mean 'size'?)"),
    ("unsortable field", view("sort: -tags\n"),
     "view_invalid_sort", "views/v.yaml:4:7", "cannot sort by tags field 'tags'"),
    ("no SLA to read", view("sla: breached\n"),
     "view_unknown_sla_metric", "views/v.yaml:4:6", "object 'thing' has no SLA"),
    ("per on a number", view("per: size\n"),
     "view_per_field_type", "views/v.yaml:4:6", "it must be a string or enum field"),
    ("refresh too often", view("refresh_seconds: 1\n"),
     "invalid_value", "views/v.yaml:4:18", "greater than or equal to 5"),
    ("section link missing", related("  - {name: s, label: S, object: thing}\n"),
     "related_link_missing", "related/r.yaml:5:5", "give 'via'"),
    ("section via another object", related("  - {name: s, label: S, object: thing, via: "
                                          "name}\n"),
     "related_link_type", "related/r.yaml:5:45", "is not a reference"),
    ("avg of text", related("  - name: s\n    label: S\n    object: thing\n    via: parent\n"
                            "    aggregate: {function: avg, field: name, by: seen_at}\n"),
     "related_aggregate_field_type", "related/r.yaml:9:39", "avg of string field 'name'"),
    ("aggregate by a non-date", related("  - name: s\n    label: S\n    object: thing\n"
                                        "    via: parent\n"
                                        "    aggregate: {function: count, by: size}\n"),
     "related_aggregate_field_type", "related/r.yaml:9:38", "a date or datetime field"),
]


@pytest.mark.parametrize(("files", "code", "where", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_view_problem_is_reported_at_its_source(
    tmp_path: Path, files: dict[str, str], code: str, where: str, words: str
) -> None:
    assert_pack_problem(tmp_path, {"objects/thing.yaml": THING, "objects/holder.yaml": HOLDER,
                         "roles/staff.yaml": ROLE, **files}, code, where, words)


def test_a_view_compiles_into_the_registry(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"objects/thing.yaml": THING, "objects/holder.yaml": HOLDER,
                                 "roles/staff.yaml": ROLE, **view(
                                     "filter: owner == user.id\nsort: -size,name\n"
                                     "columns: [name, size]\nroles: [staff]\nper: owner\n")})
    compiled = load_registry([pack]).views["v"]
    assert compiled.filter is not None and compiled.filter.source == "owner == user.id"
    assert (compiled.sort, compiled.columns, compiled.roles, compiled.per) == (
        (("size", True), ("name", False)), ("name", "size"), ("staff",), "owner")
