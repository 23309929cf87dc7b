"""Reading a spreadsheet into rows of cells: CSV in any encoding, and XLSX sheets.

A :class:`SourceTable` is what every later step sees: the header names and, for each data row,
its row number in the file (as a spreadsheet shows it, so a report points at the right line)
and its cells by header. Blank rows are counted and left out.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from engine.imports.errors import ImportRefused

__all__ = ["SourceRow", "SourceTable", "read_table", "decode_text", "sheet_names"]

@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row: its 1-based line (CSV) or row number (XLSX), and its cells by header."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A sheet as read: where it came from, its headers, its data rows, how many were blank,
    and the encoding a CSV was read in."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[SourceRow, ...]
    blank_rows: int = 0
    encoding: str | None = None
    notes: tuple[str, ...] = field(default=())


def decode_text(data: bytes, encoding: str | None = None, *, name: str = "file") -> tuple[str, str]:
    """``data`` as text and the encoding used: the one named, else UTF-8 (with or without a
    BOM) when it decodes, else what charset-normalizer detects (GBK is read as GB18030, its
    superset, which Chinese Excel's "CSV" files are written in)."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportRefused(f"{name}: unknown encoding '{encoding}' (try utf-8 or gb18030)",
                                code="import_unknown_encoding") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"{name}: not {encoding} text (byte {exc.start}); leave --encoding out to "
                "detect it", code="import_unreadable") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ImportRefused(f"{name}: cannot tell the text encoding; name it (--encoding)",
                            code="import_unreadable")
    guessed = best.encoding
    if guessed.replace("-", "").replace("_", "").lower() in {"gbk", "gb2312", "gb18030", "cp936"}:
        guessed = "gb18030"
    return data.decode(guessed, errors="replace"), guessed


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _headers(raw: Sequence[Any], name: str) -> tuple[str, ...]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(raw):
        text = " ".join(str(cell).split()) if not _blank(cell) else f"column {i + 1}"
        if text in seen:  # a repeated header gets its position, so no column is lost
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        else:
            seen[text] = 1
        headers.append(text)
    if not any(not _blank(c) for c in raw):
        raise ImportRefused(f"{name}: no header row", code="import_no_header")
    return tuple(headers)


def _is_title(cells: Sequence[Any]) -> bool:
    """A row whose cells are empty or all the same text (a title merged across the sheet)."""
    filled = {str(c).strip() for c in cells if not _blank(c)}
    return len(filled) <= 1


def _table(name: str, lines: Iterator[tuple[int, list[Any]]], header_row: int | None,
           encoding: str | None = None) -> SourceTable:
    headers: tuple[str, ...] | None = None
    rows: list[SourceRow] = []
    blank = 0
    for number, cells in lines:
        if headers is None:
            if header_row is not None and number < header_row:
                continue
            if header_row is None and _is_title(cells):
                continue
            headers = _headers(cells, name)
            continue
        if all(_blank(c) for c in cells):
            blank += 1
            continue
        padded = list(cells) + [None] * (len(headers) - len(cells))
        rows.append(SourceRow(number, dict(zip(headers, padded, strict=False))))
    if headers is None:
        raise ImportRefused(f"{name}: no header row", code="import_no_header")
    return SourceTable(name, headers, tuple(rows), blank, encoding)


def _read_csv(data: bytes, name: str, encoding: str | None,
              header_row: int | None) -> SourceTable:
    text, used = decode_text(data, encoding, name=name)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096],
                                                                       delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return _table(name, ((reader.line_num, row) for row in reader), header_row, used)


def _open_workbook(data: bytes, name: str) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError... for a bad file
        raise ImportRefused(f"{name}: not a readable XLSX workbook ({exc.__class__.__name__})",
                            code="import_unreadable") from None


def sheet_names(data: bytes, name: str = "workbook") -> list[str]:
    """The sheet names of an XLSX workbook, in order."""
    book = _open_workbook(data, name)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')


def _merged_ranges(book: Any, ws: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a streamed sheet (min_col, min_row, max_col, max_row): read from
    the sheet's XML, since openpyxl's read-only mode does not report them."""
    from openpyxl.utils.cell import range_boundaries

    path = getattr(ws, "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if path is None or archive is None:
        return []
    with archive.open(path) as xml:
        data = xml.read()
    tail = data.rfind(b"<mergeCells")
    if tail < 0:
        return []
    return [cast(tuple[int, int, int, int], range_boundaries(f"{a.decode()}:{b.decode()}"))
            for a, b in _MERGE.findall(data, tail)]


def _read_xlsx(data: bytes, name: str, sheet: str | None,
               header_row: int | None) -> SourceTable:
    book = _open_workbook(data, name)
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise ImportRefused(
                f"{name}: no sheet '{sheet}'; the workbook has {', '.join(book.sheetnames)}",
                code="import_sheet_not_found")
        # A merged cell keeps its value in the top-left cell only; spread it over the range
        # so a header merged over two columns names both.
        ranges = _merged_ranges(book, ws)

        def lines() -> Iterator[tuple[int, list[Any]]]:
            spread: dict[tuple[int, int], Any] = {}
            for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(values)
                if ranges:
                    for min_col, min_row, max_col, max_row in ranges:
                        if min_row == r and min_col <= len(cells):
                            for rr in range(min_row, max_row + 1):
                                for cc in range(min_col, max_col + 1):
                                    spread[(rr, cc)] = cells[min_col - 1]
                    width = max([len(cells), *(c for (row, c) in spread if row == r)])
                    cells += [None] * (width - len(cells))
                    cells = [spread.get((r, c), v) for c, v in enumerate(cells, start=1)]
                yield r, cells

        return _table(f"{name}[{ws.title}]", lines(), header_row)
    finally:
        book.close()


def read_table(data: bytes, name: str, *, sheet: str | None = None,
               encoding: str | None = None, header_row: int | None = None) -> SourceTable:
    """The table in ``data``, a file called ``name`` (its suffix says CSV or XLSX). The header
    is row ``header_row`` or else the first row with two different texts (a title above it is
    skipped)."""
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name, sheet, header_row)
    if suffix in {".csv", ".txt", ".tsv", ""}:
        return _read_csv(data, name, encoding, header_row)
    raise ImportRefused(f"{name}: expected a .csv or .xlsx file, got '{suffix}'",
                        code="import_unreadable")
