"""Storage: object types as real SQL tables, and safe migrations between pack versions.

``plan`` compares the packs with the database; ``apply`` carries a plan out in one transaction
and never loses data unless told to; ``ensure_schema`` does both for start-up.
"""

from engine.objects.storage.applier import PackVersion, apply, ensure_schema
from engine.objects.storage.database import DEFAULT_SQLITE_URL, create_database_engine
from engine.objects.storage.migration_errors import (
    MigrationBlocked,
    MigrationDataLoss,
    MigrationError,
    MigrationFailed,
    MigrationStale,
)
from engine.objects.storage.migration_plan import Change, ChangeKind, MigrationPlan
from engine.objects.storage.planner import diff_schema, plan
from engine.objects.storage.tables import build_metadata, object_table, schema_metadata

__all__ = [
    "plan",
    "diff_schema",
    "apply",
    "ensure_schema",
    "PackVersion",
    "MigrationPlan",
    "Change",
    "ChangeKind",
    "MigrationError",
    "MigrationDataLoss",
    "MigrationBlocked",
    "MigrationStale",
    "MigrationFailed",
    "build_metadata",
    "object_table",
    "schema_metadata",
    "create_database_engine",
    "DEFAULT_SQLITE_URL",
]
