"""``flowdesk workflow diagram`` prints a workflow as Mermaid ``stateDiagram-v2`` text."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main

from .task_pack import write_task_pack

EXPECTED = """\
stateDiagram-v2
    state "To do" as todo
    state "doing" as doing
    state "review" as review
    state "done" as done
    state "dropped" as dropped
    [*] --> todo
    todo --> doing : Start
    doing --> review : Submit
    review --> doing : Rework
    review --> done : Approve
    todo --> dropped : Drop
    doing --> dropped : Drop
    review --> dropped : Drop
    done --> [*]
    dropped --> [*]
"""


def test_diagram_prints_states_transitions_and_finals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = write_task_pack(tmp_path)
    assert main(["workflow", "diagram", "--pack", str(pack), "task_flow"]) == 0
    assert capsys.readouterr().out == EXPECTED


def test_diagram_uses_the_locale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = write_task_pack(tmp_path)
    main(["workflow", "diagram", "--pack", str(pack), "--locale", "zh-CN", "task_flow"])
    assert "todo --> doing : 开始" in capsys.readouterr().out


def test_an_unknown_workflow_is_an_error_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = write_task_pack(tmp_path)
    assert main(["workflow", "diagram", "--pack", str(pack), "task_flo"]) == 1
    assert "did you mean 'task_flow'" in capsys.readouterr().err
