"""An SLA state as SQL: whether a record has a clock running, at risk or breached, read from
the SLA clock table (``flowdesk_sla_clocks``) in a correlated ``EXISTS``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, Table, and_, cast, exists, or_, select

from engine.objects.view_definition import AT_RISK_STATE, BREACHED_STATE, SlaState
from engine.workflows.sla import PAUSED, RUNNING

__all__ = ["sla_state_condition"]


def sla_state_condition(state: SlaState, object_name: str, records: Table, clocks: Table,
                        now: datetime) -> ColumnElement[bool]:
    """Records of ``records`` (the table of ``object_name``) with a clock in ``state``, of
    ``state.metric`` or of any metric.

    ``breached``: a clock marked breached, or running past its due time (its timer may not
    have run yet); ``at_risk``: a running clock past a warning threshold, and none breached;
    ``running``: a clock running or paused, and none breached."""
    c = clocks.c
    breached = or_(c.breached_at.is_not(None),
                   and_(c.status == RUNNING, c.due_at.is_not(None), c.due_at <= now))

    def any_clock(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        parts = [c.object == object_name, c.record_id == records.c.id, condition]
        if state.metric is not None:
            parts.append(c.metric == state.metric)
        return exists(select(c.id).where(*parts))

    if state.state == BREACHED_STATE:
        return any_clock(breached)
    if state.state == AT_RISK_STATE:
        # ``warned`` holds the warning fractions reached: a JSON list, "[]" when none.
        wanted = and_(c.status == RUNNING, cast(c.warned, String) != "[]")
    else:
        wanted = c.status.in_([RUNNING, PAUSED])
    return and_(any_clock(wanted), ~any_clock(breached))
