"""``flowdesk sla simulate``: compliance under the current and a proposed SLA over the records
created since a date, without writing anything; the proposal is checked like a pack file
(tests/packs/automation_lab: standard 4 h / 16 h on lab hours, urgent 30 min / 4 h on 24x7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select

from engine.cli import main
from engine.errors import BadRequest, PackError
from engine.packs.proposed_sla import load_proposed_sla
from engine.runtime.clock import ManualClock
from engine.runtime.factory import Runtime
from engine.runtime.sla_replay import SlaReplay
from engine.runtime.sla_simulation import Compliance, simulate

from .lab import (  # noqa: F401 (fixtures)
    LAB,
    T0,
    create,
    lab_hooks,
    lab_mailer,
    lab_registry,
    lab_runtime,
    lab_worker,
    take,
)

SLA = (LAB / "sla" / "incident.yaml").read_text(encoding="utf-8")
TIGHTER = (SLA.replace("first_response: 4h", "first_response: 2h")
           .replace("resolution: 16h", "resolution: 1h30m")
           .replace("next_response: 1h, resolution: 4h", "next_response: 1h, resolution: 1h"))


def proposal(tmp_path: Path, text: str = TIGHTER) -> Path:
    path = tmp_path / "proposal.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
                for name, t in metadata.tables.items()}


def history(runtime: Runtime, clock: ManualClock) -> None:
    clock.set(T0 - timedelta(days=1))
    create(runtime, title="Before the window")  # not simulated: created before --since
    clock.set(T0)  # Monday 10:00 Berlin
    r1 = create(runtime)
    r2 = create(runtime, severity="urgent")
    create(runtime)  # r3: left open
    clock.advance(hours=1)
    current = runtime.records.get("incident", r1["id"])
    runtime.records.update("incident", r1["id"], {"responded_at": clock.now().isoformat()},
                           expected_version=current["version"], actor="alice")
    clock.advance(hours=1)
    for record in (r1, r2):
        take(runtime, record, "start")
        take(runtime, record, "solve")
    clock.advance(hours=1)  # now: Monday 13:00 Berlin


def test_the_proposal_is_compared_per_metric_and_per_policy(
        runtime: Runtime, clock: ManualClock, tmp_path: Path) -> None:
    history(runtime, clock)
    registry, proposed = load_proposed_sla([LAB], proposal(tmp_path))
    replay = SlaReplay(registry, runtime.database, runtime.records, clock)
    result = simulate(replay, proposed, datetime(2026, 3, 2, tzinfo=UTC))
    assert result.records == 3

    def table(groups: dict[str, Compliance]) -> dict[str, tuple[Any, ...]]:
        return {n: (c.clocks, c.met, c.breached, c.percent) for n, c in groups.items()}

    # Now: r1 responded after 1 h and solved after 2 h; urgent r2 solved after 2 h without a
    # response (first response breached at 30 min); r3 open for 3 business hours.
    assert table(result.before.by_metric) == {
        "first_response": (3, 1, 1, 66.7), "resolution": (3, 2, 0, 100.0)}
    assert table(result.before.by_policy) == {
        "standard": (4, 2, 0, 100.0), "urgent": (2, 1, 1, 50.0)}
    # Proposed: first response 2 h (r1 met, r3 late at 3 h), resolution 1 h 30 (standard) and
    # 1 h (urgent): every resolution breached.
    assert table(result.after.by_metric) == {
        "first_response": (3, 1, 2, 33.3), "resolution": (3, 0, 3, 0.0)}
    assert table(result.after.by_policy) == {
        "standard": (4, 1, 3, 25.0), "urgent": (2, 0, 2, 0.0)}
    text = result.render()
    assert "SLA incident_sla on 3 incident record(s) created since 2026-03-02T00:00:00Z" in text
    assert text.endswith("nothing was written")


def test_the_command_prints_compliance_before_and_after_and_writes_nothing(
        runtime: Runtime, clock: ManualClock, db_url: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    history(runtime, clock)
    before = tables(runtime.database)
    code = main(["sla", "simulate", str(LAB), "--db", db_url, "--policy",
                 str(proposal(tmp_path)), "--since", "2026-03-02"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert tables(runtime.database) == before
    lines = out.splitlines()
    assert lines[0].startswith("SLA incident_sla on 3 incident record(s) created since "
                               "2026-03-02T00:00:00Z, replayed up to ")
    # Replayed up to the real now (months later): r3's clocks are late under both SLAs.
    row = next(line for line in lines if line.strip().startswith("resolution"))
    assert row.split() == ["resolution", "3", "2", "1", "66.7%", "3", "0", "3", "0.0%"]


def test_a_proposal_for_an_sla_the_packs_do_not_have_is_refused_at_its_name(
        tmp_path: Path) -> None:
    path = proposal(tmp_path, SLA.replace("sla: incident_sla", "sla: incident_slas"))
    with pytest.raises(PackError) as caught:
        load_proposed_sla([LAB], path)
    [problem] = caught.value.problems
    assert str(problem) == (
        f"{path}:1:6: the proposal names sla 'incident_slas', which the packs do not have "
        "(did you mean 'incident_sla'?); it must replace one of: incident_sla "
        "[sla_proposal_unknown]")


def test_a_proposal_is_checked_like_a_pack_file(tmp_path: Path) -> None:
    path = proposal(tmp_path, TIGHTER.replace("stop_in: [resolved, closed]\n  next",
                                              "stop_in: [resolved, closd]\n  next")
                    .replace('when: severity == "urgent"', 'when: severty == "urgent"'))
    with pytest.raises(PackError) as caught:
        load_proposed_sla([LAB], path)
    found = sorted(str(p) for p in caught.value.problems)
    # The format is checked first; rules once the format holds.
    assert found == [
        f"{path}:7:25: metrics.first_response.stop_in.1: 'closd' is not one of 'new', 'open', "
        "'pending', 'resolved' or 'closed' (did you mean 'closed'?) [invalid_value]"]
    path = proposal(tmp_path, TIGHTER.replace('when: severity == "urgent"',
                                              'when: severty == "urgent"'))
    with pytest.raises(PackError) as caught:
        load_proposed_sla([LAB], path)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{path}:20:11: sla 'incident_sla': policy 'urgent' when")
    assert "severty" in str(problem) and "did you mean 'severity'" in str(problem)


def test_a_proposal_for_another_object_is_refused(tmp_path: Path) -> None:
    path = proposal(tmp_path, SLA.replace("object: incident", "object: incident_note"))
    with pytest.raises(PackError) as caught:
        load_proposed_sla([LAB], path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2:9: sla 'incident_sla' measures object 'incident'; a proposal for it must "
        "too (it says 'incident_note') [sla_proposal_other_object]"]


def test_a_missing_proposal_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_proposed_sla([LAB], tmp_path / "nope.yaml")
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'nope.yaml'}:1:1: no proposed SLA file at '{tmp_path / 'nope.yaml'}' "
        "[sla_proposal_not_found]"]


def test_the_command_prints_the_proposal_problems_at_file_line_col(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = proposal(tmp_path, SLA.replace("sla: incident_sla", "sla: other"))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["sla", "simulate", str(LAB), "--db", db, "--policy", str(path),
                 "--since", "2026-03-02"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:1:6: the proposal names sla 'other'" in err
    assert not (tmp_path / "x.db").exists() or (tmp_path / "x.db").stat().st_size == 0


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-03-01T08:00"])
def test_a_since_that_is_not_a_date_or_an_instant_with_an_offset_is_refused(text: str) -> None:
    from engine.cli._sla import parse_since

    with pytest.raises(BadRequest) as caught:
        parse_since(text)
    assert (caught.value.code, caught.value.message) == (
        "sla_simulate_bad_since",
        f"--since '{text}' is not a date (2026-03-01) or an instant with an offset "
        "(2026-03-01T08:00:00+08:00)")


def test_since_reads_dates_as_utc_midnight_and_instants_with_their_offset() -> None:
    from engine.cli._sla import parse_since

    assert parse_since("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_since("2026-03-02T08:00:00+08:00") == datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_since("2026-03-02T00:00:00Z") == datetime(2026, 3, 2, tzinfo=UTC)
