"""Every mistake in a report file is reported at load, at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.reports.lab import LAB

BASE = "report: bad\nobject: lab_request\n"
COUNT = "measures:\n  - {name: n, agg: count}\n"


def _problems(tmp_path: Path, text: str) -> list[str]:
    pack = tmp_path / "extra"
    (pack / "reports").mkdir(parents=True)
    (pack / "pack.yaml").write_text(f"name: extra\nextends: [{LAB}]\n", encoding="utf-8")
    (pack / "reports" / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    return [f"{p.pos.line}:{p.pos.col} {p.code} {p.message}" if p.pos else p.message
            for p in caught.value.problems]


CASES = [
    ("report: bad\nobject: lab_requests\n" + COUNT,
     "2:9 report_unknown_object report 'bad' is for unknown object 'lab_requests' (did you "
     "mean 'lab_request'?)"),
    (BASE + "date_field: opend_at\n" + COUNT,
     "3:13 report_unknown_field report 'bad': date_field names unknown field 'opend_at' of "
     "'lab_request' (did you mean 'opened_at'?)"),
    (BASE + "date_field: kind\n" + COUNT,
     "3:13 report_field_type report 'bad': date_field 'kind' is a enum field; it must be a "
     "date or datetime field"),
    (BASE + "group_by: [kind, stat]\n" + COUNT,
     "3:18 report_unknown_field report 'bad': group_by names unknown field 'stat' of "
     "'lab_request' (did you mean 'state'?)"),
    (BASE + "group_by: [labels]\n" + COUNT,
     "3:12 report_field_type report 'bad': group_by field 'labels' is a tags field, whose "
     "values cannot make groups; group by an enum, string, reference, number, boolean or "
     "date field"),
    (BASE + "group_by: [{field: kind, bucket: week}]\n" + COUNT,
     "3:34 report_field_type report 'bad': group_by field 'kind' is a enum field; 'bucket: "
     "week' needs a date or datetime field"),
    (BASE + "group_by: [{age: opened_at, buckets: [7d, 1d]}]\n" + COUNT,
     "3:38 report_group_invalid report 'bad': an 'age' dimension needs 'buckets': positive "
     "durations in ascending order, e.g. [1d, 3d, 7d, 30d]"),
    (BASE + "group_by: [{field: kind, age: opened_at}]\n" + COUNT,
     "3:12 report_group_invalid report 'bad': a group_by entry gives 'field' (with an "
     "optional 'bucket') or 'age' (with 'buckets'), one of the two"),
    (BASE + "group_by: [kind]\nmeasures:\n  - {name: kind, agg: count}\n",
     "5:5 report_duplicate_column report 'bad': two columns are named 'kind' (also in "
     "group_by); give one a 'name:'"),
    (BASE + "measures:\n  - {name: m, agg: avg, field: kind}\n",
     "4:32 report_field_type report 'bad': measure 'm': 'avg' of enum field 'kind' does not "
     "compute; it needs an integer, decimal or duration field"),
    (BASE + "measures:\n  - {name: m, agg: nps, field: amount}\n",
     "4:32 report_field_type report 'bad': measure 'm': 'nps' of decimal field 'amount' does "
     "not compute; it needs an integer field"),
    (BASE + "measures:\n  - {name: m, agg: sum, field: rating, currency: CNY}\n",
     "4:40 report_measure_invalid report 'bad': measure 'm': 'currency' applies to the sum, "
     "avg, min or max of a decimal field"),
    (BASE + "measures:\n  - {name: m, agg: avg, duration: [opened_at, resolved_at], "
            "calendar: office_hour}\n",
     "4:71 report_unknown_calendar report 'bad': measure 'm': no calendar 'office_hour' "
     "(did you mean 'office_hours'?)"),
    (BASE + "measures:\n  - {name: m, agg: count, calendar: office_hours}\n",
     "4:27 report_measure_invalid report 'bad': measure 'm': 'calendar' applies to the sum, "
     "avg, min or max of a 'duration: [start, end]'"),
    (BASE + "measures:\n  - {name: m, agg: avg}\n",
     "4:5 report_measure_invalid report 'bad': measure 'm': 'avg' needs 'field' (a number or "
     "duration) or 'duration: [start, end]'"),
    (BASE + "measures:\n  - {name: m, agg: sum, duration: [opened_at, kind]}\n",
     "4:47 report_field_type report 'bad': measure 'm': duration from/to field 'kind' is a "
     "enum field; it must be a date or datetime field"),
    (BASE + "measures:\n  - {name: m, agg: percent}\n",
     "4:5 report_measure_invalid report 'bad': measure 'm': 'percent' needs 'where' and/or "
     "'sla': the records counted as a hit"),
    (BASE + "measures:\n  - {name: m, agg: count, field: rating}\n",
     "4:27 report_measure_invalid report 'bad': measure 'm': 'count' takes no 'field'"),
    (BASE + "measures:\n  - {name: m, agg: avg, field: rating, unit: hours}\n",
     "4:40 report_measure_invalid report 'bad': measure 'm': 'unit' applies to durations (a "
     "'duration' or a duration field)"),
    (BASE + "measures:\n  - {name: m, agg: count, of: {where: urgent}}\n",
     "4:27 report_measure_invalid report 'bad': measure 'm': 'of' applies to 'percent' only"),
    (BASE + "measures:\n  - {name: m, agg: count, sla: {metric: resolve, outcome: met}}\n",
     "4:41 report_unknown_sla_metric report 'bad': unknown SLA metric 'resolve' of sla "
     "'lab_request_sla'; metrics: first_response, resolution"),
    (BASE + "filter: contains(title, \"x\")\n" + COUNT,
     "3:9 report_filter_unsupported report 'bad': filter: this part cannot run as a database "
     "filter: a record filter may use and, or, not, comparisons, in, fields, literals and "
     "user.<name> only"),
    (BASE + "roles: [boss]\n" + COUNT,
     "3:9 report_unknown_role report 'bad': roles names unknown role 'boss'; roles: admin, "
     "lead, outsider, requester"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[1].split()[1] + str(i)
                                                           for i, c in enumerate(CASES)])
def test_report_mistakes_are_reported_where_they_are(tmp_path: Path, text: str,
                                                      expected: str) -> None:
    assert _problems(tmp_path, text) == [expected]


def test_a_filter_that_is_not_boolean_is_a_dsl_error(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, BASE + "filter: rating + 1\n" + COUNT)
    assert problem.startswith("3:9 dsl_") and "report 'bad': filter:" in problem


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, BASE + COUNT + "colour: red\n")
    assert problem.startswith("5:1 unknown_key")
