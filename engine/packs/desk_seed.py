"""Reading the desk seed of loaded packs (``desk/*.yaml``), base packs first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import PackError, Problem
from engine.packs.desk_models import DESK_FOLDER, DeskSeedSpec
from engine.packs.loader import LoadedPack, display_path
from engine.packs.source import SourceDocument, load_yaml_document
from engine.packs.spec_errors import validate_spec

__all__ = ["DeskSeedFile", "read_desk_seeds"]


@dataclass(frozen=True, slots=True)
class DeskSeedFile:
    spec: DeskSeedSpec
    doc: SourceDocument


def read_desk_seeds(packs: Sequence[LoadedPack]) -> list[DeskSeedFile]:
    """Every ``desk/*.yaml`` of ``packs``, validated; raises :class:`PackError` with every
    problem at its ``file:line:col``."""
    files: list[DeskSeedFile] = []
    problems: list[Problem] = []
    for pack in packs:
        for path in sorted((pack.path / DESK_FOLDER).glob("*.y*ml")):
            try:
                doc = load_yaml_document(path, display_path(path))
            except PackError as exc:
                problems.extend(exc.problems)
                continue
            spec, errs = validate_spec(doc, DeskSeedSpec)
            problems.extend(errs)
            if spec is not None:
                files.append(DeskSeedFile(spec, doc))
    if problems:
        raise PackError(problems)
    return files
