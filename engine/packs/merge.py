"""Additive, by-name merge of pack documents: how an extending pack changes a base pack's file
without copying it.

A file that says ``extend: <name>`` (instead of ``workflow: <name>``, ``sla: <name>``...) is
merged into the file of that name from the packs before it:

- a mapping merges key by key (``states``, ``metrics``, ``targets``, labels...);
- a *named list* (declared per kind in :class:`MergeKeys`: transitions by ``name``, routing
  rules by ``name``, form sections by ``name`` and their fields by ``field``...) merges element
  by element, matched by that key; a new element is appended, or put ``before:``/``after:`` a
  named element;
- any other list, and every scalar, is replaced by the extension's value;
- ``replace: true`` on a mapping entry or list element replaces it whole instead of merging;
  ``remove: true`` drops it.

Every value of the result keeps the position of the file that declared or last changed it, so
later errors and ``flowdesk pack show --origins`` point at the right file. The merge is a pure
function of documents (data + positions): a designer overlay kept in the database builds its
documents with :func:`document_from_data` and merges through the same code.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from engine.errors import PackError, Problem, SourcePos, did_you_mean
from engine.packs.source import Path_, SourceDocument
from engine.packs.spec_errors import validate_spec

__all__ = ["MergeKeys", "MergedDocument", "MergeResult", "merge_document", "merge_spec",
           "explain_new_elements",
           "document_from_data", "MARKERS"]

#: Keys an extension writes to steer the merge; they never reach the merged document.
MARKERS = ("replace", "remove", "before", "after")


@dataclass(frozen=True, slots=True)
class MergeKeys:
    """How the files of one kind merge: the key naming the file's subject, and the named lists
    inside it. A list's path is written with ``[]`` for "each element" and ``*`` for "each
    mapping key", e.g. ``sections.[].fields`` → ``field``. A key may give alternatives,
    ``name|field``: the first an element has names it (a plain string element is shorthand
    for the last)."""

    name: str
    lists: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class MergedDocument(SourceDocument):
    """A document assembled from several files; each position names its own file."""

    sources: dict[str, SourceDocument] = field(default_factory=dict)

    def expression_pos(self, path: Path_, line: int, col: int) -> SourcePos:
        source = self.sources.get(self.pos(path).file)
        if source is None:
            return super().expression_pos(path, line, col)
        # Re-read the position in the file the text came from (its own lines and style).
        view = SourceDocument(file=source.file, data=None, lines=source.lines)
        view.value_positions[tuple(path)] = self.pos(path)
        style = self.scalar_styles.get(tuple(path))
        view.scalar_styles[tuple(path)] = style
        return view.expression_pos(path, line, col)


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged document, the problems found, and the elements the extension added, by
    position: (what, its name, the names beside it), so a later "missing key" can say the
    element was new and suggest the existing name that was meant."""

    document: MergedDocument
    problems: list[Problem]
    added: dict[SourcePos, tuple[str, str, list[str]]]


@dataclass(slots=True)
class _Node:
    value: Any  # dict[Hashable, _Node] | list[_Node] | a scalar
    pos: SourcePos
    key_pos: SourcePos | None = None
    style: str | None = None


def _tree(doc: SourceDocument, data: Any, path: Path_) -> _Node:
    pos = doc.pos(path)
    key_pos = doc.key_positions.get(path)
    if isinstance(data, dict):
        return _Node({k: _tree(doc, v, (*path, k)) for k, v in data.items()}, pos, key_pos)
    if isinstance(data, list):
        return _Node([_tree(doc, v, (*path, i)) for i, v in enumerate(data)], pos, key_pos)
    return _Node(data, pos, key_pos, doc.scalar_styles.get(path))


def _flatten(node: _Node, doc: SourceDocument, path: Path_) -> Any:
    doc.value_positions[path] = node.pos
    if node.key_pos is not None and path:
        doc.key_positions[path] = node.key_pos
    if isinstance(node.value, dict):
        return {k: _flatten(v, doc, (*path, k)) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_flatten(v, doc, (*path, i)) for i, v in enumerate(node.value)]
    doc.scalar_styles[path] = node.style
    return node.value


def document_from_data(data: Mapping[str, Any], origin: str) -> SourceDocument:
    """A document for data that came from no file (a designer overlay in the database): every
    position is ``origin:1:1``."""
    doc = SourceDocument(file=origin, data=None)
    root = _Node(None, SourcePos(origin, 1, 1))

    def build(value: Any) -> _Node:
        if isinstance(value, Mapping):
            return _Node({k: build(v) for k, v in value.items()}, root.pos, root.pos)
        if isinstance(value, list | tuple):
            return _Node([build(v) for v in value], root.pos, root.pos)
        return _Node(value, root.pos)

    doc.data = _flatten(build(dict(data)), doc, ())
    return doc


