"""``flowdesk workflow ...``: looking at a pack's workflows without a database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    workflow = subparsers.add_parser("workflow", help="workflow tools")
    commands = workflow.add_subparsers(dest="workflow_command", metavar="SUBCOMMAND",
                                       required=True)
    diagram = commands.add_parser(
        "diagram", help="print a workflow as a Mermaid stateDiagram-v2")
    diagram.add_argument("name", metavar="NAME", help="the workflow's name")
    diagram.add_argument("--pack", type=Path, action="append", required=True, metavar="PACK")
    diagram.add_argument("--locale", default="en", help="the labels' locale (en, zh-CN)")
    diagram.set_defaults(handler=_diagram)


def _diagram(args: argparse.Namespace) -> int:
    from engine.packs import load_registry
    from engine.workflows.diagram import mermaid_diagram

    machine = load_registry(args.pack).workflow(args.name)
    print(mermaid_diagram(machine, args.locale), end="")
    return 0
