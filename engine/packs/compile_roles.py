"""Checking and compiling ``roles/*.yaml`` and ``users/*.yaml`` into an :class:`AccessPolicy`.

Every object and field a role names must exist, every record filter must type-check as a
boolean over the object (with ``user`` as the pack declares it) and stay inside the subset that
runs as SQL; each mistake is reported at its file, line and column. A transition's ``roles``
must name roles that exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import DslError, Problem, did_you_mean
from engine.objects.dsl_types import record_types
from engine.objects.filter_sql import unsupported_part
from engine.objects.model import ObjectType, Text, frozen_map
from engine.objects.permissions import (
    ACTIONS,
    ADMIN_ROLE,
    BASE_USER_FIELDS,
    AccessPolicy,
    Grant,
    ObjectPermissions,
    RecordFilter,
    Role,
    UserAttribute,
)
from engine.packs.compile_objects import text_of
from engine.packs.compile_rules import dsl_problem
from engine.packs.compile_user_defaults import compile_user_defaults
from engine.packs.loader import LoadedPack, latest_by_name
from engine.packs.role_models import RoleObjectSpec, RoleSpec, UsersSpec
from engine.packs.source import SourceDocument
from engine.rules_dsl import (
    BOOLEAN,
    DEFAULT_USER_TYPE,
    INTEGER,
    STRING,
    DslType,
    RecordType,
    RefType,
    TypeEnv,
    compile_expression,
    parse,
)
from engine.workflows.state_machine import StateMachine

__all__ = ["compile_roles", "compile_user_type"]

_ATTRIBUTE_TYPES: dict[str, DslType] = {"string": STRING, "integer": INTEGER, "boolean": BOOLEAN}


def compile_user_type(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], declared: set[str],
) -> tuple[dict[str, UserAttribute], RecordType, list[Problem]]:
    """The user attributes of ``users/*.yaml`` and the user as rules see it (``user.<x>`` in
    guards, role filters, ...)."""
    problems: list[Problem] = []
    attributes = _user_attributes(packs, objects, declared, problems)
    user_type = RecordType(DEFAULT_USER_TYPE.name, {
        **DEFAULT_USER_TYPE.fields,
        **{a.name: (RefType(a.reference_to) if a.reference_to else _ATTRIBUTE_TYPES[a.type])
           for a in attributes.values()},
    })
    return attributes, user_type, problems


def compile_roles(
    packs: list[LoadedPack],
    objects: Mapping[str, ObjectType],
    declared: set[str],
    workflows: Mapping[str, StateMachine],
    users: tuple[dict[str, UserAttribute], RecordType] | None = None,
) -> tuple[AccessPolicy, list[Problem]]:
    """The packs' roles and user attributes, checked against ``objects``; ``declared`` names
    objects that exist but failed to compile (not reported twice). ``users`` is what
    :func:`compile_user_type` gave (whose problems the caller reports); compiled here when
    not given."""
    problems: list[Problem] = []
    if users is None:
        attributes, user_type, user_problems = compile_user_type(packs, objects, declared)
        problems += user_problems
    else:
        attributes, user_type = users
    records = record_types(objects)
    chosen, duplicate_problems = latest_by_name(packs, "roles", "role")
    problems += duplicate_problems
    roles: dict[str, Role] = {}
    for spec_file in chosen:
        spec, doc = spec_file.spec, spec_file.doc
        assert isinstance(spec, RoleSpec)
        if spec.role == ADMIN_ROLE:
            problems.append(Problem(
                "role_reserved", f"role '{ADMIN_ROLE}' is the engine's own (it may do "
                "everything) and cannot be declared; choose another name", doc.pos(("role",))))
            continue
        grants = {}
        for name, obj_spec in spec.objects.items():
            path = ("objects", name)
            obj = objects.get(name)
            if obj is None:
                if name not in declared:
                    problems.append(Problem(
                        "role_unknown_object",
                        f"role '{spec.role}' names unknown object '{name}'"
                        f"{did_you_mean(name, objects)}", doc.key_pos(path)))
                continue
            grants[name] = _object_permissions(
                spec.role, obj_spec, obj, objects, records, user_type, doc, path, problems)
        roles[spec.role] = Role(
            name=spec.role, label=text_of(spec.label) or Text(spec.role),
            description=text_of(spec.description), objects=frozen_map(grants))
    known = (ADMIN_ROLE, *roles)
    for machine in workflows.values():
        for t in machine.transitions.values():
            for role in t.roles:
                if role not in known:
                    problems.append(Problem(
                        "transition_unknown_role",
                        f"workflow '{machine.name}': transition '{t.name}' names unknown role "
                        f"'{role}'{did_you_mean(role, known)}; roles: {', '.join(known)}",
                        t.pos))
    user_defaults, default_problems = compile_user_defaults(packs, objects, user_type)
    problems += default_problems
    policy = AccessPolicy(roles=frozen_map(roles), user_attributes=frozen_map(attributes),
                          user_type=user_type, user_defaults=user_defaults)
    return policy, problems


def _user_attributes(
    packs: list[LoadedPack], objects: Mapping[str, ObjectType], declared: set[str],
    problems: list[Problem],
) -> dict[str, UserAttribute]:
    attributes: dict[str, UserAttribute] = {}
    for pack in packs:
        for spec_file in pack.specs("users"):
            spec, doc = spec_file.spec, spec_file.doc
            assert isinstance(spec, UsersSpec)
            for name, a in spec.attributes.items():
                path = ("attributes", name)
                if name in BASE_USER_FIELDS:
                    problems.append(Problem(
                        "user_attribute_reserved",
                        f"user attribute '{name}' is one every user has already "
                        f"({', '.join(BASE_USER_FIELDS)}); choose another name",
                        doc.key_pos(path)))
                    continue
                if a.type == "reference":
                    if a.to is None or a.to not in objects:
                        if a.to is None or a.to not in declared:
                            what = (f"unknown object '{a.to}'{did_you_mean(a.to, objects)}"
                                    if a.to else "no object: add 'to: <object>'")
                            problems.append(Problem(
                                "user_attribute_unknown_object",
                                f"user attribute '{name}' refers to {what}",
                                doc.pos((*path, "to") if a.to else path)))
                        continue
                elif a.to is not None:
                    problems.append(Problem(
                        "user_attribute_unknown_object",
                        f"user attribute '{name}' is a {a.type}: 'to' applies to a reference "
                        "only", doc.pos((*path, "to"))))
                    continue
                attributes[name] = UserAttribute(
                    name=name, type=a.type, reference_to=a.to, label=text_of(a.label))
    return attributes


def _object_permissions(
    role: str, spec: RoleObjectSpec, obj: ObjectType, objects: Mapping[str, ObjectType],
    records: Mapping[str, RecordType], user_type: RecordType, doc: SourceDocument,
    path: tuple[Any, ...], problems: list[Problem],
) -> ObjectPermissions:
    for key in ("hidden", "read_only"):
        for i, fname in enumerate(getattr(spec, key)):
            if fname not in obj.fields:
                problems.append(Problem(
                    "role_unknown_field",
                    f"role '{role}': {key} names unknown field '{fname}' of '{obj.name}'"
                    f"{did_you_mean(fname, obj.fields)}", doc.pos((*path, key, i))))
    env = TypeEnv.for_record(records, obj.name, user_type=user_type)
    grants: dict[str, Grant] = {}
    for action in ACTIONS:
        given = getattr(spec, action)
        where = (*path, action)
        if isinstance(given, bool):
            grants[action] = given
            continue
        grants[action] = False
        what = f"role '{role}': {action} filter on '{obj.name}'"
        try:
            check = compile_expression(given, env, expected=BOOLEAN)
        except DslError as exc:
            problems.append(dsl_problem(exc, doc, where, what))
            continue
        tree = parse(given)
        unsupported = unsupported_part(tree, obj, objects)
        if unsupported is not None:
            node, why = unsupported
            problems.append(Problem(
                "role_filter_unsupported",
                f"{what}: this part cannot run as a database filter: {why}",
                doc.expression_pos(where, node.line, node.col)))
            continue
        grants[action] = RecordFilter(given, tree, check, doc.pos(where))
    return ObjectPermissions(
        object=obj.name, hidden=frozenset(spec.hidden), read_only=frozenset(spec.read_only),
        **grants)