class _Merger:
    def __init__(self, keys: MergeKeys) -> None:
        self.keys = keys
        self.problems: list[Problem] = []
        self.added: dict[SourcePos, tuple[str, str, list[str]]] = {}

    def list_key(self, pattern: str) -> str | None:
        for declared, key in self.keys.lists.items():
            parts, wanted = pattern.split("."), declared.split(".")
            if len(parts) == len(wanted) and all(
                    w in (p, "*") or (w == "*" and p != "[]") for p, w in zip(parts, wanted,
                                                                             strict=True)):
                return key
        return None

    def merge(self, base: _Node, ext: _Node, pattern: str, what: str) -> _Node:
        if isinstance(base.value, dict) and isinstance(ext.value, dict):
            return self.merge_mapping(base, ext, pattern, what)
        if isinstance(base.value, list) and isinstance(ext.value, list):
            key = self.list_key(pattern)
            if key is not None:
                return self.merge_named_list(base, ext, key, pattern, what)
        return _strip(ext, self.problems)

    def merge_mapping(self, base: _Node, ext: _Node, pattern: str, what: str) -> _Node:
        out: dict[Hashable, _Node] = dict(base.value)
        element = pattern.endswith("[]")
        for key, node in ext.value.items():
            if pattern and key in (MARKERS if element else ("replace", "remove")):
                continue
            sub = f"{pattern}.{key}" if pattern else str(key)
            label = f"{what}.{key}" if what else str(key)
            marks = _markers(node)
            if marks.get("remove") is True:
                if key not in out:
                    self.problems.append(_unknown("remove", label, str(key), out, node))
                else:
                    del out[key]
                continue
            if key in out and marks.get("replace") is not True:
                _check_markers(node, self.problems)
                merged = self.merge(out[key], node, sub, label)
                merged.key_pos = node.key_pos or out[key].key_pos
                out[key] = merged
            else:
                if key not in out and isinstance(node.value, dict):
                    self.added[node.pos] = (label, str(key), [str(k) for k in out])
                out[key] = _strip(node, self.problems)
        return _Node(out, ext.pos if ext.value else base.pos, base.key_pos)

    def merge_named_list(self, base: _Node, ext: _Node, key: str, pattern: str,
                         what: str) -> _Node:
        items: list[_Node] = list(base.value)
        for node in ext.value:
            name = _element_key(node, key)
            marks = _markers(node)
            names = [n for n in (_element_key(i, key) for i in items) if n is not None]
            label = f"{what}[{name}]" if name is not None else f"{what}[]"
            found = next((i for i, item in enumerate(items)
                          if name is not None and _element_key(item, key) == name), None)
            if marks.get("remove") is True:
                if found is None:
                    self.problems.append(_unknown("remove", label, str(name), names, node))
                else:
                    del items[found]
                continue
            if found is not None and marks.get("replace") is not True:
                _check_markers(node, self.problems)
                merged = self.merge(_expand(items[found], key), node, f"{pattern}.[]", label)
                merged.pos = node.pos
                del items[found]
                element, at = merged, found
            else:
                if found is not None:
                    del items[found]
                elif isinstance(node.value, dict):
                    self.added[node.pos] = (label, str(name), [str(n) for n in names])
                element, at = _strip(node, self.problems, element=True), (
                    found if found is not None else len(items))
            at = self.position(node, marks, items, key, label, at)
            items.insert(at, element)
        return _Node(items, ext.pos, base.key_pos)

    def position(self, node: _Node, marks: dict[str, Any], items: list[_Node], key: str,
                 label: str, default: int) -> int:
        for marker, offset in (("before", 0), ("after", 1)):
            if marker not in marks:
                continue
            target = str(marks[marker])
            names = [str(_element_key(i, key)) for i in items]
            if target not in names:
                where = node.value[marker].pos if isinstance(node.value, dict) else node.pos
                self.problems.append(Problem(
                    "pack_merge_position",
                    f"{label}: '{marker}: {target}' names no element of the list"
                    f"{did_you_mean(target, names)}", where))
                return default
            return names.index(target) + offset
        return default


def _markers(node: _Node) -> dict[str, Any]:
    """The merge markers an extension's element carries (checked by :func:`_strip`)."""
    if not isinstance(node.value, dict):
        return {}
    return {k: v.value for k, v in node.value.items() if k in MARKERS}


