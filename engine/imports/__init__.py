"""Bringing data in and out: spreadsheets (CSV in any encoding, XLSX) imported through the
runtime with cleansing, duplicates and a dry-run report first; lists exported to CSV or XLSX.

The package knows objects only through the registry; a mapping (YAML) says which column fills
which field. See ``docs/imports.md``.
"""

from engine.imports.errors import ImportRefused
from engine.imports.mapping import SheetMapping, load_mappings, parse_mappings
from engine.imports.plan import ImportPlan, RowProblem
from engine.imports.readers import SourceTable, read_table
from engine.imports.report import rejected_csv, report_json, report_text
from engine.imports.session import ImportOutcome, run_id_for, run_import
from engine.imports.suggestion import suggest_mapping

__all__ = ["ImportRefused", "SheetMapping", "load_mappings", "parse_mappings", "ImportPlan",
           "RowProblem", "SourceTable", "read_table", "rejected_csv", "report_json",
           "report_text", "ImportOutcome", "run_id_for", "run_import", "suggest_mapping"]
