"""The SQL that finds and ranks records for query terms: the same tokens on both databases,
FTS5 ``MATCH`` and ``bm25`` on SQLite, ``@@`` and ``ts_rank_cd`` on PostgreSQL.

A record matches when each term matches one of its visible fields (``all``, searches and
lists) or when any does (``any``, suggestions). Its score is the sum over its matching fields
of the field's weight times that field's rank; callers order by score, then id, so ties break
the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from engine.objects.model import SearchField
from engine.objects.storage.search_table import SQLITE_FULL_TEXT
from engine.search.tokenizer import QueryTerms, Term

__all__ = ["ranked_records", "MatchMode"]

MatchMode = Literal["all", "any"]

#: ``rank`` is FTS5's hidden column holding ``bm25()`` (lower is better): a column, unlike
#: the function, it survives the subquery being flattened into the join.
_FTS = table(SQLITE_FULL_TEXT, column("rowid"), column("rank"))


def _fts5(terms: Sequence[Term]) -> str:
    def one(term: Term) -> str:
        parts = [f'"{t}"' for t in term.exact] + [f'"{p}"*' for p in term.prefixes]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    return " OR ".join(one(t) for t in terms)


def _tsquery(terms: Sequence[Term]) -> str:
    def one(term: Term) -> str:
        parts = [f"'{t}'" for t in term.exact] + [f"'{p}':*" for p in term.prefixes]
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    return " | ".join(one(t) for t in terms)


def _materialized(statement: Select[Any]) -> Any:
    """``statement`` as a CTE SQLite runs once: left to itself, the planner may nest the FTS5
    query inside a loop over the index rows and run the MATCH once per row."""
    return statement.cte().prefix_with("MATERIALIZED")


class _Dialect:
    def __init__(self, index: Table, name: str) -> None:
        self.index = index
        self.postgres = name == "postgresql"

    def records_matching(self, term: Term, own: Sequence[ColumnElement[bool]]) -> Select[Any]:
        """The ids of records with an index row (among ``own``) containing ``term``. On
        SQLite the FTS5 match drives the join: filtering the index rows first would read
        every row of the object."""
        index = self.index
        if self.postgres:
            query = cast(literal(_tsquery((term,))), TSQUERY)
            return select(index.c.record_id).where(*own, index.c.document.op("@@")(query))
        hits = _materialized(select(_FTS.c.rowid.label("sid")).where(
            literal_column(SQLITE_FULL_TEXT).op("MATCH")(literal(_fts5((term,))))))
        return (select(index.c.record_id)
                .select_from(hits.join(index, index.c.id == hits.c.sid)).where(*own))

    def scored(self, terms: Sequence[Term]) -> tuple[Any, Any, ColumnElement[bool]]:
        """(rank expression, extra FROM, condition) of index rows matching any term."""
        if self.postgres:
            query = cast(literal(_tsquery(terms)), TSQUERY)
            return (func.ts_rank_cd(self.index.c.document, query), None,
                    self.index.c.document.op("@@")(query))
        hits = _materialized(
            select(_FTS.c.rowid.label("sid"), (-_FTS.c.rank).label("rank"))
            .where(literal_column(SQLITE_FULL_TEXT).op("MATCH")(literal(_fts5(terms)))))
        return hits.c.rank, hits, self.index.c.id == hits.c.sid


def ranked_records(index: Table, dialect: str, object_name: str, terms: QueryTerms,
                   fields: Sequence[SearchField], mode: MatchMode = "all") -> Select[Any]:
    """``SELECT record_id, score`` of the records of ``object_name`` matching ``terms`` in
    ``fields`` (the fields the reader may see), one row per record."""
    d = _Dialect(index, dialect)
    names = [f.field for f in fields]
    rank, hits, condition = d.scored(terms.terms)
    weight = case({f.field: f.weight for f in fields}, value=index.c.field, else_=0.0)
    own = (index.c.object == object_name, index.c.field.in_(names))
    statement = select(index.c.record_id.label("record_id"),
                       func.sum(weight * rank).label("score"))
    statement = statement.select_from(index.join(hits, condition) if hits is not None
                                      else index).where(*own)
    if hits is None:
        statement = statement.where(condition)
    if mode == "all" and len(terms.terms) > 1:
        for term in terms.terms:
            statement = statement.where(
                index.c.record_id.in_(d.records_matching(term, own)))
    return statement.group_by(index.c.record_id)