def _element_key(node: _Node, key: str) -> Hashable | None:
    if isinstance(node.value, dict):
        for alternative in key.split("|"):
            found = node.value.get(alternative)
            if found is not None and not isinstance(found.value, dict | list):
                return found.value
        return None
    if isinstance(node.value, str | int):
        return node.value  # the shorthand of a named list: ``- subject`` is ``{field: subject}``
    return None


def _expand(node: _Node, key: str) -> _Node:
    """A shorthand element (``- subject``) as the mapping it stands for."""
    if isinstance(node.value, dict):
        return node
    shorthand = key.split("|")[-1]
    return _Node({shorthand: _Node(node.value, node.pos, None, node.style)}, node.pos,
                 node.key_pos)


def _check_markers(node: _Node, problems: list[Problem]) -> None:
    if isinstance(node.value, dict):
        for k in ("replace", "remove"):
            if k in node.value and node.value[k].value is not True:
                problems.append(Problem("pack_merge_marker", f"'{k}:' takes only 'true'",
                                        node.value[k].pos))


def _strip(node: _Node, problems: list[Problem], element: bool = False) -> _Node:
    """``node`` without its own merge markers: ``replace``/``remove``, and ``before``/``after``
    on an element of a named list (elsewhere ``after`` may be a real key: a time trigger's).
    Deeper values are data and keep every key."""
    if not isinstance(node.value, dict):
        return node
    _check_markers(node, problems)
    drop = MARKERS if element else ("replace", "remove")
    kept = {k: v for k, v in node.value.items() if k not in drop}
    return _Node(kept, node.pos, node.key_pos)


def _unknown(action: str, label: str, name: str, known: Any, node: _Node) -> Problem:
    names = [str(k) for k in known]
    return Problem("pack_merge_unknown",
                   f"cannot {action} {label}: the base has no such element"
                   f"{did_you_mean(name, names)}", node.pos)


def merge_document(base: SourceDocument, extension: SourceDocument, keys: MergeKeys,
                   name: str) -> MergeResult:
    """``base`` with ``extension`` (a file that says ``extend: <name>``) merged into it.

    Pure: neither document changes. The result's ``file`` is the base's; its positions name
    the file each value came from.
    """
    merger = _Merger(keys)
    base_tree = _tree(base, base.data, ())
    ext_tree = _tree(extension, extension.data, ())
    ext_tree.value = {k: v for k, v in ext_tree.value.items() if k != "extend"}
    merged = merger.merge_mapping(base_tree, ext_tree, "", "")
    merged.pos = base_tree.pos
    if keys.name in merged.value:
        merged.value[keys.name] = _Node(name, merged.value[keys.name].pos,
                                        merged.value[keys.name].key_pos)
    sources = dict(getattr(base, "sources", {}) or {base.file: base})
    sources[extension.file] = extension
    doc = MergedDocument(file=base.file, data=None, lines=base.lines, sources=sources)
    doc.data = _flatten(merged, doc, ())
    return MergeResult(doc, merger.problems, merger.added)


M = TypeVar("M", bound=BaseModel)


def explain_new_elements(result: MergeResult, problems: list[Problem]) -> list[Problem]:
    """``problems`` (of validating the merged document), where a required key is missing
    from an element the extension added, saying so and suggesting the existing name that was
    probably meant (``states.opne`` → ``open``)."""
    out: list[Problem] = []
    for err in problems:
        new = result.added.get(err.pos) if err.pos is not None else None
        if new is not None and err.code == "missing_key":
            label, new_name, near = new
            err = Problem(err.code, f"{err.message}: {label} is new here, so it needs every "
                          f"required key; to change an existing one, use its name"
                          f"{did_you_mean(new_name, near)}", err.pos)
        out.append(err)
    return out


def merge_spec(base: M, overlay: Mapping[str, Any], origin: str) -> M:
    """``base`` (a pack model such as a ``WorkflowSpec``) with ``overlay`` (what an ``extend:``
    file says, as data: a designer's change kept in the database) merged into it by the same
    rules as files; the result is validated as the model. Raises :class:`PackError` with the
    problems, each at ``origin`` or at ``<base>``."""
    model = type(base)
    keys: MergeKeys | None = getattr(model, "merge_keys", None)
    if keys is None:
        raise TypeError(f"{model.__name__} declares no merge_keys: it cannot be extended")
    name = str(getattr(base, keys.name))
    base_doc = document_from_data(base.model_dump(by_alias=True, exclude_unset=True,
                                                  mode="json"), f"<base {name}>")
    result = merge_document(base_doc, document_from_data(dict(overlay), origin), keys, name)
    merged, problems = validate_spec(result.document, model)
    problems = [*result.problems, *explain_new_elements(result, problems)]
    if problems or merged is None:
        raise PackError(problems)
    return merged
