"""Service history from the intermediate format: threads with their items and state changes,
as of their own times, automations muted; a second run adds only what is new."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.imports import ImportRefused
from engine.imports.history import HISTORY_FORMAT, import_history
from engine.runtime.factory import Runtime

HEADER = {"format": HISTORY_FORMAT, "thread": "ticket", "item": "ticket_message",
          "link": "ticket"}


def _thread(key: str, items: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "key": key, "created_at": "2025-03-03T09:00:00+08:00",
        "values": {"subject": f"Printer {key}", "priority": "P2"},
        "lookups": {"customer": {"name": "Acme"}},
        "states": [{"state": "open", "at": "2025-03-03T10:00:00+08:00"},
                   {"state": "resolved", "at": "2025-03-04T16:30:00+08:00"}],
        "items": [{"key": f"{key}/{i}", "created_at": f"2025-03-03T1{i}:15:00+08:00",
                   "values": {"kind": "reply", "body": f"message {i}"}}
                  for i in range(1, items + 1)],
        **extra,
    }


def _file(*threads: dict[str, Any]) -> str:
    return "\n".join(json.dumps(t, ensure_ascii=False) for t in (HEADER, *threads)) + "\n"


def test_history_comes_in_as_of_its_times_with_states_and_messages(desk: Runtime) -> None:
    desk.records.create("customer", {"name": "Acme"}, "setup")
    result = import_history(desk.records, desk.audit, _file(_thread("Z-1")), "z.jsonl")
    assert result.counts == {"threads": 1, "unchanged": 0, "items": 2, "states": 2,
                             "rejected": 0}
    [ticket] = desk.records.list("ticket").items
    assert ticket["status"] == "resolved"
    assert ticket["created_at"] == "2025-03-03T01:00:00Z"
    assert ticket["updated_at"] == "2025-03-04T08:30:00Z"
    assert ticket["queue"] is None  # routing is an automation: muted for history
    transitions = [(h.action, h.new, h.at.astimezone(UTC))
                   for h in desk.records.history("ticket", ticket["id"])
                   if h.field == "status"]
    assert transitions == [
        ("transition", "open", datetime(2025, 3, 3, 2, 0, tzinfo=UTC)),
        ("transition", "resolved", datetime(2025, 3, 4, 8, 30, tzinfo=UTC))]
    messages = [m for m in desk.records.list("ticket_message").items
                if m["ticket"] == ticket["id"]]
    assert sorted((m["body"], m["created_at"]) for m in messages) == [
        ("message 1", "2025-03-03T03:15:00Z"), ("message 2", "2025-03-03T04:15:00Z")]


def test_a_second_run_adds_only_the_new_messages(desk: Runtime) -> None:
    desk.records.create("customer", {"name": "Acme"}, "setup")
    import_history(desk.records, desk.audit, _file(_thread("Z-1")), "z.jsonl")
    again = import_history(desk.records, desk.audit, _file(_thread("Z-1", items=3)),
                           "z2.jsonl")
    assert (again.counts["threads"], again.counts["unchanged"], again.counts["items"]) == (
        0, 1, 1)
    assert desk.records.list("ticket").total == 1
    assert desk.records.list("ticket_message").total == 3


def test_a_bad_thread_is_rejected_with_its_line_and_the_rest_comes_in(desk: Runtime) -> None:
    desk.records.create("customer", {"name": "Acme"}, "setup")
    bad_state = _thread("Z-2", states=[{"state": "done", "at": "2025-03-04T10:00:00Z"}])
    no_customer = _thread("Z-3", lookups={"customer": {"name": "Nobody"}})
    result = import_history(desk.records, desk.audit,
                            _file(_thread("Z-1"), bad_state, no_customer), "z.jsonl")
    assert result.problems == [
        (3, "states[0]: 'done' is not a state of ticket_lifecycle (new, open, "
            "pending_customer, pending_third_party, resolved, closed)"),
        (4, "thread.lookups.customer: no customer with name 'Nobody'")]
    assert desk.records.list("ticket").total == 1
    assert desk.records.list("ticket_message").total == 2  # only the good thread's


def test_a_dry_run_counts_and_writes_nothing(desk: Runtime) -> None:
    desk.records.create("customer", {"name": "Acme"}, "setup")
    result = import_history(desk.records, desk.audit, _file(_thread("Z-1")), "z.jsonl",
                            apply=False)
    assert result.counts["threads"] == 1
    assert desk.records.list("ticket").total == 0


def test_a_file_without_the_header_is_refused(desk: Runtime) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_history(desk.records, desk.audit, json.dumps(_thread("Z-1")), "z.jsonl")
    assert "z.jsonl:1: the first line must be the header" in str(refused.value)
