"""A proposed ``sla/*.yaml`` outside the pack, checked as if it were in it (``flowdesk sla
simulate --policy FILE``).

The file must replace one of the packs' SLAs (same ``sla:`` name, same object); it is checked
like a pack file, every problem at ``FILE:line:col``, and compiled against the packs' objects,
workflows and calendars.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.errors import PackError, Problem, SourcePos, did_you_mean
from engine.packs import compile_registry
from engine.packs.loader import LoadedPack, SpecFile, display_path, load_packs
from engine.packs.registry import Registry
from engine.packs.sla_models import SlaSpec
from engine.packs.source import load_yaml_document
from engine.packs.spec_errors import validate_spec
from engine.workflows.sla import SlaDefinition

__all__ = ["load_proposed_sla"]


def load_proposed_sla(pack_paths: Sequence[Path | str],
                      file: Path) -> tuple[Registry, SlaDefinition]:
    """The packs' registry and the SLA that ``file`` proposes in place of the one of the same
    name. Raises :class:`PackError` with the file's problems (or the packs')."""
    packs = load_packs(pack_paths)
    current = compile_registry(packs)
    if not file.is_file():
        raise PackError([Problem("sla_proposal_not_found",
                                 f"no proposed SLA file at '{file}'",
                                 SourcePos(display_path(file), 1, 1))])
    doc = load_yaml_document(file, display_path(file))
    if not isinstance(doc.data, dict):
        raise PackError([Problem("invalid_value", "the file must hold a mapping", doc.pos(()))])
    spec, problems = validate_spec(doc, SlaSpec)
    if spec is None:
        raise PackError(problems)
    existing = current.slas.get(spec.sla)
    if existing is None:
        names = ", ".join(sorted(current.slas)) or "none"
        raise PackError([Problem(
            "sla_proposal_unknown",
            f"the proposal names sla '{spec.sla}', which the packs do not have"
            f"{did_you_mean(spec.sla, current.slas)}; it must replace one of: {names}",
            doc.pos(("sla",)))])
    if spec.object != existing.object:
        raise PackError([Problem(
            "sla_proposal_other_object",
            f"sla '{spec.sla}' measures object '{existing.object}'; a proposal for it must "
            f"too (it says '{spec.object}')", doc.pos(("object",)))])
    base = packs[-1]
    overlay = LoadedPack(path=file.parent, manifest=base.manifest,
                         manifest_doc=base.manifest_doc, files={"sla": [SpecFile(spec, doc)]})
    proposed = compile_registry([*packs, overlay])
    return current, proposed.slas[spec.sla]

