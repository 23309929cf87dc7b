"""A pack's ``timezone:`` is where its rules take dates: a claim made at 07:30 in Shanghai is
dated that day, not the day before (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from engine.rules_dsl import EvalContext, TypeEnv, compile_expression
from tests.pack_loading.packs_on_disk import write_pack
from tests.workflows.problems import assert_one_problem

CLAIM = {"objects/claim.yaml": "object: claim\nfields:\n  title: {type: string}\n"}
# 07:30 on 2 March in Shanghai is 23:30 on 1 March in UTC.
MORNING_IN_SHANGHAI = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)


def _value(pack: Path, expression: str) -> object:
    functions = load_registry([pack]).functions
    compiled = compile_expression(expression, TypeEnv(), functions=functions)
    return compiled.evaluate({}, EvalContext(now=MORNING_IN_SHANGHAI))


@pytest.mark.parametrize(("manifest", "expression", "expected"), [
    ("timezone: Asia/Shanghai", "string(today())", "2024-03-02"),
    ("timezone: Asia/Shanghai", "string(date(now()))", "2024-03-02"),
    ("timezone: Asia/Shanghai", "day(now())", 2),
    ("timezone: Asia/Shanghai", 'string(today("UTC"))', "2024-03-01"),
    ("timezone: Asia/Shanghai", "string(date(add_months(now(), 1)))", "2024-04-02"),
    ("", "string(today())", "2024-03-01"),
])
def test_date_functions_read_the_pack_time_zone(tmp_path: Path, manifest: str,
                                                 expression: str, expected: object) -> None:
    pack = write_pack(tmp_path, {"pack.yaml": f"name: claims\n{manifest}\n", **CLAIM})
    assert _value(pack, expression) == expected


def test_the_last_pack_that_names_a_zone_wins(tmp_path: Path) -> None:
    write_pack(tmp_path, {"pack.yaml": "name: base\ntimezone: America/New_York\n", **CLAIM},
               name="base")
    ext = write_pack(tmp_path, {"pack.yaml": "name: ext\nextends: [base]\n"
                                             "timezone: Asia/Shanghai\n"}, name="ext")
    assert _value(ext, "string(today())") == "2024-03-02"


def test_an_unknown_zone_is_reported_with_the_name_meant(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, {"pack.yaml": "name: claims\ntimezone: Asia/Shanghia\n",
                                 **CLAIM})
    with pytest.raises(PackError) as exc:
        load_registry([pack])
    assert_one_problem(exc.value.problems, "pack_unknown_timezone", "2:11",
                       "unknown time zone 'Asia/Shanghia' (did you mean 'Asia/Shanghai'?)",
                       "pack.yaml")
