"""The SQL expressions reports need where SQLite and PostgreSQL differ, settled in one place so
a report answers alike on both: whole seconds between two instants, and the day, ISO week or
month an instant falls in, in a given timezone.

PostgreSQL converts with its own timezone database (``timezone(tz, ts)``). SQLite has none, so
a deterministic SQL function, :data:`BUCKET_FUNCTION`, does it with Python's ``zoneinfo``; it is
registered on the connection before a report runs (:func:`prepare_connection`). Both use the
IANA database, so the buckets agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Connection, DateTime, Integer, String, cast, func

__all__ = ["BUCKET_FUNCTION", "bucket_start", "seconds_between", "bucket_expression",
           "prepare_connection"]

BUCKET_FUNCTION = "flowdesk_bucket"


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def bucket_start(value: date | datetime, unit: str, tz: str) -> date:
    """The first day of the ``unit`` (day, week from Monday, month) that ``value`` falls in,
    read in timezone ``tz`` (a datetime; a date is its own day)."""
    day = value.astimezone(_zone(tz)).date() if isinstance(value, datetime) else value
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _sqlite_bucket(stored: str | None, unit: str, tz: str, is_date: int) -> str | None:
    # SQLite holds datetimes as naive UTC text and dates as ISO text (see storage/columns.py).
    if stored is None:
        return None
    if is_date:
        return bucket_start(date.fromisoformat(stored[:10]), unit, tz).isoformat()
    instant = datetime.fromisoformat(stored).replace(tzinfo=_zone("UTC"))
    return bucket_start(instant, unit, tz).isoformat()


def prepare_connection(conn: Connection) -> None:
    """Make the report functions available on ``conn`` (SQLite only; PostgreSQL has its own)."""
    if conn.dialect.name != "sqlite":
        return
    raw: Any = conn.connection.dbapi_connection
    raw.create_function(BUCKET_FUNCTION, 4, _sqlite_bucket, deterministic=True)


def seconds_between(start: Any, end: Any, dialect: str, *, dates: bool = False) -> Any:
    """Whole seconds from ``start`` to ``end`` (each truncated to its second), NULL when
    either is. ``dates``: the columns are dates (their midnights are compared)."""
    if dialect == "sqlite":
        return (cast(func.strftime("%s", end), Integer)
                - cast(func.strftime("%s", start), Integer))

    def epoch(column: Any) -> Any:
        value = cast(column, DateTime(timezone=False)) if dates else column
        return cast(func.floor(func.extract("epoch", value)), BigInteger)

    return epoch(end) - epoch(start)


def bucket_expression(column: Any, unit: str, tz: str, dialect: str, *,
                      is_date: bool = False) -> Any:
    """The ISO date (``YYYY-MM-DD`` text) of the start of ``column``'s bucket."""
    if dialect == "sqlite":
        return getattr(func, BUCKET_FUNCTION)(column, unit, tz, 1 if is_date else 0,
                                             type_=String())
    local = (cast(column, DateTime(timezone=False)) if is_date
             else func.timezone(tz, column))
    return func.to_char(func.date_trunc(unit, local), "YYYY-MM-DD", type_=String())
