"""Checking and compiling ``surveys/*.yaml``: the objects, form and fields named must exist,
each value must type-check against the field it fills, over the record the link is about."""

from __future__ import annotations

from collections.abc import Mapping

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import field_dsl_type, record_types
from engine.objects.model import FieldType, FormDef, ObjectType, Text, frozen_map
from engine.objects.survey_definition import SurveyKind
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_workflows import dsl_text
from engine.packs.loader import LoadedPack, latest_by_name
from engine.packs.source import SourceDocument
from engine.packs.survey_models import SurveySpec
from engine.rules_dsl import CompiledExpression, FunctionRegistry, TypeEnv, compile_expression
from engine.rules_dsl.parser import parse_duration_text
from engine.rules_dsl.types import INTEGER, RefType

__all__ = ["compile_surveys"]


def compile_surveys(packs: list[LoadedPack], objects: Mapping[str, ObjectType],
                    declared: set[str], forms: Mapping[str, FormDef],
                    functions: FunctionRegistry | None = None
                    ) -> tuple[dict[str, SurveyKind], list[Problem]]:
    """The packs' survey link kinds by name."""
    chosen, problems = latest_by_name(packs, "surveys", "survey")
    out: dict[str, SurveyKind] = {}
    for spec_file in chosen:
        assert isinstance(spec_file.spec, SurveySpec)
        kind, found = _compile_one(spec_file.spec, spec_file.doc, objects, declared, forms,
                                   functions)
        problems += found
        if kind is not None:
            out[kind.name] = kind
    return out, problems


def _compile_one(spec: SurveySpec, doc: SourceDocument, objects: Mapping[str, ObjectType],
                 declared: set[str], forms: Mapping[str, FormDef],
                 functions: FunctionRegistry | None) -> tuple[SurveyKind | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(code: str, message: str, path: tuple[object, ...]) -> None:
        problems.append(Problem(code, f"survey '{spec.survey}': {message}", doc.pos(path)))

    about, obj = objects.get(spec.about), objects.get(spec.object)
    for key, name in (("about", spec.about), ("object", spec.object)):
        if name not in objects and name not in declared:
            bad("survey_unknown_object", f"{key} names unknown object '{name}'"
                f"{did_you_mean(name, objects)}", (key,))
    if about is None or obj is None:
        return None, problems
    form = forms.get(spec.form)
    if form is None or form.object != obj.name:
        known = [f.name for f in forms.values() if f.object == obj.name]
        bad("survey_unknown_form", f"'{spec.form}' is not a form of '{obj.name}'"
            f"{did_you_mean(spec.form, known)}", ("form",))
    values: dict[str, CompiledExpression] = {}
    env = TypeEnv.for_record(record_types(objects), about.name)
    for name, given in spec.values.items():
        f = obj.fields.get(name)
        if f is None:
            bad("survey_unknown_field", f"values names unknown field '{name}' of "
                f"'{obj.name}'{did_you_mean(name, obj.fields)}", ("values", name))
            continue
        expected = field_dsl_type(f)
        try:
            if isinstance(expected, RefType) and compile_expression(
                    dsl_text(given), env, functions=functions).type == INTEGER:
                expected = INTEGER  # a record id: ``about: id``
            values[name] = compile_expression(dsl_text(given), env, expected=expected,
                                              functions=functions)
        except DslError as exc:
            problems.append(dsl_problem(exc, doc, ("values", name),
                                        f"survey '{spec.survey}': value of '{name}'"))
    if spec.answered_at is not None:
        f = obj.fields.get(spec.answered_at)
        if f is None or f.type is not FieldType.DATETIME:
            bad("survey_unknown_field", f"answered_at '{spec.answered_at}' is not a datetime "
                f"field of '{obj.name}'", ("answered_at",))
    for i, name in enumerate(spec.context):
        if name not in about.fields:
            bad("survey_unknown_field", f"context names unknown field '{name}' of "
                f"'{about.name}'{did_you_mean(name, about.fields)}", ("context", i))
    expires = parse_duration_text(spec.expires)
    if expires is None or expires.total_seconds() <= 0:
        bad("survey_bad_expiry", "expires must be a positive duration such as 14d",
            ("expires",))
    if problems or expires is None:
        return None, problems
    return SurveyKind(
        name=spec.survey, label=Text(spec.label.en, spec.label.zh_CN), about=about.name,
        object=obj.name, form=spec.form, values=frozen_map(values),
        answered_at=spec.answered_at, expires=expires, context=tuple(spec.context),
        pos=doc.pos(("survey",))), problems
