"""SLA deadline vectors: data files of (SLA, start, steps, expected clocks), every expected value
reasoned by hand, run through the pure :func:`engine.workflows.sla.recompute`.

Each file of ``sla_vectors/`` holds one SLA (its ``sla:`` body, without ``sla``/``object``) and
its cases. The test compiles them as one pack: an object per file (``item_<file>``, with the
fields below and a workflow whose ``phase`` states have the categories new, open, pending,
resolved and closed), the calendars ``cn_business`` and ``always`` of the default pack, and
Berlin and New York office hours and night shifts.

A case creates a record at ``start`` with ``values``, applies its ``steps`` (each at an
instant: a ``phase`` and/or field values ``set``; a step with neither only lets time pass),
then compares the clocks (``expect``: metric -> expected keys, or ``null`` for no clock) and
asks about them at later instants (``checks``, ``thresholds``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.objects.values import from_json
from engine.packs import Registry, load_registry
from engine.rules_dsl import EvalContext
from engine.workflows.sla import ClockState, Facts, due_at, elapsed_at, recompute, threshold_at
from tests.pack_loading.packs_on_disk import write_pack

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((Path(__file__).parent / "sla_vectors").glob("*.yaml"))
_DOCS = {f.stem: yaml.safe_load(f.read_text(encoding="utf-8")) for f in FILES}
CASES = [(stem, case) for stem, doc in _DOCS.items() for case in doc["cases"]]
_DURATION = re.compile(r"^(\d+[dhms])+$")
CATEGORIES = {"fresh": "new", "working": "open", "waiting": "pending", "solved": "resolved",
              "closed": "closed"}

OBJECT = """\
object: item_{stem}
fields:
  title: {{type: string}}
  priority: {{type: enum, options: [P1, P2, P3, P4], default: P3}}
  tier: {{type: enum, options: [gold, standard, night]}}
  phase: {{type: enum, options: [fresh, working, waiting, solved, closed]}}
  responded_at: {{type: datetime}}
  customer_replied_at: {{type: datetime}}
  cancelled: {{type: boolean, default: false}}
  on_hold: {{type: boolean, default: false}}
"""
WORKFLOW = """\
workflow: flow_{stem}
object: item_{stem}
field: phase
initial: fresh
states:
  fresh: {{category: new}}
  working: {{category: open}}
  waiting: {{category: pending}}
  solved: {{category: resolved}}
  closed: {{category: closed, final: true}}
transitions:
  - {{name: start, from: fresh, to: working}}
  - {{name: wait, from: working, to: waiting}}
  - {{name: resume, from: waiting, to: working}}
  - {{name: solve, from: [fresh, working, waiting], to: solved}}
  - {{name: reopen, from: solved, to: working}}
  - {{name: close, from: solved, to: closed}}
