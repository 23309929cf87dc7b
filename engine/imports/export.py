"""Export of a list: every record the user may read that matches the list's filters, with the
fields they may see, as CSV or XLSX. The list goes through the same access-checked list as
``GET /api/records/{object}`` (filters, sort, role scope, hidden fields), page by page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from engine.imports.errors import ImportRefused
from engine.runtime.access import UserAccess
from engine.runtime.list_query import MAX_LIMIT

__all__ = ["ExportFormat", "export_rows", "export_bytes", "EXPORT_MEDIA_TYPES"]

ExportFormat = Literal["csv", "xlsx"]
EXPORT_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_PAGING = frozenset({"limit", "offset", "format"})


def export_rows(access: UserAccess, object_name: str,
                params: Iterable[tuple[str, str]]) -> tuple[list[str], Iterator[list[Any]]]:
    """The visible field names and the rows of every matching record, read a page at a time
    (``limit``/``offset`` of the list are ignored: an export has every page)."""
    filters = [(k, v) for k, v in params if k not in _PAGING]
    view = access.access(object_name).view
    columns = list(view.fields)

    def rows() -> Iterator[list[Any]]:
        offset = 0
        while True:
            page = access.list(object_name, [*filters, ("limit", str(MAX_LIMIT)),
                                             ("offset", str(offset))])
            for item in page.items:
                yield [_cell(item.get(name)) for name in columns]
            if page.next_offset is None:
                return
            offset = page.next_offset

    first = access.list(object_name, [*filters, ("limit", "1")])  # refuse bad filters early
    del first
    return columns, rows()


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        import json
        return json.dumps(value, ensure_ascii=False)
    return value


def export_bytes(access: UserAccess, object_name: str, params: Iterable[tuple[str, str]],
                 fmt: str) -> bytes:
    """The export as a file's bytes: CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX."""
    if fmt not in EXPORT_MEDIA_TYPES:
        raise ImportRefused(f"format: expected csv or xlsx, got '{fmt}'",
                            code="export_format_unknown")
    columns, rows = export_rows(access, object_name, params)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(object_name[:31])
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
