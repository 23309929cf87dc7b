"""Finding packs on disk, following ``extends:``, and reading their files into pack models."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import PackError, Problem, SourcePos, did_you_mean
from engine.packs.automation_models import AutomationSpec
from engine.packs.calendar_models import CalendarSpec
from engine.packs.channel_models import ChannelSpec
from engine.packs.macro_models import MacrosSpec
from engine.packs.merge import MergeKeys, explain_new_elements, merge_document
from engine.packs.models import FormSpec, ObjectSpec, PackManifest, WorkflowSpec
from engine.packs.report_models import ReportSpec
from engine.packs.role_models import RoleSpec, UsersSpec
from engine.packs.routing_models import RoutingSpec
from engine.packs.sla_models import SlaSpec
from engine.packs.source import SourceDocument, load_yaml_document
from engine.packs.spec_errors import validate_spec
from engine.packs.survey_models import SurveySpec
from engine.packs.view_models import RelatedSpec, ViewSpec

__all__ = ["LoadedPack", "SpecFile", "load_packs", "latest_by_name", "unknown_object",
           "PACK_FOLDERS"]

MANIFEST = "pack.yaml"

#: The folders a pack may have, each holding one kind of YAML file.
PACK_FOLDERS: dict[str, type] = {
    "objects": ObjectSpec, "forms": FormSpec, "workflows": WorkflowSpec,
    "automations": AutomationSpec,
    "sla": SlaSpec,
    "roles": RoleSpec, "users": UsersSpec,
    "calendars": CalendarSpec,
    "routing": RoutingSpec,
    "reports": ReportSpec,
    "channels": ChannelSpec,
    "views": ViewSpec, "related": RelatedSpec, "macros": MacrosSpec, "surveys": SurveySpec,
}


@dataclass(frozen=True, slots=True)
class SpecFile:
    """One validated YAML file: its model and its document (for positions)."""

    spec: object
    doc: SourceDocument


@dataclass(slots=True)
class LoadedPack:
    path: Path
    manifest: PackManifest
    manifest_doc: SourceDocument
    files: dict[str, list[SpecFile]] = field(default_factory=dict)
    #: Files that say ``extend: <name>``, per folder: merged into the named file by
    #: :func:`latest_by_name` (they are validated merged, never alone).
    extensions: dict[str, list[SourceDocument]] = field(default_factory=dict)

    def specs(self, folder: str) -> list[SpecFile]:
        return self.files.get(folder, [])


def latest_by_name(
    packs: Sequence[LoadedPack], folder: str, key: str
) -> tuple[list[SpecFile], list[Problem]]:
    """The effective files of ``folder``, one per name (the ``key`` field: ``form``,
    ``workflow``), in the order names were first declared.

    Packs apply in load order (base packs first). Within a pack, its declarations come first: a
    declaration replaces a base pack's file of the same name whole. Then its ``extend: <name>``
    files, in file-name order, merge into the file so far (see :mod:`engine.packs.merge`); the
    merged file is validated as one and keeps each value's own position. Declaring one name
    twice in the same pack is a ``<key>_duplicate`` problem; extending a name nobody declared
    is ``pack_extend_unknown``.
    """
    problems: list[Problem] = []
    chosen: dict[str, SpecFile] = {}
    model = PACK_FOLDERS.get(folder)
    for pack in packs:
        seen_here: dict[str, SpecFile] = {}
        for spec_file in pack.specs(folder):
            name = getattr(spec_file.spec, key)
            if name in seen_here:
                problems.append(Problem(
                    f"{key}_duplicate",
                    f"{key} '{name}' is declared twice in this pack (also in "
                    f"{seen_here[name].doc.file}); a later pack may replace it by its name, "
                    f"or change it with 'extend: {name}'",
                    spec_file.doc.pos((key,))))
                continue
            seen_here[name] = spec_file
            chosen[name] = spec_file
        for doc in pack.extensions.get(folder, []):
            merged = _apply_extension(doc, chosen, model, key, problems)
            if merged is not None:
                chosen[getattr(merged.spec, key)] = merged
    return list(chosen.values()), problems


def _apply_extension(doc: SourceDocument, chosen: dict[str, SpecFile], model: type | None,
                     key: str, problems: list[Problem]) -> SpecFile | None:
    name = doc.data.get("extend")
    keys: MergeKeys | None = getattr(model, "merge_keys", None)
    if model is None or keys is None:  # pragma: no cover - _read_pack keeps these out
        return None
    base = chosen.get(str(name))
    if base is None:
        hint = did_you_mean(str(name), chosen) or (
            f"; declared: {', '.join(sorted(chosen))}" if chosen else "; none is declared")
        problems.append(Problem(
            "pack_extend_unknown",
            f"'extend: {name}' names no {key} of the packs this one extends{hint}",
            doc.pos(("extend",))))
        return None
    result = merge_document(base.doc, doc, keys, str(name))
    problems.extend(result.problems)
    spec, errs = validate_spec(result.document, model)
    problems.extend(explain_new_elements(result, errs))
    return SpecFile(spec, result.document) if spec is not None else None


def unknown_object(kind: str, name: str, object_name: str, declared: Collection[str],
                   doc: SourceDocument) -> list[Problem]:
    """The ``<kind>_unknown_object`` problem of a file whose ``object:`` names no object; none
    when the object is declared but failed to compile (that was reported already)."""
    if object_name in declared:
        return []
    return [Problem(f"{kind}_unknown_object",
                    f"{kind} '{name}' is for unknown object '{object_name}'"
                    f"{did_you_mean(object_name, declared)}", doc.pos(("object",)))]


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it (shorter messages)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def load_packs(paths: Sequence[Path | str]) -> list[LoadedPack]:
    """Load the packs at ``paths`` and every pack they extend, base packs first, each once.

    Raises :class:`PackError` with every problem found across all files.
    """
    loaded: dict[Path, LoadedPack] = {}
    order: list[LoadedPack] = []
    problems: list[Problem] = []

    def visit(path: Path, chain: tuple[Path, ...], referrer: SourcePos | None) -> None:
        path = path.resolve()
        if path in chain:
            cycle = " -> ".join(p.name for p in (*chain, path))
            problems.append(Problem("pack_extends_cycle", f"packs extend each other: {cycle}",
                                    referrer))
            return
        if path in loaded:
            return
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            what = "folder" if path.is_dir() else "path"
            problems.append(
                Problem("pack_not_found",
                        f"no pack at '{display_path(path)}': the {what} has no {MANIFEST}",
                        referrer)
            )
            return
        try:
            pack = _read_pack(path)
        except PackError as exc:
            problems.extend(exc.problems)
            return
        loaded[path] = pack
        for i, base in enumerate(pack.manifest.extends):
            visit(_resolve_base(path, base), (*chain, path),
                  pack.manifest_doc.pos(("extends", i)))
        order.append(pack)

    for p in paths:
        visit(Path(p), (), None)
    names: dict[str, LoadedPack] = {}
    for pack in order:
        if pack.manifest.name in names:
            problems.append(Problem(
                "pack_duplicate_name",
                f"two packs are named '{pack.manifest.name}': "
                f"{display_path(names[pack.manifest.name].path)} and {display_path(pack.path)}",
                pack.manifest_doc.pos(("name",)),
            ))
        names[pack.manifest.name] = pack
    if problems:
        raise PackError(problems)
    return order


def _resolve_base(pack_path: Path, base: str) -> Path:
    candidate = (pack_path / base)
    if (candidate / MANIFEST).is_file():
        return candidate
    # A bare name: a pack folder beside this one.
    sibling = pack_path.parent / base
    return sibling if (sibling / MANIFEST).is_file() else candidate


def _read_pack(path: Path) -> LoadedPack:
    problems: list[Problem] = []
    manifest_doc = load_yaml_document(path / MANIFEST, display_path(path / MANIFEST))
    manifest, errs = validate_spec(manifest_doc, PackManifest)
    if manifest is None:
        raise PackError(errs)
    pack = LoadedPack(path=path, manifest=manifest, manifest_doc=manifest_doc)
    for entry in sorted(path.iterdir()):
        # desk/ is seed data `flowdesk desk apply` reads (engine/packs/desk_seed.py);
        # imports/ holds example import mappings (docs/imports.md), data the loader ignores.
        if entry.name.startswith(".") or entry.name in (MANIFEST, "tests", "demo", "desk",
                                                        "imports", "README.md"):
            continue
        if entry.is_dir() and entry.name not in PACK_FOLDERS:
            if any(entry.glob("*.yaml")):
                problems.append(_unknown_place(entry))
            continue
        if entry.is_file() and entry.suffix in (".yaml", ".yml"):
            problems.append(_unknown_place(entry))
    for folder, model in PACK_FOLDERS.items():
        files: list[SpecFile] = []
        for file in sorted((path / folder).glob("*.y*ml")):
            try:
                doc = load_yaml_document(file, display_path(file))
            except PackError as exc:
                problems.extend(exc.problems)
                continue
            if not isinstance(doc.data, dict):
                problems.append(Problem("invalid_value", "the file must hold a mapping",
                                        doc.pos(())))
                continue
            if "extend" in doc.data and getattr(model, "merge_keys", None) is not None:
                if isinstance(doc.data["extend"], str):
                    pack.extensions.setdefault(folder, []).append(doc)
                else:
                    problems.append(Problem("invalid_value", "'extend:' takes the name of the "
                                            "file to change", doc.pos(("extend",))))
                continue
            if "extend" in doc.data and "extend" not in getattr(model, "model_fields", {}):
                problems.append(Problem(
                    "pack_extend_unsupported",
                    f"files under {folder}/ cannot say 'extend:' yet (their model declares no "
                    "merge keys): declare the whole file under its name, which replaces the "
                    "base pack's", doc.key_pos(("extend",))))
                continue
            spec, errs = validate_spec(doc, model)
            problems.extend(errs)
            if spec is not None:
                files.append(SpecFile(spec, doc))
        pack.files[folder] = files
    if problems:
        raise PackError(problems)
    return pack


def _unknown_place(entry: Path) -> Problem:
    known = ", ".join(f"{f}/" for f in PACK_FOLDERS)
    return Problem(
        "pack_unknown_file",
        f"'{entry.name}' is not part of the pack layout: put YAML files in {known} "
        f"(besides {MANIFEST})",
        SourcePos(display_path(entry), 1, 1),
    )
