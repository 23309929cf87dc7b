"""A small pack with a workflow, written to a temporary folder, for workflow tests."""

from __future__ import annotations

from pathlib import Path

from tests.pack_loading.packs_on_disk import write_pack

TASK = """
object: task
fields:
  title: {type: string, required: true}
  stage:
    type: enum
    options: [todo, doing, review, done, dropped, archived]
    default: todo
    read_only: true
  points: {type: integer, default: 0}
  attempts: {type: integer, default: 0, read_only: true}
  reviewer: {type: string, read_only: true}
  finished_at: {type: datetime, read_only: true}
  reason: {type: text}
  kind: {type: string}
"""

WORKFLOW = """
workflow: task_flow
object: task
field: stage
label: {en: Task flow, zh-CN: 任务流程}
initial: todo
states:
  todo: {category: new, label: To do}
  doing:
    category: open
    on_enter:
      - type: set
        values: {attempts: attempts + 1}
  review: {category: pending}
  done: {category: resolved, final: true}
  dropped: {category: closed, final: true}
transitions:
  - {name: start, from: todo, to: doing, label: {en: Start, zh-CN: 开始}}
  - name: submit
    from: doing
    to: review
    guard: points > 0 and points <= 8 and title != "wip"
    require: [reviewer]
  - {name: rework, from: review, to: doing}
  - name: approve
    from: review
    to: done
    set: {finished_at: now()}
  - name: drop
    from: "*"
    to: dropped
    require: [reason]
"""


def write_task_pack(root: Path, workflow: str = WORKFLOW) -> Path:
    return write_pack(root, {"objects/task.yaml": TASK, "workflows/task.yaml": workflow})
