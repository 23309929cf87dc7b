"""Business-calendar vectors: data files of (calendar, operation, inputs, expected), each
expected value reasoned by hand. The calendars come from the files (loaded as a pack that
extends the default pack, whose ``cn_business`` and ``always`` the files use too)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.packs import Registry, load_registry
from tests.pack_loading.packs_on_disk import write_pack

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((Path(__file__).parent / "calendar_vectors").glob("*.yaml"))
_DOCS = {f.stem: yaml.safe_load(f.read_text(encoding="utf-8")) for f in FILES}
CASES = [(stem, i, case) for stem, doc in _DOCS.items() for i, case in enumerate(doc["cases"])]
_DURATION = re.compile(r"^(-?)((?:\d+[dhms])+)$")


def duration(text: str) -> timedelta:
    match = _DURATION.match(str(text))
    assert match, f"not a duration: {text!r}"
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    parts = re.findall(r"(\d+)([dhms])", match.group(2))
    value = sum((timedelta(**{units[u]: int(n)}) for n, u in parts), timedelta())
    return -value if match.group(1) else value


def instant(text: Any) -> datetime:
    value = text if isinstance(text, datetime) else datetime.fromisoformat(str(text))
    assert value.tzinfo is not None, f"{text!r} needs an offset"
    return value


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    files = {
        f"calendars/{c['calendar']}.yaml": yaml.safe_dump(c, allow_unicode=True)
        for doc in _DOCS.values() for c in doc.get("calendars", [])
    }
    files["pack.yaml"] = f"name: vectors\nextends: [{ROOT / 'packs/service_default'}]\n"
    return load_registry([write_pack(tmp_path_factory.mktemp("calendars"), files, "vectors")])


def test_at_least_100_calendar_vectors() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", [c for _, _, c in CASES],
                         ids=[f"{stem}:{i}:{c['op']}" for stem, i, c in CASES])
def test_calendar_vector(case: dict[str, Any], registry: Registry) -> None:
    calendar = registry.calendar(case["calendar"])
    op = case["op"]
    if op == "add":
        got: Any = calendar.add(instant(case["start"]), duration(case["duration"]))
        assert got == instant(case["expect"]), f"got {got.isoformat()}"
        assert got.utcoffset() == timedelta(0)
    elif op == "between":
        got = calendar.between(instant(case["start"]), instant(case["end"]))
        assert got == duration(case["expect"])
    elif op == "next_open":
        got = calendar.next_open(instant(case["at"]))
        assert got == instant(case["expect"]), f"got {got.isoformat()}"
    elif op == "is_open":
        assert calendar.is_open(instant(case["at"])) is case["expect"]
    else:
        pytest.fail(f"unknown op {op!r}")
