"""Views at run time: which views a user sees (per-team views expanded), how many records each
holds, and one page of a view's records, all counted and paged in SQL within what the user may
read."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, select

from engine.errors import NotFound, did_you_mean
from engine.objects.filter_sql import filter_condition
from engine.objects.permissions import RecordFilter
from engine.objects.view_definition import SlaState, SortOrder, View
from engine.packs.registry import Registry
from engine.runtime.access import ObjectAccess, UserAccess
from engine.runtime.list_query import SortKey, parse_list_params
from engine.runtime.records import RecordPage, RecordService
from engine.views.sla_states import sla_state_condition

__all__ = ["ShownView", "ViewLists", "TEAM_SEPARATOR", "may_see", "sort_keys",
           "readable_where", "reads_hidden"]

#: Between a per-team view's name and the team's: ``team_queue:billing``.
TEAM_SEPARATOR = ":"


def may_see(roles: tuple[str, ...], access: UserAccess, object_access: ObjectAccess) -> bool:
    """Whether a view for ``roles`` (empty: anyone who reads the object) is the user's."""
    if object_access.grants["read"] is False:
        return False
    if not roles or access.principal.is_admin:
        return True
    return bool(set(roles) & access.principal.roles)


def sort_keys(order: SortOrder, hidden: frozenset[str]) -> tuple[SortKey, ...]:
    """A declared order as list sort keys, leaving out fields hidden from the user."""
    return tuple(SortKey(f, desc) for f, desc in order if f not in hidden)


def reads_hidden(record_filter: RecordFilter | None, hidden: frozenset[str]) -> bool:
    """Whether a declared filter reads a field hidden from the user: a list or count by it
    would tell them what the field holds, so such a view or section is not theirs."""
    if record_filter is None or not hidden:
        return False
    return bool({p.split(".")[0] for p in record_filter.check.paths_read} & hidden)


def readable_where(registry: Registry, records: RecordService, clocks: Table,
                   access: UserAccess, object_access: ObjectAccess,
                   record_filter: RecordFilter | None, sla: SlaState | None
                   ) -> list[ColumnElement[bool]]:
    """The SQL conditions of the records of ``object_access`` the user may read that pass a
    declared filter (with ``user`` the signed-in user) and SLA state."""
    name = object_access.obj.name
    parts = [access.scope(object_access, "read")]
    if record_filter is not None:
        tables = {n: records.table(n) for n in registry.objects}
        parts.append(filter_condition(record_filter.tree, object_access.obj, registry.objects,
                                      tables, access.principal.dsl_user()))
    if sla is not None:
        parts.append(sla_state_condition(sla, name, records.table(name), clocks,
                                         records.clock.now()))
    return parts


@dataclass(frozen=True, slots=True)
class ShownView:
    """A view as one user sees it: for a per-team view, one of the user's teams."""

    view: View
    team: str | None = None

    @property
    def name(self) -> str:
        return self.view.name if self.team is None else \
            f"{self.view.name}{TEAM_SEPARATOR}{self.team}"

    def label(self, locale: str) -> str:
        text = self.view.label.get(locale)
        return text if self.team is None else f"{text}: {self.team}"


class ViewLists:
    """The views of ``registry`` over ``records``; ``clocks`` is the SLA clock table."""

    def __init__(self, registry: Registry, records: RecordService, clocks: Table) -> None:
        self._registry = registry
        self._records = records
        self._clocks = clocks

    def shown(self, access: UserAccess, object_name: str | None = None) -> list[ShownView]:
        """The views the user sees, in their declared order, per-team views once per team."""
        out: list[ShownView] = []
        views = sorted(self._registry.views.values(), key=lambda v: (v.order, v.name))
        for view in views:
            if object_name is not None and view.object != object_name:
                continue
            try:
                object_access = access.access(view.object)
            except NotFound:
                continue  # an object the user may do nothing with
            if not may_see(view.roles, access, object_access) or \
                    reads_hidden(view.filter, object_access.hidden) or \
                    (view.per is not None and view.per in object_access.hidden):
                continue
            if view.per is None:
                out.append(ShownView(view))
            else:
                out.extend(ShownView(view, team) for team in access.principal.teams)
        return out

    def find(self, access: UserAccess, name: str) -> ShownView:
        """The view ``name`` (``view:team`` for a per-team one) if the user sees it; else
        ``unknown_view`` (404), suggesting only views the user sees."""
        shown = self.shown(access)
        for candidate in shown:
            if candidate.name == name:
                return candidate
        raise NotFound(f"unknown view '{name}'{did_you_mean(name, [s.name for s in shown])}",
                       code="unknown_view")

    def condition(self, access: UserAccess, shown: ShownView) -> ColumnElement[bool]:
        """The SQL condition of the records ``shown`` lists that the user may read."""
        view = shown.view
        object_access = self._object_access(access, view.object)
        table = self._records.table(view.object)
        parts = readable_where(self._registry, self._records, self._clocks, access,
                               object_access, view.filter, view.sla)
        if shown.team is not None and view.per is not None:
            parts.append(table.c[view.per] == shown.team)
        return and_(*parts)

    def counts(self, access: UserAccess, shown: Iterable[ShownView]) -> list[int]:
        """How many records each view lists for the user (one query per view)."""
        counts = []
        with self._records.database.connect() as conn:
            for s in shown:
                table = self._records.table(s.view.object)
                statement = select(func.count()).select_from(table).where(
                    self.condition(access, s))
                counts.append(int(conn.execute(statement).scalar_one()))
        return counts

    def items(self, access: UserAccess, object_name: str | None, locale: str
              ) -> list[dict[str, Any]]:
        """``GET /api/views``: each view the user sees with its count."""
        shown = self.shown(access, object_name)
        out = []
        for s, count in zip(shown, self.counts(access, shown), strict=True):
            hidden = self._object_access(access, s.view.object).hidden
            out.append({
                "name": s.name, "view": s.view.name, "team": s.team, "object": s.view.object,
                "label": s.label(locale),
                "columns": [c for c in s.view.columns if c not in hidden],
                "sort": ",".join(f"-{k.field}" if k.descending else k.field
                                 for k in sort_keys(s.view.sort, hidden)),
                "count": count, "refresh_seconds": s.view.refresh_seconds,
            })
        return out

    def records(self, access: UserAccess, name: str, params: Iterable[tuple[str, str]]
                ) -> RecordPage:
        """One page of view ``name``'s records, narrowed by list ``params`` (the filters,
        ``sort``, ``limit`` and ``offset`` of ``/api/records``); the view's own sort when
        ``sort`` is not given."""
        shown = self.find(access, name)
        object_access = self._object_access(access, shown.view.object)
        query = parse_list_params(object_access.view, params)
        sort = query.sort or sort_keys(shown.view.sort, object_access.hidden)
        page = self._records.list(shown.view.object, query.filters, sort, limit=query.limit,
                                  offset=query.offset, scope=self.condition(access, shown))
        return dataclasses.replace(page, items=[access.strip(object_access, r)
                                                for r in page.items])

    @staticmethod
    def _object_access(access: UserAccess, object_name: str) -> ObjectAccess:
        return access.access(object_name)
