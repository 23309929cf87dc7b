"""Checking and compiling fields' ``from_user:`` values (fields the engine fills from the
signed-in user, such as a message's author).

Each expression sees ``user`` only (as ``users/*.yaml`` declares it), must have the field's
type, and is reported at its file, line and column when it does not. A later pack's
``from_user`` for the same field (``extend:``) replaces the base pack's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import DslError, Problem
from engine.objects.dsl_types import field_dsl_type, record_types
from engine.objects.model import ObjectType, frozen_map
from engine.packs.compile_rules import dsl_problem
from engine.packs.loader import LoadedPack
from engine.packs.models import ObjectSpec
from engine.packs.source import SourceDocument
from engine.rules_dsl import CompiledExpression, RecordType, TypeEnv, compile_expression

__all__ = ["compile_user_defaults"]

_USER = "user"


def compile_user_defaults(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], user_type: RecordType,
) -> tuple[Mapping[str, Mapping[str, CompiledExpression]], list[Problem]]:
    """Object name -> field name -> the compiled ``from_user`` expression of that field."""
    sources: dict[tuple[str, str], tuple[str, SourceDocument, tuple[Any, ...]]] = {}
    for pack in packs:
        for spec_file in pack.specs("objects"):
            spec, doc = spec_file.spec, spec_file.doc
            assert isinstance(spec, ObjectSpec)
            name = spec.object or spec.extend
            for fname, fspec in spec.fields.items():
                if name is not None and fspec.from_user is not None:
                    sources[(name, fname)] = (fspec.from_user, doc,
                                              ("fields", fname, "from_user"))
    env = TypeEnv(objects=record_types(objects), variables={_USER: user_type},
                  context_names=frozenset({_USER}))
    problems: list[Problem] = []
    compiled: dict[str, dict[str, CompiledExpression]] = {}
    for (name, fname), (text, doc, path) in sources.items():
        field = objects[name].fields.get(fname) if name in objects else None
        if field is None:
            continue  # the object or field failed to compile: reported there
        what = f"field '{name}.{fname}': from_user"
        if field.read_only:
            problems.append(Problem(
                "field_from_user_read_only",
                f"{what} fills a field users may give, but '{fname}' is read-only (or "
                "computed) for everyone; drop its read_only and list it in the read_only of "
                "the roles that may not set it", doc.pos(path)))
            continue
        try:
            check = compile_expression(text, env, expected=field_dsl_type(field))
        except DslError as exc:
            problems.append(dsl_problem(exc, doc, path, what))
            continue
        compiled.setdefault(name, {})[fname] = check
    return frozen_map({k: frozen_map(v) for k, v in compiled.items()}), problems
