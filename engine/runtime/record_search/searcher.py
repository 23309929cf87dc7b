"""Full-text search through the same permissions as lists: the role's record filters narrow
the SQL, and fields hidden from the role are neither matched nor highlighted (the query reads
only the index rows of the fields the role may see)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true

from engine.errors import FieldIssue, Forbidden, ValidationFailed
from engine.objects.model import ObjectType, SearchField
from engine.objects.values import record_to_json
from engine.runtime.access import ObjectAccess, UserAccess
from engine.runtime.list_query import parse_list_params
from engine.runtime.queries import order_by, where_clause
from engine.runtime.records import RecordPage, RecordService
from engine.search import (
    MatchMode,
    QueryTerms,
    field_text,
    highlight,
    query_terms,
    ranked_records,
    search_index_table,
)

__all__ = ["RecordSearch", "SearchHit", "SearchPage", "MAX_QUERY_LENGTH", "DEFAULT_SEARCH_LIMIT",
           "MAX_SEARCH_LIMIT"]

MAX_QUERY_LENGTH = 500
DEFAULT_SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 100


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A record found: its object, id, title, highlighted fields and score (higher is better;
    comparable within one database, not between them)."""

    object: str
    id: int
    title: str | None
    highlights: Mapping[str, str]
    score: float
    record: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"object": self.object, "id": self.id, "title": self.title,
                "highlights": dict(self.highlights), "score": self.score}


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A list page found by ``q=``: its records carry ``_search`` (score and highlights)."""

    page: RecordPage


def _issue(param: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed([FieldIssue(("query", param), message, code)], code=code)


class RecordSearch:
    """Searches ``records``' objects for one user at a time (see :meth:`search`)."""

    def __init__(self, records: RecordService) -> None:
        self._records = records
        self._index = search_index_table()
        self._dialect = records.database.dialect.name

    # -- what the user may search --------------------------------------------------------

    @staticmethod
    def visible_fields(access: ObjectAccess) -> tuple[SearchField, ...]:
        """The object's search fields the user may see."""
        return tuple(f for f in access.obj.search if f.field not in access.hidden)

    @staticmethod
    def terms(text: str, param: str = "q") -> QueryTerms:
        """The terms of a query; a 422 when there is nothing to search for or too much."""
        if len(text) > MAX_QUERY_LENGTH:
            raise _issue(param, f"the query is {len(text)} characters long; at most "
                         f"{MAX_QUERY_LENGTH} are searched", "search_query_too_long")
        terms = query_terms(text)
        if terms.empty:
            raise _issue(param, "the query has no words to search for (letters, digits or "
                         "Chinese characters)", "search_query_empty")
        return terms

    def _readable(self, user: UserAccess, access: ObjectAccess) -> ColumnElement[bool]:
        if access.grants["read"] is False:
            roles = ", ".join(sorted(user.principal.roles)) or "none"
            raise Forbidden(f"your roles ({roles}) may not list {access.obj.name} records",
                            code="permission_denied")
        return user.scope(access, "read")

    # -- queries -------------------------------------------------------------------------

    def _hits(self, user: UserAccess | None, access: ObjectAccess, scope: ColumnElement[bool],
              terms: QueryTerms, limit: int, mode: MatchMode,
              exclude: tuple[str, int] | None = None) -> builtins.list[SearchHit]:
        fields = self.visible_fields(access)
        if not fields:
            return []
        obj = access.obj
        table = self._records.table(obj.name)
        ranked = ranked_records(self._index, self._dialect, obj.name, terms, fields,
                                mode).subquery("ranked")
        score = ranked.c.score.label("_score")
        statement = (select(table, score).join(ranked, ranked.c.record_id == table.c.id)
                     .where(scope).order_by(score.desc(), table.c.id).limit(limit))
        if exclude is not None and exclude[0] == obj.name:
            statement = statement.where(table.c.id != exclude[1])
        with self._records.database.connect() as conn:
            rows = [dict(r) for r in conn.execute(statement).mappings()]
        return [self._hit(user, access, fields, terms, row) for row in rows]

    def _hit(self, user: UserAccess | None, access: ObjectAccess,
             fields: Sequence[SearchField], terms: QueryTerms,
             row: dict[str, Any]) -> SearchHit:
        raw_score = row.pop("_score")
        obj = access.obj
        record = record_to_json(obj, row)
        if user is not None:
            record = user.strip(access, record)
        else:
            record = {k: v for k, v in record.items() if k not in access.hidden}
        marks = {}
        for f in fields:
            snippet = highlight(field_text(record.get(f.field)), terms)
            if snippet is not None:
                marks[f.field] = snippet
        title_field = obj.title_field
        title = (str(record[title_field]) if title_field and title_field in record
                 and record[title_field] is not None else None)
        return SearchHit(obj.name, int(record["id"]), title, marks,
                         round(float(raw_score or 0.0), 6), record)

    def search(self, user: UserAccess, text: str, *, objects: Iterable[str] = (),
               limit: int = DEFAULT_SEARCH_LIMIT) -> builtins.list[SearchHit]:
        """The best ``limit`` records matching every term of ``text`` among the objects named
        (all the user may read when none), best first."""
        terms = self.terms(text)
        names = list(objects)
        accesses = ([user.access(n) for n in names] if names else
                    [a for a in user.readable_objects() if a.obj.search])
        hits: list[SearchHit] = []
        for access in accesses:
            if names and not access.obj.search:
                raise _issue("object", f"'{access.obj.name}' is not searchable (its pack "
                             "declares no search: fields)", "object_not_searchable")
            hits.extend(self._hits(user, access, self._readable(user, access), terms,
                                   limit, "all"))
        order = {a.obj.name: i for i, a in enumerate(accesses)}
        hits.sort(key=lambda h: (-h.score, order[h.object], h.id))
        return hits[:limit]

    def suggest(self, user: UserAccess | None, accesses: Sequence[tuple[ObjectAccess,
                ColumnElement[bool]]], text: str, *, limit: int = 5,
                exclude: tuple[str, int] | None = None) -> builtins.list[SearchHit]:
        """Records like ``text`` (any term may match; more and rarer matches rank higher) in
        each (object access, condition) given; ``exclude`` leaves one record out (itself)."""
        terms = query_terms(text[:MAX_QUERY_LENGTH * 4], prefix_last=False)
        if terms.empty:
            return []
        hits: list[SearchHit] = []
        for access, scope in accesses:
            hits.extend(self._hits(user, access, scope, terms, limit, "any", exclude))
        hits.sort(key=lambda h: (-h.score, h.object, h.id))
        return hits[:limit]

    def suggestion_sources(self, user: UserAccess, objects: Iterable[str] = (),
                           ) -> builtins.list[tuple[ObjectAccess, ColumnElement[bool]]]:
        """The objects whose records the pack offers as suggestions (``search.suggest``) and
        the user may read, each with the condition: readable and in a suggested state."""
        names = set(objects)
        out = []
        for access in user.readable_objects():
            when = access.obj.suggest
            if when is None or (names and access.obj.name not in names):
                continue
            if when.field in access.hidden:
                continue
            table = self._records.table(access.obj.name)
            out.append((access, and_(user.scope(access, "read"),
                                     table.c[when.field].in_(list(when.values)))))
        return out

    def similar(self, user: UserAccess, object_name: str, record_id: int, *,
                limit: int = 5) -> builtins.list[SearchHit]:
        """Suggestions for one record, from the text of its searchable fields the user may
        see: records in a suggested state (solved ones, published articles), itself left
        out."""
        access = user.access(object_name)
        record = user.get(object_name, record_id)
        text = " ".join(field_text(record.get(f.field)) for f in self.visible_fields(access))
        return self.suggest(user, self.suggestion_sources(user), text, limit=limit,
                            exclude=(access.obj.name, record_id))

    def list(self, user: UserAccess, object_name: str, text: str,
             params: Iterable[tuple[str, str]]) -> RecordPage:
        """A list page (``/api/records/{object}?q=``) of the readable records matching
        ``text`` and the filters in ``params``; ranked unless ``sort`` is given. Each item
        carries ``_search``: its score and highlights."""
        access = user.access(object_name)
        scope = self._readable(user, access)
        if not access.obj.search:
            raise _issue("q", f"'{access.obj.name}' is not searchable (its pack declares no "
                         "search: fields)", "object_not_searchable")
        terms = self.terms(text)
        query = parse_list_params(access.view, params)
        fields = self.visible_fields(access)
        obj: ObjectType = access.obj
        table = self._records.table(obj.name)
        if not fields:
            return RecordPage([], 0, query.limit, query.offset)
        ranked = ranked_records(self._index, self._dialect, obj.name, terms,
                                fields).subquery("ranked")
        score = ranked.c.score.label("_score")
        condition = and_(true(), where_clause(table, obj, query, self._dialect), scope)
        joined = table.join(ranked, ranked.c.record_id == table.c.id)
        sort = (order_by(table, obj, query) if query.sort
                else [score.desc(), table.c.id.asc()])
        page = (select(table, score).select_from(joined).where(condition).order_by(*sort)
                .limit(query.limit).offset(query.offset))
        count = select(func.count()).select_from(joined).where(condition)
        with self._records.database.connect() as conn:
            total = int(conn.execute(count).scalar_one())
            rows = [dict(r) for r in conn.execute(page).mappings()]
        items = []
        for row in rows:
            hit = self._hit(user, access, fields, terms, row)
            items.append({**hit.record, "_search": {"score": hit.score,
                                                   "highlights": dict(hit.highlights)}})
        return RecordPage(items, total, query.limit, query.offset)
