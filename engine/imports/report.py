"""The dry-run report: counts, every rejected row with its row number, column and message,
and the duplicate groups; as text for a terminal and as a CSV of the rejected rows (their own
cells plus ``_row`` and ``_errors``), which the user fixes and imports again."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from engine.imports.plan import ImportPlan, RowProblem

__all__ = ["report_text", "rejected_csv", "report_json"]


def _problem_line(p: RowProblem) -> str:
    where = f"column '{p.column}'" if p.column else "row"
    field = f" ({p.field})" if p.field and p.field != p.column else ""
    return f"  row {p.row}, {where}{field}: {p.message} [{p.code}]"


def report_text(plans: Sequence[ImportPlan], *, applied: bool = False,
                extra_problems: Sequence[RowProblem] = ()) -> str:
    """The report as lines of text."""
    lines: list[str] = []
    for plan in plans:
        counts = plan.counts()
        table = plan.table
        encoding = f", encoding {table.encoding}" if table.encoding else ""
        lines.append(f"{table.name} -> {plan.mapping.object}{encoding}")
        lines.append(
            f"  {counts['rows']} rows ({counts['blank']} blank rows left out): "
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged, {counts['rejected']} rejected, "
            f"{counts['merged']} merged, {counts['skipped']} skipped as duplicates")
        lines.extend(f"  note: {note}" for note in plan.notes)
        if plan.rejected:
            lines.append("rejected rows:")
            lines.extend(_problem_line(p) for row in plan.rejected for p in row.problems)
        if plan.groups:
            lines.append(f"duplicate groups ({plan.mapping.duplicates.action}):")
            decisions = plan.mapping.duplicates.decisions
            for group in plan.groups:
                members = [f"row {n}" for n in group.rows] + [f"record {i}"
                                                             for i in group.records]
                own = decisions.get(group.rows[0]) if group.rows else None
                decided = f" [{own}]" if own else ""
                lines.append(f"  {', '.join(members)}: {'; '.join(group.reasons)}{decided}")
    if extra_problems:
        lines.append("refused while writing:")
        lines.extend(_problem_line(p) for p in extra_problems)
    lines.append("applied." if applied else "dry run: nothing was written (add --apply).")
    return "\n".join(lines) + "\n"


def rejected_csv(plan: ImportPlan) -> str:
    """The rejected rows as CSV: ``_row``, ``_errors``, then the sheet's own columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    headers = list(plan.table.headers)
    writer.writerow(["_row", "_errors", *headers])
    for row in plan.rejected:
        errors = "; ".join(f"{p.column or '(row)'}: {p.message}" for p in row.problems)
        writer.writerow([row.number, errors, *(_cell(row.cells.get(h)) for h in headers)])
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def report_json(plans: Sequence[ImportPlan]) -> list[dict[str, Any]]:
    """The report as JSON (the API's preview)."""
    return [
        {
            "sheet": plan.table.name,
            "object": plan.mapping.object,
            "encoding": plan.table.encoding,
            "counts": plan.counts(),
            "notes": plan.notes,
            "rejected": [p.as_dict() for row in plan.rejected for p in row.problems],
            "duplicates": [g.as_dict() for g in plan.groups],
        }
        for plan in plans
    ]
