"""Compiling form declarations: later packs replace forms of the same name whole."""

from __future__ import annotations

from engine.errors import Problem, did_you_mean
from engine.objects.model import FormDef, FormField, FormSection, ObjectType
from engine.packs.compile_objects import humanize, text_of
from engine.packs.loader import LoadedPack, SpecFile, latest_by_name
from engine.packs.models import FormSpec

__all__ = ["compile_forms"]


def compile_forms(packs: list[LoadedPack], objects: dict[str, ObjectType], declared: set[str]
                  ) -> tuple[dict[str, FormDef], list[Problem]]:
    chosen, problems = latest_by_name(packs, "forms", "form")
    # Role files are compiled later; their names are known now (duplicates reported there).
    roles = {"admin", *(getattr(f.spec, "role", "") for f in latest_by_name(
        packs, "roles", "role")[0])}
    forms: dict[str, FormDef] = {}
    for spec_file in chosen:
        spec = spec_file.spec
        assert isinstance(spec, FormSpec)
        if spec.object in declared and spec.object not in objects:
            continue  # the object itself is broken and already reported
        for i, role in enumerate(spec.roles):
            if role not in roles:
                problems.append(Problem(
                    "form_unknown_role", f"form '{spec.form}' is for unknown role '{role}'"
                    f"{did_you_mean(role, roles)}", spec_file.doc.pos(("roles", i))))
        form = _compile_form(spec_file, objects, problems)
        if form is not None:
            forms[form.name] = form
    return forms, problems


def _compile_form(spec_file: SpecFile, objects: dict[str, ObjectType],
                  problems: list[Problem]) -> FormDef | None:
    spec = spec_file.spec
    assert isinstance(spec, FormSpec)
    doc = spec_file.doc
    obj = objects.get(spec.object)
    if obj is None:
        problems.append(Problem(
            "form_unknown_object",
            f"form '{spec.form}' is for unknown object '{spec.object}'"
            f"{did_you_mean(spec.object, objects)}", doc.pos(("object",))))
        return None
    before = len(problems)
    placed: set[str] = set()
    sections: list[FormSection] = []
    for si, section in enumerate(spec.sections):
        fields: list[FormField] = []
        for fi, ff in enumerate(section.fields):
            where = doc.pos(("sections", si, "fields", fi))
            if ff.field not in obj.fields:
                problems.append(Problem(
                    "form_unknown_field",
                    f"form '{spec.form}': object '{obj.name}' has no field '{ff.field}'"
                    f"{did_you_mean(ff.field, obj.fields)}", where))
                continue
            if ff.field in placed:
                problems.append(Problem(
                    "form_field_repeated",
                    f"form '{spec.form}': field '{ff.field}' is placed twice", where))
                continue
            placed.add(ff.field)
            fdef = obj.fields[ff.field]
            fields.append(FormField(
                field=ff.field, widget=ff.widget,
                read_only=ff.read_only or fdef.read_only or fdef.system,
                label=text_of(ff.label), help=text_of(ff.help),
                placeholder=text_of(ff.placeholder)))
        sections.append(FormSection(tuple(fields), text_of(section.title),
                                    text_of(section.description), section.columns))
    if len(problems) > before:
        return None
    return FormDef(
        name=spec.form, object=obj.name,
        label=text_of(spec.label) or text_of(None, humanize(spec.form)) or obj.label,
        purpose=spec.purpose, sections=tuple(sections), pos=doc.pos(("form",)),
        roles=tuple(spec.roles))
