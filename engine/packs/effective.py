"""The effective pack: every file kind after ``extends:`` and ``extend:`` merges, with the origin
(``file:line:col``) of each value, as ``flowdesk pack show`` prints it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from engine.errors import PackError, Problem
from engine.packs.loader import PACK_FOLDERS, LoadedPack, latest_by_name
from engine.packs.merge import MergeKeys, merge_document
from engine.packs.source import Path_, SourceDocument

__all__ = ["EffectiveFile", "effective_files", "as_yaml", "as_json"]

#: Objects merge in the object compiler (``extend: <object>``); shown through the same merge.
_OBJECT_KEYS = MergeKeys("object", {"validations": "name", "indexes": "name",
                                    "fields.*.options": "value"})

EffectiveFile = tuple[str, SourceDocument]


def effective_files(packs: Sequence[LoadedPack], kinds: Sequence[str] = ()) -> list[EffectiveFile]:
    """(kind, merged document) for each effective file of the chosen kinds (default: all),
    in folder order, then in the order names were first declared."""
    out: list[EffectiveFile] = []
    problems: list[Problem] = []
    for folder, model in PACK_FOLDERS.items():
        if kinds and folder not in kinds:
            continue
        keys: MergeKeys | None = getattr(model, "merge_keys", None)
        if keys is not None:
            chosen, found = latest_by_name(packs, folder, keys.name)
            problems.extend(found)
            out.extend((folder, f.doc) for f in chosen)
        elif folder == "objects":
            out.extend((folder, doc) for doc in _objects(packs, problems))
        else:
            out.extend((folder, f.doc) for pack in packs for f in pack.specs(folder))
    if problems:
        raise PackError(problems)
    return out


def _objects(packs: Sequence[LoadedPack], problems: list[Problem]) -> list[SourceDocument]:
    docs: dict[str, SourceDocument] = {}
    for pack in packs:
        for spec_file in pack.specs("objects"):
            doc = spec_file.doc
            name = doc.data.get("object")
            if name is not None:
                docs[str(name)] = doc
                continue
            base = docs.get(str(doc.data.get("extend")))
            if base is not None:  # a missing base is the object compiler's problem to report
                result = merge_document(base, doc, _OBJECT_KEYS, str(base.data["object"]))
                problems.extend(result.problems)
                docs[str(base.data["object"])] = result.document
    return list(docs.values())


def _origins(doc: SourceDocument, data: Any, path: Path_, out: dict[str, str]) -> None:
    out["/" + "/".join(str(p) for p in path)] = str(doc.pos(path))
    if isinstance(data, dict):
        for k, v in data.items():
            _origins(doc, v, (*path, k), out)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _origins(doc, v, (*path, i), out)


def as_json(files: Sequence[EffectiveFile], origins: bool) -> str:
    """``{kind: [data...]}``, or with ``origins`` ``{kind: [{data, origins: {pointer: pos}}]}``
    (JSON pointers into ``data``)."""
    result: dict[str, list[Any]] = {}
    for kind, doc in files:
        if origins:
            found: dict[str, str] = {}
            _origins(doc, doc.data, (), found)
            result.setdefault(kind, []).append({"data": doc.data, "origins": found})
        else:
            result.setdefault(kind, []).append(doc.data)
    return json.dumps(result, indent=2, ensure_ascii=False, default=str)


def as_yaml(files: Sequence[EffectiveFile], origins: bool) -> str:
    """One YAML document per effective file (``--- # kind``); with ``origins`` every line ends
    with a comment naming the file, line and column its value came from."""
    chunks: list[str] = []
    for kind, doc in files:
        lines = [f"--- # {kind}: {doc.file}"]
        _emit(doc, doc.data, (), 0, lines, origins)
        chunks.append("\n".join(lines))
    return "\n".join(chunks) + "\n"


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 30)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _emit(doc: SourceDocument, data: Any, path: Path_, indent: int, lines: list[str],
          origins: bool) -> None:
    pad = " " * indent

    def note(p: Path_) -> str:
        return f"  # {doc.pos(p)}" if origins else ""

    if isinstance(data, dict):
        for k, v in data.items():
            sub = (*path, k)
            key = _scalar(str(k))
            if isinstance(v, dict | list) and v:
                lines.append(f"{pad}{key}:{note(sub)}")
                _emit(doc, v, sub, indent + 2, lines, origins)
            else:
                lines.append(f"{pad}{key}: {_scalar(v)}{note(sub)}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            sub = (*path, i)
            if isinstance(v, dict | list) and v:
                lines.append(f"{pad}-{note(sub)}")
                _emit(doc, v, sub, indent + 2, lines, origins)
            else:
                lines.append(f"{pad}- {_scalar(v)}{note(sub)}")
