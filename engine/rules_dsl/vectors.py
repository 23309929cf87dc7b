"""Conformance vectors: data files of (expression, schema, bindings, expected value or error).

A vectors file is YAML::

    schema:                       # the typing environment for every case
      objects: {ticket: {priority: "enum<P1,P2,P3,P4>", tags: list<string>}}
      record: ticket              # whose fields are the root names (optional)
      change_context: true        # enables old and changed() (optional)
      event: sla_event            # an object typing `event` (optional; context: event: {})
      variables: {limit: integer} # further root names (optional)
    records: {customer: {"7": {tier: gold}}}   # what EvalContext.load finds (optional)
    bindings: {priority: P1}      # default bindings, merged under each case's
    context: {now: "2024-03-01T12:00:00Z", timezone: UTC, old: {}, changed: [], user: {},
              event: {}}
    cases:
      - expr: priority == "P1"
        expect: true              # or: error: dsl_unknown_field (+ message: "did you mean")
        name: optional, defaults to the expression
        condition: true           # compile with expected=boolean
        type: boolean             # optional: the expected result type
        xfail: "reason"           # a known gap; must fail (strict)

``flowdesk dsl test FILE...`` and the pytest suite both run files through ``run_case``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from engine.errors import DslError
from engine.rules_dsl import diagnostics as codes
from engine.rules_dsl.bindings import coerce_bindings, coerce_value
from engine.rules_dsl.builtin_functions import parse_datetime
from engine.rules_dsl.compiler import compile_expression
from engine.rules_dsl.environment import DEFAULT_USER_TYPE, TypeEnv
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.runtime import EvalContext
from engine.rules_dsl.types import BOOLEAN, RecordType, type_from_spec

__all__ = ["VectorCase", "CaseResult", "load_vectors", "run_case", "run_file", "shipped_files"]

_MISSING = object()


@dataclass(frozen=True)
class VectorCase:
    file: str
    index: int
    name: str
    expr: str
    env: TypeEnv
    bindings: Mapping[str, Any]
    context: EvalContext
    expect: Any = _MISSING
    error: str | None = None
    message: str | None = None
    line: int | None = None
    col: int | None = None
    condition: bool = False
    type: str | None = None
    xfail: str | None = None
    objects: Mapping[str, RecordType] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{Path(self.file).stem}::{self.name}"


@dataclass(frozen=True)
class CaseResult:
    case: VectorCase
    passed: bool
    detail: str = ""


def _bad(path: str, message: str) -> DslError:
    return DslError(f"{path}: {message}", code=codes.BAD_VECTORS)


def _timezone(spec: Any) -> tzinfo:
    if spec in (None, "UTC", "Z"):
        return UTC
    text = str(spec)
    if text[:1] in "+-" and len(text) == 6:
        sign = 1 if text[0] == "+" else -1
        return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
    from zoneinfo import ZoneInfo

    return ZoneInfo(text)


def _objects(spec: Mapping[str, Any], path: str) -> dict[str, RecordType]:
    objects: dict[str, RecordType] = {}
    raw = spec.get("objects") or {}
    # Two passes so records may nest records declared later (``record<team>``).
    for _ in range(2):
        for name, fields in raw.items():
            try:
                objects[name] = RecordType(
                    name, {f: type_from_spec(t, objects) for f, t in (fields or {}).items()}
                )
            except ValueError as exc:
                if _ == 1:
                    raise _bad(path, f"object {name}: {exc}") from None
    return objects


def _env(schema: Mapping[str, Any], objects: dict[str, RecordType], path: str) -> TypeEnv:
    try:
        variables = {
            k: type_from_spec(v, objects) for k, v in (schema.get("variables") or {}).items()
        }
    except ValueError as exc:
        raise _bad(path, str(exc)) from None
    record = schema.get("record")
    if record is not None:
        if record not in objects:
            raise _bad(path, f"schema.record {record!r} is not among schema.objects")
        event = schema.get("event")
        if event is not None and event not in objects:
            raise _bad(path, f"schema.event {event!r} is not among schema.objects")
        return TypeEnv.for_record(
            objects,
            record,
            change_context=bool(schema.get("change_context")),
            extra=variables,
            event_type=objects[event] if event is not None else None,
        )
    return TypeEnv(objects=objects, variables=variables)


def _context(
    spec: Mapping[str, Any],
    env: TypeEnv,
    objects: Mapping[str, RecordType],
    records: Mapping[str, Mapping[str, Any]],
) -> EvalContext:
    now = parse_datetime(spec["now"]) if spec.get("now") else None
    old = spec.get("old")
    if old is not None and env.record is not None:
        old = coerce_bindings(env.record, old, objects)
    event = spec.get("event")
    event_type = env.variables.get("event")
    if event is not None and isinstance(event_type, RecordType):
        event = coerce_bindings(event_type, event, objects)
    user = spec.get("user")
    if user is not None:
        user_type = env.variables.get("user", DEFAULT_USER_TYPE)
        if isinstance(user_type, RecordType):
            user = coerce_bindings(user_type, user, objects)

    def load(object_name: str, record_id: Any) -> Mapping[str, Any] | None:
        found = (records.get(object_name) or {}).get(str(record_id))
        record = objects.get(object_name)
        return coerce_bindings(record, found, objects) if found and record else found

    return EvalContext(
        now=now,
        timezone=_timezone(spec.get("timezone")),
        load=load,
        old=old,
        changed=frozenset(spec.get("changed") or ()),
        user=user,
        event=event,
    )


def load_vectors(path: str | Path) -> list[VectorCase]:
    """Read a vectors file; raises ``dsl_bad_vectors`` when it is malformed."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _bad(str(path), f"cannot read vectors: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
        raise _bad(str(path), "a vectors file is a mapping with a 'cases' list")
    schema = data.get("schema") or {}
    objects = _objects(schema, str(path))
    env = _env(schema, objects, str(path))
    records = data.get("records") or {}
    cases = []
    for index, raw in enumerate(data["cases"]):
        where = f"{path}: case {index + 1}"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("expr"), str):
            raise _bad(where, "each case needs an 'expr' string")
        if ("expect" in raw) == ("error" in raw):
            raise _bad(where, "each case needs exactly one of 'expect' or 'error'")
        bindings = {**(data.get("bindings") or {}), **(raw.get("bindings") or {})}
        if env.record is not None:
            bindings = coerce_bindings(env.record, bindings, objects)
        for name, t in (schema.get("variables") or {}).items():
            if name in bindings:
                bindings[name] = coerce_value(type_from_spec(t, objects), bindings[name], objects)
        context_spec = {**(data.get("context") or {}), **(raw.get("context") or {})}
        cases.append(
            VectorCase(
                file=str(path),
                index=index,
                name=str(raw.get("name") or raw["expr"]),
                expr=raw["expr"],
                env=env,
                bindings=bindings,
                context=_context(context_spec, env, objects, records),
                expect=raw.get("expect", _MISSING),
                error=raw.get("error"),
                message=raw.get("message"),
                line=raw.get("line"),
                col=raw.get("col"),
                condition=bool(raw.get("condition")),
                type=raw.get("type"),
                xfail=raw.get("xfail"),
                objects=objects,
            )
        )
    return cases


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(expected)
            and all(_same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected) and (expected is None) == (actual is None)


