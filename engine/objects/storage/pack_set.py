"""The set of packs a database was applied with, remembered in ``flowdesk_migrations``.

Every migration row records the packs (name, version, path) it was made for. A command pointed
at a database with another set of packs (``flowdesk user create`` without ``--pack`` on a
database another pack made, say) would otherwise propose dropping the other pack's tables with
no word of why; :class:`PackSetMismatch` says so first, naming both sets and what to pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select

from engine.objects.storage.migration_errors import MigrationDataLoss, MigrationError
from engine.objects.storage.migration_plan import Change
from engine.objects.storage.system_tables import MIGRATIONS
from engine.objects.storage.tables import schema_metadata

__all__ = ["PackEntry", "pack_entries", "recorded_pack_set", "same_pack_set", "same_versions",
           "describe_pack_set", "pack_set_note", "PackSetMismatch"]

#: ``{"name", "version", "path"}`` as stored (rows older than paths have none).
PackEntry = Mapping[str, Any]


def pack_entries(packs: Sequence[Any]) -> list[dict[str, str]]:
    """What a migration row records of ``packs`` (PackInfo-like: name, version, path)."""
    entries = []
    for pack in packs:
        entry = {"name": str(pack.name), "version": str(pack.version)}
        path = getattr(pack, "path", None)
        if path is not None:
            entry["path"] = str(path)
        entries.append(entry)
    return entries


def recorded_pack_set(conn: Connection) -> list[PackEntry] | None:
    """The packs of the latest migration, or None for a database never migrated."""
    if not inspect(conn).has_table(MIGRATIONS):
        return None
    table = schema_metadata({}).tables[MIGRATIONS]
    packs = conn.execute(
        select(table.c.packs).order_by(table.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return list(packs) if packs else None


def same_pack_set(recorded: Sequence[PackEntry], given: Sequence[PackEntry]) -> bool:
    """The same packs by name (versions and paths may move on)."""
    return sorted(str(p["name"]) for p in recorded) == sorted(str(p["name"]) for p in given)


def same_versions(recorded: Sequence[PackEntry], given: Sequence[PackEntry]) -> bool:
    def key(entries: Sequence[PackEntry]) -> list[tuple[str, str]]:
        return sorted((str(p["name"]), str(p.get("version", ""))) for p in entries)

    return key(recorded) == key(given)


def describe_pack_set(entries: Sequence[PackEntry]) -> str:
    """``service_default 1.0 (packs/service_default), ...``"""
    return ", ".join(
        f"{p['name']} {p.get('version', '?')}" + (f" ({p['path']})" if p.get("path") else "")
        for p in entries
    ) or "no packs"


def pack_set_note(engine: Engine, packs: Sequence[Any]) -> str | None:
    """A line saying the database was applied with other packs than ``packs``, or None."""
    with engine.connect() as conn:
        recorded = recorded_pack_set(conn)
    given = pack_entries(packs)
    if recorded is None or same_pack_set(recorded, given):
        return None
    return (f"note: this database was applied with the packs {describe_pack_set(recorded)}; "
            f"this command was given {describe_pack_set(given)}")


class PackSetMismatch(MigrationDataLoss):
    """The packs given are not the ones the database was applied with, and with them the
    database would lose data: nothing was changed."""

    code = "pack_set_mismatch"

    def __init__(self, recorded: Sequence[PackEntry], given: Sequence[PackEntry],
                 changes: Sequence[Change]) -> None:
        paths = " ".join(str(p.get("path") or p["name"]) for p in recorded)
        self.recorded = tuple(recorded)
        self.given = tuple(given)
        self.changes = tuple(changes)
        listing = "\n".join(f"  {c}" for c in self.changes)
        MigrationError.__init__(  # its own message, not MigrationDataLoss's
            self,
            f"this database was applied with the packs {describe_pack_set(recorded)}, but "
            f"this command was given {describe_pack_set(given)}. With those, "
            f"{len(self.changes)} change(s) would lose data:\n{listing}\n"
            f"nothing was changed. Pass the database's packs: {paths} (as --pack PATH to "
            "user and token commands, as the PACK arguments of serve, worker, plan and "
            "apply); to switch packs on purpose, review `flowdesk plan` and run "
            "`flowdesk apply PACK... --allow-data-loss`.",
        )
