"""Why a migration did not run. Whatever the reason, the database is left as it was."""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import FlowdeskError
from engine.objects.storage.migration_plan import Change

__all__ = [
    "MigrationError",
    "MigrationDataLoss",
    "MigrationBlocked",
    "MigrationStale",
    "MigrationFailed",
]


class MigrationError(FlowdeskError):
    """Base of the errors :func:`apply` raises; nothing was changed."""

    code = "migration_error"


def _listing(changes: Sequence[Change]) -> str:
    return "\n".join(f"  {c}" for c in changes)


class MigrationDataLoss(MigrationError):
    """The plan would lose stored values and data loss was not allowed."""

    code = "migration_data_loss"

    def __init__(self, changes: Sequence[Change]) -> None:
        self.changes = tuple(changes)
        super().__init__(
            f"refusing to apply: {len(self.changes)} change(s) would lose data:\n"
            f"{_listing(self.changes)}\n"
            "nothing was changed; keep the data (for a renamed field, set renamed_from) or "
            "allow data loss explicitly (flowdesk apply --allow-data-loss)"
        )


class MigrationBlocked(MigrationError):
    """Some changes cannot be made with the data as it is (a required field with no default
    on a table that has rows, say)."""

    code = "migration_blocked"

    def __init__(self, changes: Sequence[Change]) -> None:
        self.changes = tuple(changes)
        super().__init__(
            f"cannot apply: {len(self.changes)} change(s) are blocked:\n"
            f"{_listing(self.changes)}\nnothing was changed"
        )


class MigrationStale(MigrationError):
    """The database changed between planning and applying."""

    code = "migration_stale"

    def __init__(self, planned: Sequence[Change], current: Sequence[Change]) -> None:
        self.planned = tuple(planned)
        self.current = tuple(current)
        super().__init__(
            "the database changed since the plan was made; nothing was changed. "
            f"The plan now is:\n{_listing(self.current) or '  (nothing)'}\nplan again and "
            "review it before applying"
        )


class MigrationFailed(MigrationError):
    """The database refused a change (duplicate values for a new unique index, say); every
    change before it was rolled back."""

    code = "migration_failed"

    def __init__(self, change: Change | None, reason: str) -> None:
        self.change = change
        self.reason = reason
        step = f" at '{change.description}'" if change else ""
        super().__init__(
            f"migration failed{step}: {reason}\nevery change was rolled back; nothing was changed"
        )
