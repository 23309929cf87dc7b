"""Related views at run time: the sections around one record, fetched in one request, each
within what the user may read (a section on an object they may not read is left out)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, select

from engine.errors import NotFound, did_you_mean
from engine.objects.view_definition import Aggregate, RelatedSection, RelatedView
from engine.packs.registry import Registry
from engine.runtime.access import ObjectAccess, UserAccess
from engine.runtime.records import RecordService
from engine.views.view_lists import may_see, readable_where, reads_hidden, sort_keys

__all__ = ["RelatedViews"]


def _month(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
    assert isinstance(value, date)
    return f"{value.year:04d}-{value.month:02d}"


def _months_back(now: datetime, count: int) -> list[str]:
    """The ``count`` months up to ``now``'s, oldest first, as ``YYYY-MM``."""
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else None


class RelatedViews:
    """The related views of ``registry`` over ``records``; ``clocks`` is the SLA clock table."""

    def __init__(self, registry: Registry, records: RecordService, clocks: Table) -> None:
        self._registry = registry
        self._records = records
        self._clocks = clocks

    def available(self, access: UserAccess, object_name: str, record_id: int
                  ) -> list[RelatedView]:
        """The related views of the record the user sees (404 when they may not read it)."""
        access.get(object_name, record_id)
        object_access = access.access(object_name)
        return [r for r in self._registry.related.values()
                if r.object == object_access.obj.name
                and may_see(r.roles, access, object_access)]

    def fetch(self, access: UserAccess, object_name: str, record_id: int, name: str,
              locale: str = "en") -> dict[str, Any]:
        """``name``'s sections around the record, each permission-checked."""
        shown = self.available(access, object_name, record_id)
        view = next((r for r in shown if r.name == name), None)
        if view is None:
            raise NotFound(f"unknown related view '{name}' of '{object_name}'"
                           f"{did_you_mean(name, [r.name for r in shown])}",
                           code="unknown_related_view")
        record = access.get(object_name, record_id)
        sections = []
        for section in view.sections:
            answer = self._section(access, section, record, locale)
            if answer is not None:
                sections.append(answer)
        return {"name": view.name, "label": view.label.get(locale), "object": view.object,
                "id": record_id, "sections": sections}

    # -- one section ---------------------------------------------------------------------

    def _readable(self, access: UserAccess, object_name: str) -> ObjectAccess | None:
        try:
            object_access = access.access(object_name)
        except NotFound:
            return None
        return None if object_access.grants["read"] is False else object_access

    def _link(self, section: RelatedSection, record: dict[str, Any],
              table: Table) -> ColumnElement[bool] | None:
        """The condition tying the section's records to ``record``; ``None`` when the link
        runs through a field the user may not see."""
        if section.through is not None:
            if section.through not in record:
                return None
            value = record[section.through]
            return false() if value is None else table.c.id == value
        assert section.via is not None
        steps = section.via.split(".")
        # Walk back from the shown record: the last step's records reference it directly.
        owners = [section.object]
        for name in steps[:-1]:
            to = self._registry.objects[owners[-1]].fields[name].reference_to
            assert to is not None
            owners.append(to)
        condition: ColumnElement[bool] = (
            self._records.table(owners[-1]).c[steps[-1]] == record["id"])
        for owner, name in zip(reversed(owners[:-1]), reversed(steps[:-1]), strict=True):
            inner = self._records.table(self._registry.objects[owner].fields[name]
                                        .reference_to or "")
            condition = self._records.table(owner).c[name].in_(
                select(inner.c.id).where(condition))
        return condition

    def _section(self, access: UserAccess, section: RelatedSection, record: dict[str, Any],
                 locale: str) -> dict[str, Any] | None:
        object_access = self._readable(access, section.object)
        if object_access is None or reads_hidden(section.filter, object_access.hidden):
            return None
        table = self._records.table(section.object)
        link = self._link(section, record, table)
        if link is None:
            return None
        condition = and_(link, *readable_where(self._registry, self._records, self._clocks,
                                               access, object_access, section.filter,
                                               section.sla))
        out: dict[str, Any] = {
            "name": section.name, "label": section.label.get(locale), "object": section.object,
            "columns": [c for c in section.columns if c not in object_access.hidden],
        }
        if section.aggregate is not None:
            if {section.aggregate.by, section.aggregate.field} & object_access.hidden:
                return None
            aggregate = self._aggregate(section.aggregate, table, condition)
            # ``items`` and ``total`` as every section has them: a client that lists
            # sections shows an aggregate as empty, with how many records it counts.
            out.update(items=[], total=sum(p["count"] for p in aggregate["points"]),
                       aggregate=aggregate)
            return out
        page = self._records.list(section.object, (), sort_keys(section.sort,
                                                               object_access.hidden),
                                  limit=section.limit, scope=condition)
        out["items"] = [access.strip(object_access, r) for r in page.items]
        out["total"] = page.total
        return out

    def _aggregate(self, aggregate: Aggregate, table: Table,
                   condition: ColumnElement[bool]) -> dict[str, Any]:
        """Per month (UTC) of the last ``months``: the count, and the average of the field."""
        months = _months_back(self._records.clock.now().astimezone(UTC), aggregate.months)
        first = datetime.strptime(months[0] + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
        by = table.c[aggregate.by]
        start: date | datetime = first if aggregate.by_type == "datetime" else first.date()
        columns = [by] + ([table.c[aggregate.field]] if aggregate.field else [])
        counts: dict[str, int] = defaultdict(int)
        sums: dict[str, float] = defaultdict(float)
        numbered: dict[str, int] = defaultdict(int)
        with self._records.database.connect() as conn:
            rows = conn.execute(select(*columns).where(condition, by.is_not(None), by >= start))
            for row in rows:
                month = _month(row[0])
                counts[month] += 1
                value = _number(row[1]) if aggregate.field else None
                if value is not None:
                    sums[month] += value
                    numbered[month] += 1
        points = []
        for month in months:
            point: dict[str, Any] = {"month": month, "count": counts.get(month, 0)}
            if aggregate.function == "avg":
                n = numbered.get(month, 0)
                point["value"] = round(sums[month] / n, 2) if n else None
            else:
                point["value"] = point["count"]
            points.append(point)
        return {"function": aggregate.function, "field": aggregate.field, "by": aggregate.by,
                "points": points}
