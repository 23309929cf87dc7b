"""Cleansing cell values before anything is validated: text, phone numbers, emails, numbers,
dates and yes/no. Each function takes what a spreadsheet cell holds and returns the clean
value, or raises :class:`CellProblem` with a message a user can act on."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import phonenumbers

__all__ = ["CellProblem", "clean_text", "match_key", "clean_phone", "clean_email",
           "clean_decimal", "clean_date", "clean_datetime", "clean_boolean", "split_list"]


class CellProblem(ValueError):
    """A cell that cannot become the field's value; the message says why."""


_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
                    r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
#: Excel's day 0 (its 1900 leap-year bug makes serials from 61 on count from here).
_EXCEL_EPOCH = date(1899, 12, 30)
#: Serial numbers taken for dates: 1954-10-07 .. 2173-10-14, so a plain number is not.
_SERIAL_RANGE = (20_000, 100_000)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m", "%Y年%m月")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f", "%H时%M分%S秒", "%H时%M分", "%H点%M分")
_TRUE = {"true", "yes", "y", "1", "是", "对", "有", "真", "√", "x", "on"}
_FALSE = {"false", "no", "n", "0", "否", "不", "无", "假", "×", "off"}


def clean_text(value: Any) -> str:
    """Trimmed text with full-width letters, digits and punctuation made half-width (NFKC)
    and runs of white space made one space."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's 1001.0 is the 1001 the user typed
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()


def match_key(value: Any) -> str:
    """A value as compared for matching and duplicates: clean, case-folded, without
    punctuation or spaces ("ACME Ltd." and "Acme  ltd" are one key)."""
    text = clean_text(value).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def clean_phone(value: Any, region: str) -> str:
    """A phone number in E.164 (``+8613800138000``); numbers without ``+country`` are read
    as ``region``'s (ISO 3166 code, e.g. CN)."""
    return _e164(clean_text(value), region)


@lru_cache(maxsize=4096)
def _e164(text: str, region: str) -> str:
    # Cached: a sheet repeats its numbers (a customer's switchboard on every contact), and
    # parsing is the costliest cleansing step.
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise CellProblem(f"'{text}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise CellProblem(f"'{text}' is not a valid phone number for region "
                          f"{phonenumbers.region_code_for_number(number) or region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(value: Any) -> str:
    """The address lowercased, without spaces or a ``mailto:``; refused unless it reads as
    ``name@host.tld``."""
    text = clean_text(value).replace(" ", "").lower()
    text = text.removeprefix("mailto:")
    if not _EMAIL.match(text):
        raise CellProblem(f"'{text}' is not an email address")
    return text


def clean_decimal(value: Any) -> Decimal:
    """A number from ``1,234.50``, ``¥1234.5``, ``12.5%`` (0.125) or a numeric cell."""
    if isinstance(value, bool):
        raise CellProblem(f"expected a number, got {value}")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = clean_text(value).replace(" ", "")
    if "," in text and not _GROUPED.match(text.lstrip("¥$€£")):
        raise CellProblem(f"'{clean_text(value)}' is not a number (thousands go in threes: "
                          "1,234.50)")
    text = text.replace(",", "")
    percent = text.endswith("%")
    text = text.rstrip("%").lstrip("¥$€£").removeprefix("RMB").removeprefix("CNY")
    text = text.removesuffix("元")
    if not _NUMBER.match(text):
        raise CellProblem(f"'{clean_text(value)}' is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellProblem(f"'{clean_text(value)}' is not a number") from None
    return number / 100 if percent else number


def _serial(value: Any) -> date | None:
    try:
        number = float(value) if not isinstance(value, str) else float(clean_text(value))
    except ValueError:
        return None
    if _SERIAL_RANGE[0] <= number < _SERIAL_RANGE[1]:
        return _EXCEL_EPOCH + timedelta(days=int(number))
    return None


def clean_date(value: Any, fmt: str | None = None) -> date:
    """A date from a date cell, an Excel serial number (45292 is 2024-01-01), or text in
    ``fmt`` or one of the formats Excel and Chinese systems write (2024-01-31, 2024/1/31,
    2024.1.31, 20240131, 2024年1月31日)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = _serial(value)
        if serial is None:
            raise CellProblem(f"{value} is not a date (Excel date numbers run "
                              f"{_SERIAL_RANGE[0]}-{_SERIAL_RANGE[1]})")
        return serial
    text = clean_text(value)
    for candidate in ((fmt,) if fmt else ()) + _DATE_FORMATS:
        try:
            return datetime.strptime(text, candidate).date()
        except ValueError:
            continue
    serial = _serial(text)
    if serial is not None:
        return serial
    raise CellProblem(f"'{text}' is not a date (write it as 2024-01-31)")


def clean_datetime(value: Any, zone: tzinfo, fmt: str | None = None) -> datetime:
    """An aware time in UTC from a cell; times without an offset are read in ``zone``, a date
    alone is its midnight, and an Excel serial's fraction is the time of day."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        day = clean_date(value)
        moment = datetime.combine(day, time()) + timedelta(days=float(value) % 1)
        moment = moment.replace(microsecond=0)
    else:
        text = clean_text(value)
        moment = _parse_moment(text, fmt)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _parse_moment(text: str, fmt: str | None) -> datetime:
    if fmt:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    day_text, _, time_text = text.replace("T", " ").partition(" ")
    day = clean_date(day_text)
    if not time_text.strip():
        return datetime.combine(day, time())
    for candidate in _TIME_FORMATS:
        try:
            return datetime.combine(day, datetime.strptime(time_text.strip(), candidate).time())
        except ValueError:
            continue
    raise CellProblem(f"'{text}' is not a date and time (write it as 2024-01-31 09:30)")


def clean_boolean(value: Any) -> bool:
    """Yes or no from ``true``/``false``, ``1``/``0``, ``Y``/``N``, ``是``/``否``..."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem(f"'{clean_text(value)}' is not yes or no (write true or false)")


def split_list(value: Any) -> list[str]:
    """The items of a list cell, separated by commas (either width), semicolons, 、 or |."""
    return [item for item in (clean_text(p) for p in re.split(r"[,;|、，；]", clean_text(value)))
            if item]
