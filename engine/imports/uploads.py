"""Imports through the API: a file is uploaded with its mapping and previewed (the dry-run
report), then run; its progress is read from the run's row while it runs. The file is kept in
the database between the steps, so any API process can run or report it."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, select

from engine.errors import NotFound
from engine.imports.errors import ImportRefused
from engine.imports.key_store import ImportRuns
from engine.imports.mapping import parse_mappings
from engine.imports.readers import decode_text
from engine.imports.report import report_json
from engine.imports.session import run_import
from engine.imports.suggestion import suggest_mapping
from engine.objects.storage.import_tables import IMPORT_UPLOADS, add_import_tables
from engine.runtime.audit import AuditTrail
from engine.runtime.records import RecordService

__all__ = ["ImportUploads", "MAX_NAME"]

MAX_NAME = 255


def _decode(content: Any) -> bytes:
    if not isinstance(content, str):
        raise ImportRefused("content_base64: expected the file as a base64 string",
                            code="import_unreadable")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise ImportRefused("content_base64: not valid base64", code="import_unreadable") from None


class ImportUploads:
    """Upload, preview, run and progress of imports, over ``records``."""

    def __init__(self, records: RecordService, audit: AuditTrail) -> None:
        self._records = records
        self._audit = audit
        metadata = MetaData()
        add_import_tables(metadata)
        self._table = metadata.tables[IMPORT_UPLOADS]
        self._runs = ImportRuns()

    def upload(self, body: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
        """Keep the file with its mapping (given, or suggested for ``object``); answer the
        upload's id, the mapping and the dry-run report."""
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
            raise ImportRefused(f"name: expected the file's name (1 to {MAX_NAME} characters)",
                                code="import_unreadable")
        data = _decode(body.get("content_base64"))
        encoding = body.get("encoding")
        if encoding is not None and (not isinstance(encoding, str) or not 0 < len(encoding) <= 32):
            raise ImportRefused("encoding: expected an encoding name such as gb18030, or null",
                                code="import_unknown_encoding")
        if encoding is not None:
            decode_text(b"", encoding, name=name)  # refuses an unknown encoding
        if "object" in body and not isinstance(body["object"], str):
            raise ImportRefused("object: expected an object name", code="import_mapping_invalid")
        mapping = body.get("mapping")
        if mapping is None:
            from engine.imports.readers import read_table

            obj = self._records.registry.object(str(body.get("object", "")))
            table = read_table(data, name, encoding=encoding)
            mapping = suggest_mapping(obj, table.headers)
        preview = self._preview(data, name, mapping, encoding)
        with self._records.database.begin() as conn:
            upload_id = conn.execute(self._table.insert().values(
                name=name, data=data, mapping=mapping, encoding=encoding, created_by=actor,
                created_at=now).returning(self._table.c.id)).scalar_one()
        return {"id": int(upload_id), "name": name, "mapping": mapping, "preview": preview}

    def _preview(self, data: bytes, name: str, mapping: Any,
                 encoding: str | None) -> list[dict[str, Any]]:
        outcome = run_import(self._records, self._audit, data, name,
                             parse_mappings(mapping, "mapping"), encoding=encoding)
        return report_json(outcome.plans)

    def _load(self, upload_id: int) -> dict[str, Any]:
        with self._records.database.connect() as conn:
            row = conn.execute(select(self._table).where(self._table.c.id == upload_id)
                               ).mappings().first()
        if row is None:
            raise NotFound(f"no import upload with id {upload_id}", code="import_not_found")
        return dict(row)

    def preview(self, upload_id: int) -> dict[str, Any]:
        """The upload's dry-run report against the records as they are now."""
        row = self._load(upload_id)
        return {"id": upload_id, "name": row["name"], "mapping": row["mapping"],
                "preview": self._preview(row["data"], row["name"], row["mapping"],
                                         row["encoding"]),
                "progress": self.progress(upload_id)}

    def run(self, upload_id: int, actor: str) -> dict[str, Any]:
        """Write the upload (resuming its run if one was cut short); answer the counts and
        the rows refused while writing."""
        row = self._load(upload_id)
        outcome = run_import(self._records, self._audit, row["data"], row["name"],
                             parse_mappings(row["mapping"], "mapping"), apply=True,
                             actor=actor, encoding=row["encoding"], run_id=self._run_id(upload_id))
        return {"id": upload_id, "preview": report_json(outcome.plans),
                "written": [{"run": w.run_id, "counts": w.counts,
                             "resumed_after": w.resumed_after,
                             "rejected": [p.as_dict() for p in w.problems]}
                            for w in outcome.written]}

    @staticmethod
    def _run_id(upload_id: int) -> str:
        return f"upload-{upload_id}"

    def progress(self, upload_id: int) -> list[dict[str, Any]]:
        """Each sheet's run as far as it got: status, last committed row, counts."""
        self._load(upload_id)
        prefix = self._run_id(upload_id)
        t = self._runs.table
        with self._records.database.connect() as conn:
            rows = conn.execute(select(t).where(
                (t.c.id == prefix) | t.c.id.like(f"{prefix}:%")).order_by(t.c.started_at)
            ).mappings().all()
        return [{"run": r["id"], "object": r["object"], "status": r["status"],
                 "last_row": r["last_row"], "counts": r["counts"]} for r in rows]