"""
CALENDARS = {
    "berlin_office": "timezone: Europe/Berlin\nhours: {mon-fri: ['09:00-17:00']}\n",
    "berlin_shift": "timezone: Europe/Berlin\nhours: {mon-sun: ['01:00-05:00']}\n",
    "new_york_office": "timezone: America/New_York\nhours: {mon-fri: ['09:00-17:00']}\n",
    "new_york_shift": "timezone: America/New_York\nhours: {mon-sun: ['00:00-04:00']}\n",
}


def duration(text: Any) -> timedelta:
    text = str(text)
    assert _DURATION.match(text), f"not a duration: {text!r}"
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    return sum((timedelta(**{units[u]: int(n)}) for n, u in re.findall(r"(\d+)([dhms])", text)),
               timedelta())


def instant(text: Any) -> datetime:
    value = text if isinstance(text, datetime) else datetime.fromisoformat(str(text))
    assert value.tzinfo is not None, f"{text!r} needs an offset"
    return value


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    default = ROOT / "packs" / "service_default" / "calendars"
    files = {f"calendars/{name}.yaml": (default / f"{name}.yaml").read_text(encoding="utf-8")
             for name in ("cn_business", "always")}
    files |= {f"calendars/{name}.yaml": f"calendar: {name}\n{body}"
              for name, body in CALENDARS.items()}
    for stem, doc in _DOCS.items():
        files[f"objects/item_{stem}.yaml"] = OBJECT.format(stem=stem)
        files[f"workflows/flow_{stem}.yaml"] = WORKFLOW.format(stem=stem)
        files[f"sla/{stem}.yaml"] = yaml.safe_dump(
            {"sla": stem, "object": f"item_{stem}", **doc["sla"]}, sort_keys=False)
    return load_registry([write_pack(tmp_path_factory.mktemp("sla"), files, "sla_vectors")])


def test_at_least_100_sla_vectors() -> None:
    assert len(CASES) >= 100


class _Record:
    """A record's row as its changes leave it, and its clocks."""

    def __init__(self, registry: Registry, stem: str) -> None:
        self.registry = registry
        self.definition = registry.slas[stem]
        self.obj = registry.objects[f"item_{stem}"]
        self.row: dict[str, Any] = {name: f.default if f.default is not None else None
                                    for name, f in self.obj.fields.items()}
        self.row = {n: from_json(v, self.obj.fields[n]) for n, v in self.row.items()}
        self.row["phase"] = "fresh"
        self.clocks: dict[str, ClockState] = {}

    def change(self, at: datetime, values: Mapping[str, Any], creating: bool = False) -> None:
        old = None if creating else dict(self.row)
        new = {n: from_json(v, self.obj.fields[n]) for n, v in values.items()}
        changed = frozenset(n for n, v in new.items() if creating or self.row.get(n) != v)
        self.row.update(new)
        if creating:
            changed |= {n for n, v in self.row.items() if v is not None}
        facts = Facts(dict(self.row), CATEGORIES[self.row["phase"]],
                      EvalContext(now=at, old=old, changed=changed))
        self.clocks = recompute(self.definition, self.clocks, facts, at,
                                self.registry.calendars)


def _check_clock(clock: ClockState, expected: Mapping[str, Any], registry: Registry,
                 at: datetime | None = None) -> None:
    calendar = registry.calendars[clock.calendar]
    for key, want in expected.items():
        if key == "elapsed":
            got: Any = elapsed_at(clock, at, calendar) if at is not None else clock.elapsed
            want = duration(want)
        elif key == "paused":
            got, want = clock.paused, duration(want)
        elif key == "due":
            got, want = due_at(clock, calendar), None if want is None else instant(want)
        elif key == "breached":
            due = due_at(clock, calendar)
            assert at is not None
            got = clock.breached_at is not None or (due is not None and due <= at)
        elif key in ("breached_at", "started_at", "stopped_at"):
            got, want = getattr(clock, key), None if want is None else instant(want)
        elif key in ("status", "policy", "calendar", "met"):
            got = getattr(clock, key)
        elif key == "target":
            got, want = clock.target, duration(want)
        else:
            pytest.fail(f"unknown expectation {key!r}")
        shown = got.isoformat() if isinstance(got, datetime) else got
        assert got == want, f"{clock.metric}.{key}: got {shown!r}, want {want!r}"


@pytest.mark.parametrize("stem,case", CASES,
                         ids=[f"{stem}:{case['name']}" for stem, case in CASES])
def test_sla_vector(stem: str, case: dict[str, Any], registry: Registry) -> None:
    record = _Record(registry, stem)
    record.change(instant(case["start"]), case.get("values", {}), creating=True)
    for step in case.get("steps", []):
        values = dict(step.get("set", {}))
        if "phase" in step:
            values["phase"] = step["phase"]
        record.change(instant(step["at"]), values)
    for metric, expected in case.get("expect", {}).items():
        if expected is None:
            assert metric not in record.clocks, f"{metric}: a clock where none was expected"
            continue
        assert metric in record.clocks, f"{metric}: no clock"
        _check_clock(record.clocks[metric], expected, registry)
    for check in case.get("checks", []):
        at = instant(check["at"])
        for metric, expected in check.items():
            if metric != "at":
                _check_clock(record.clocks[metric], expected, registry, at)
    for metric, marks in case.get("thresholds", {}).items():
        clock = record.clocks[metric]
        calendar = registry.calendars[clock.calendar]
        for percent, want in marks.items():
            got = threshold_at(clock, percent / 100, calendar)
            assert got == instant(want), f"{metric} {percent}%: got {got}"