def run_case(case: VectorCase, functions: FunctionRegistry | None = None) -> CaseResult:
    """Compile and evaluate one case and compare with what it expects. ``functions`` lets a
    host's vectors use the functions it registers (default: the built-ins)."""
    expected_type = BOOLEAN if case.condition else None
    try:
        compiled = compile_expression(case.expr, case.env, expected=expected_type,
                                      functions=functions)
        if case.type is not None and str(compiled.type) != case.type:
            return CaseResult(case, False, f"type {compiled.type}, expected {case.type}")
        if case.error is not None:
            return CaseResult(case, False, f"compiled, expected error {case.error}")
        actual = compiled.evaluate(case.bindings, case.context)
    except DslError as exc:
        if case.error is None:
            return CaseResult(case, False, f"unexpected error {exc.code}: {exc.message}")
        problems = []
        if exc.code != case.error:
            problems.append(f"error {exc.code}, expected {case.error}")
        if case.message and case.message.lower() not in exc.message.lower():
            problems.append(f"message {exc.message!r} lacks {case.message!r}")
        if case.line is not None and exc.line != case.line:
            problems.append(f"line {exc.line}, expected {case.line}")
        if case.col is not None and exc.col != case.col:
            problems.append(f"col {exc.col}, expected {case.col}")
        return CaseResult(case, not problems, "; ".join(problems))
    expected = coerce_value(compiled.type, case.expect, case.objects)
    if isinstance(expected, float):
        expected = Decimal(str(expected))
    if _same(actual, expected):
        return CaseResult(case, True)
    return CaseResult(case, False, f"got {actual!r}, expected {expected!r}")


def run_file(path: str | Path) -> Iterator[CaseResult]:
    for case in load_vectors(path):
        yield run_case(case)


def shipped_files() -> list[Path]:
    """The conformance vector files that ship with the DSL."""
    return sorted((Path(__file__).parent / "conformance").glob("*.yaml"))
