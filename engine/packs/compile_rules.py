"""Compiling the rule-DSL expressions objects carry (computed fields, validation rules).

Every expression is parsed, type-checked against the object schemas and compiled here, at
load; a mistake is reported at the YAML file's line and column of the expression.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DslError, Problem
from engine.objects.dsl_types import field_dsl_type, record_types
from engine.objects.model import ObjectType, Text, ValidationRule, frozen_map
from engine.packs.source import SourceDocument
from engine.rules_dsl import FunctionRegistry, TypeEnv, compile_expression
from engine.rules_dsl.types import BOOLEAN, RecordType

__all__ = ["RuleSources", "attach_rules", "dsl_problem"]

Located = tuple[Any, SourceDocument, tuple[Any, ...]]


@dataclass(slots=True)
class RuleSources:
    """The DSL texts of one object, with where each came from."""

    computed: dict[str, Located] = field(default_factory=dict)
    validations: dict[str, Located] = field(default_factory=dict)


def dsl_problem(exc: DslError, doc: SourceDocument, path: tuple[Any, ...], what: str) -> Problem:
    """A DSL error as a pack problem at the file position of the offending character."""
    pos = doc.expression_pos(path, exc.line, exc.col)
    context = f"\n{exc.context}" if exc.context else ""
    return Problem(exc.code, f"{what}: {exc.message}{context}", pos)


def attach_rules(objects: Mapping[str, ObjectType], sources: Mapping[str, RuleSources],
                 problems: list[Problem],
                 functions: FunctionRegistry | None = None) -> dict[str, ObjectType]:
    records = record_types(objects)
    out: dict[str, ObjectType] = {}
    for name, obj in objects.items():
        src = sources.get(name, RuleSources())
        out[name] = _with_rules(obj, src, records, problems, functions)
    return out


def _with_rules(obj: ObjectType, src: RuleSources, records: Mapping[str, RecordType],
                problems: list[Problem], functions: FunctionRegistry | None) -> ObjectType:
    if not src.computed and not src.validations:
        return obj
    env = TypeEnv.for_record(records, obj.name)
    fields = dict(obj.fields)
    for fname, (text, doc, path) in src.computed.items():
        f = fields[fname]
        try:
            compiled = compile_expression(text, env, expected=field_dsl_type(f),
                                          functions=functions)
        except DslError as exc:
            problems.append(dsl_problem(exc, doc, path, f"computed field '{obj.name}.{fname}'"))
            continue
        fields[fname] = dataclasses.replace(f, computed=compiled)
    rules: list[ValidationRule] = []
    for rname, (spec, doc, path) in src.validations.items():
        for i, fname in enumerate(spec.fields):
            if fname not in obj.fields:
                problems.append(Problem(
                    "validation_unknown_field",
                    f"validation '{rname}' names unknown field '{fname}' of '{obj.name}'",
                    doc.pos((*path, "fields", i))))
        try:
            check = compile_expression(spec.rule, env, expected=BOOLEAN, functions=functions)
        except DslError as exc:
            problems.append(dsl_problem(exc, doc, (*path, "rule"), f"validation '{rname}'"))
            continue
        rules.append(ValidationRule(
            name=rname, check=check, message=Text(spec.message.en, spec.message.zh_CN),
            fields=tuple(spec.fields), on=spec.on, pos=doc.pos(path)))
    return dataclasses.replace(obj, fields=frozen_map(fields), validations=tuple(rules))
