"""Who may run which report, what it counts for them, and the API around it: the list, a run,
CSV, 404 for reports one may not run, 422 naming each bad parameter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.api.app import create_app
from engine.errors import NotFound, ValidationFailed
from engine.runtime.factory import Runtime
from tests.auth_helpers import bearer
from tests.reports.lab import lab_runtime, principal, reports_for, run, table


@pytest.fixture
def lab(db_engine: Engine) -> Runtime:
    return lab_runtime(db_engine)


def test_a_requester_counts_only_the_records_they_may_read(lab: Runtime) -> None:
    mine = principal("requester", owner=1)  # requests 1, 2 and 5
    result = run(lab, "volume", mine, group_by="kind")
    assert table(result) == [("software", 2), ("other", 1)]
    assert result.totals == {"requests": 3}
    assert run(lab, "times", mine).totals["avg_response_minutes"] == 60.0


@pytest.mark.parametrize(("who", "available"), [
    (principal("lead"), ["backlog", "business_time", "calendar", "lead_only", "money",
                         "sla_outcomes", "times", "volume"]),
    # sla_outcomes groups by a field hidden from requesters; lead_only is for leads
    (principal("requester", owner=1), ["backlog", "business_time", "calendar", "money",
                                       "times", "volume"]),
    (principal("outsider"), []),
])
def test_the_reports_a_role_may_run(lab: Runtime, who: object, available: list[str]) -> None:
    assert sorted(r.name for r in reports_for(lab, who).available()) == available  # type: ignore[arg-type]


@pytest.mark.parametrize(("role", "name"), [
    ("requester", "sla_outcomes"), ("requester", "lead_only"), ("outsider", "volume"),
    ("lead", "no_such_report"),
])
def test_a_report_one_may_not_run_is_unknown(lab: Runtime, role: str, name: str) -> None:
    with pytest.raises(NotFound) as caught:
        run(lab, name, principal(role, owner=1))
    assert caught.value.code == "unknown_report"
    assert caught.value.message.startswith(f"unknown report '{name}'")


def test_an_unknown_report_suggests_a_close_name(lab: Runtime) -> None:
    with pytest.raises(NotFound, match=r"unknown report 'volumes' \(did you mean 'volume'\?\)"):
        run(lab, "volumes")


@pytest.mark.parametrize(("params", "loc", "message"), [
    ({"from": "2026-02-30"}, "from", "expected a date, e.g. 2026-01-31, or a date-time"),
    ({"to": "2026-13-45T00:00"}, "to", "expected an ISO 8601 date-time, e.g. "
                                       "2026-01-31T09:00:00Z, or a date"),
    ({"from": "2026-03-05", "to": "2026-03-01"}, "to",
     "the range is empty: 'to' must come after 'from'"),
    ({"tz": "Mars/Olympus"}, "tz", "unknown timezone 'Mars/Olympus'; give an IANA name such "
                                   "as UTC, Asia/Shanghai or Europe/Berlin"),
    ({"group_by": "kinds"}, "group_by", "'kinds' is not a dimension of report 'volume' (did "
                                        "you mean 'kind'?); dimensions: kind, state, urgent, "
                                        "owner"),
    ({"format": "xml"}, "format", "unknown format 'xml'; use one of: json, csv"),
    ({"sort": "kind"}, "sort", "'sort' is a list parameter; a report takes from, to, tz, "
                               "group_by, format, locale and field filters"),
    ({"colour": "red"}, "colour", "unknown field 'colour' on object 'lab_request'"),
    ({"kind": "gadget"}, "kind", "'gadget' is not an option; choose one of: software, "
                                   "hardware, other"),
])
def test_bad_parameters_are_named(lab: Runtime, params: dict[str, str], loc: str,
                                  message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        run(lab, "volume", **params)
    assert [(i.loc, i.msg) for i in caught.value.issues] == [(("query", loc), message)]


def test_a_date_range_on_a_report_without_date_field_is_refused(lab: Runtime) -> None:
    with pytest.raises(ValidationFailed) as caught:
        run(lab, "backlog", **{"from": "2026-03-01"})
    assert caught.value.issues[0].msg == "report 'backlog' has no date_field to filter by date"


def test_a_filter_on_a_hidden_field_is_refused_like_an_unknown_one(lab: Runtime) -> None:
    with pytest.raises(ValidationFailed) as caught:
        run(lab, "volume", principal("requester", owner=1), assignee="ann")
    assert caught.value.issues[0].msg == "unknown field 'assignee' on object 'lab_request'"


# -- over HTTP -------------------------------------------------------------------------------


def _client(runtime: Runtime, role: str, **attributes: object) -> TestClient:
    return TestClient(create_app(runtime), raise_server_exceptions=False,
                      headers=bearer(runtime, f"user_{role}", [role],
                                     attributes=attributes or None))


def test_api_lists_runs_and_exports_reports(lab: Runtime) -> None:
    client = _client(lab, "requester", owner=1)
    listed = client.get("/api/reports").json()["items"]
    assert [r["name"] for r in listed] == ["backlog", "business_time", "calendar", "money", "times",
                                           "volume"]
    assert listed[-1]["dimensions"] == ["kind", "state", "urgent", "owner"]
    answer = client.get("/api/reports/volume", params={"group_by": "kind"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["rows"] == [{"kind": "software", "requests": 2},
                            {"kind": "other", "requests": 1}]
    assert body["totals"] == {"requests": 3}
    assert body["params"]["group_by"] == ["kind"]
    exported = client.get("/api/reports/volume?group_by=kind&format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines() == ["Kind,Requests", "software,2", "other,1", "Total,3"]


def test_api_errors_have_the_one_error_shape(lab: Runtime) -> None:
    client = _client(lab, "requester", owner=1)
    missing = client.get("/api/reports/sla_outcomes")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_report"
    bad = client.get("/api/reports/volume?tz=Nowhere&group_by=x")
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "validation_failed"
    assert [d["loc"] for d in error["details"]] == [["query", "tz"], ["query", "group_by"]]
