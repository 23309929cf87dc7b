"""What the databases can hold, so that input is checked where it enters and nothing out of
range reaches a driver (where it would fail as an unexpected error, or differently on SQLite
and PostgreSQL).

- Integers: every integer column is 64-bit signed (``BIGINT``; SQLite's ``INTEGER``); ids stay
  within what a JSON number holds exactly.
- Durations: whole seconds within what a Python ``timedelta`` holds.
- Decimals: finite, at most 40 digits before and 40 after the point.
- Date-times: years 1 to 9999 once in UTC.
- Text: no NUL character (PostgreSQL refuses it) and no lone surrogate (not a character: it has
  no UTF-8 form).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

__all__ = [
    "INT64_MIN",
    "INT64_MAX",
    "MAX_ID",
    "DURATION_MAX_SECONDS",
    "DECIMAL_MAX_DIGITS",
    "DATETIME_RANGE_MESSAGE",
    "int64_problem",
    "id_problem",
    "duration_problem",
    "decimal_problem",
    "in_utc",
    "text_problem",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: The largest id: what JSON numbers hold exactly (2**53 - 1), well inside a 64-bit column.
MAX_ID = 2**53 - 1
#: ``timedelta`` holds up to 999,999,999 days either way.
DURATION_MAX_SECONDS = 999_999_999 * 86_400
DECIMAL_MAX_DIGITS = 40
DATETIME_RANGE_MESSAGE = ("is outside the range of date-times: 0001-01-01T00:00:00Z to "
                          "9999-12-31T23:59:59Z (UTC)")

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int64_problem(value: int) -> str | None:
    """Why ``value`` does not fit a 64-bit integer column, or ``None`` if it does."""
    if INT64_MIN <= value <= INT64_MAX:
        return None
    return f"expected a whole number between {INT64_MIN} and {INT64_MAX}"


def id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a record id (a whole number from 1 to :data:`MAX_ID`)."""
    if _whole(value) and 1 <= value <= MAX_ID:  # type: ignore[operator]
        return None
    return f"expected an id, a whole number from 1 to {MAX_ID}"


def duration_problem(seconds: int) -> str | None:
    """Why a duration of ``seconds`` cannot be held, or ``None``."""
    if -DURATION_MAX_SECONDS <= seconds <= DURATION_MAX_SECONDS:
        return None
    return (f"expected a whole number of seconds between {-DURATION_MAX_SECONDS} and "
            f"{DURATION_MAX_SECONDS}")


def decimal_problem(value: Decimal) -> str | None:
    """Why ``value`` is not a decimal the databases compare alike (finite, at most
    :data:`DECIMAL_MAX_DIGITS` digits before and after the point), or ``None``."""
    if value.is_finite():
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if value.adjusted() < DECIMAL_MAX_DIGITS and -exponent <= DECIMAL_MAX_DIGITS:
            return None
    return (f"expected a decimal number with at most {DECIMAL_MAX_DIGITS} digits before and "
            f"{DECIMAL_MAX_DIGITS} after the point")


def in_utc(value: datetime) -> datetime:
    """Aware ``value`` in UTC; ``ValueError`` (:data:`DATETIME_RANGE_MESSAGE`) when that falls
    before year 1 or after year 9999."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(DATETIME_RANGE_MESSAGE) from None


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL character, a lone surrogate), or ``None``."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "contains the NUL character (U+0000), which cannot be stored"
    return (f"contains a lone surrogate (U+{ord(char):04X}), which is not a character and "
            "cannot be stored")
