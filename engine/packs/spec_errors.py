"""Turning pydantic validation errors into positioned pack problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import Problem, did_you_mean
from engine.packs.source import Path_, SourceDocument

__all__ = ["validate_spec"]

M = TypeVar("M", bound=BaseModel)


def validate_spec(
    doc: SourceDocument, model: type[M], data: Any = None, base: Path_ = ()
) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` (default: the whole document) as ``model``; problems carry positions."""
    value = doc.data if data is None else data
    try:
        return model.model_validate(value), []
    except ValidationError as exc:
        return None, [_problem(doc, model, base, err) for err in exc.errors()]


def _data_path(doc: SourceDocument, base: Path_, loc: tuple[Any, ...]) -> Path_:
    """The longest prefix of ``loc`` that names a node of the document (pydantic adds union
    member names and other tags to locations that are not in the data)."""
    path: list[Any] = list(base)
    node = doc.data
    for part in base:
        node = node[part]
    for part in loc:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            node = node[part]
            path.append(part)
    return tuple(path)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of ``loc`` (for did-you-mean on keys)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            # Mapping values (dict[str, Model]) are addressed by key: stay on the value model.
            continue
        current = _first_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _first_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


#: Characters no key has but rules do: a key holding one is the rest of a rule that an
#: unquoted comma cut off inside a flow mapping (``{rule: coalesce(a, b) != ""}``).
_RULE_CHARS = frozenset(' ()[]"\'=!<>+*/%')


def _cut_rule_hint(key: object) -> str:
    if isinstance(key, str) and any(ch in _RULE_CHARS for ch in key):
        return ("; this looks like the rest of a rule cut at a comma: inside '{...}' a comma "
                "ends the value, so quote the rule, e.g. 'coalesce(a, b) != \"\"'")
    return ""


def _problem(doc: SourceDocument, model: type[BaseModel], base: Path_, err: Any) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        cut = _cut_rule_hint(key)
        if cut:
            return Problem("unknown_key", f"unknown key '{key}'{cut}",
                           doc.key_pos(_data_path(doc, base, loc)))
        owner = _model_at(model, loc)
        known = [
            (f.alias or name) for name, f in (owner.model_fields.items() if owner else [])
        ]
        path = _data_path(doc, base, loc)
        hint = did_you_mean(str(key), known)
        allowed = f"; allowed keys: {', '.join(known)}" if known and not hint else ""
        return Problem("unknown_key", f"unknown key '{key}'{hint}{allowed}", doc.key_pos(path))
    path = _data_path(doc, base, loc)
    where = ".".join(str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper()))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # A polymorphic entry (`type:` tells which): point at its type.
        ctx = err.get("ctx", {})
        key = str(ctx.get("discriminator", "'type'")).strip("'")
        if kind == "union_tag_not_found":
            return Problem("missing_key", f"{where}: missing required key '{key}'",
                           doc.pos(path))
        expected = str(ctx.get("expected_tags", ""))
        choices = [c.strip().strip("'") for c in expected.split(",")]
        given = str(ctx.get("tag", ""))
        return Problem(
            "invalid_value",
            f"{where}.{key}: '{given}' is not one of {expected}{did_you_mean(given, choices)}",
            doc.pos((*path, key)))
    if kind == "missing":
        return Problem("missing_key", f"missing required key '{loc[-1]}'", doc.pos(path))
    message = err["msg"]
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",")]
        given = str(err["input"])
        message = f"'{given}' is not one of {expected}{did_you_mean(given, choices)}"
    elif kind == "string_pattern_mismatch":
        message = (
            f"'{err['input']}' is not a valid name: use lower case letters, digits and '_', "
            "starting with a letter (at most 48 characters)"
        ) + _cut_rule_hint(err["input"])
    return Problem("invalid_value", f"{where}: {message}" if where else message, doc.pos(path))
