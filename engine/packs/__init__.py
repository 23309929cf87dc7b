"""Packs: loading folders of YAML, checking them, and compiling them into a :class:`Registry`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.errors import PackError
from engine.objects.model import frozen_map
from engine.packs.calendar_functions import functions_for_calendars
from engine.packs.compile_automations import compile_automations
from engine.packs.compile_calendars import compile_calendars
from engine.packs.compile_channels import compile_channels
from engine.packs.compile_forms import compile_forms
from engine.packs.compile_macros import compile_macros
from engine.packs.compile_objects import compile_objects, text_of
from engine.packs.compile_reports import compile_reports
from engine.packs.compile_roles import compile_roles, compile_user_type
from engine.packs.compile_routing import compile_routing
from engine.packs.compile_sla import compile_sla
from engine.packs.compile_surveys import compile_surveys
from engine.packs.compile_views import compile_related, compile_views
from engine.packs.compile_workflows import compile_workflows
from engine.packs.loader import LoadedPack, load_packs
from engine.packs.pack_time_zone import pack_time_zone
from engine.packs.registry import PackInfo, Registry
from engine.workflows.action_registry import ActionRegistry, load_entry_point_actions

__all__ = ["load_registry", "compile_registry", "Registry", "PackInfo"]


def load_registry(paths: Sequence[Path | str]) -> Registry:
    """Load, check and compile the packs at ``paths`` (and the packs they extend).

    Raises :class:`PackError` listing every problem, each at ``file:line:col``.
    """
    return compile_registry(load_packs(paths))


def compile_registry(packs: list[LoadedPack], *, actions: ActionRegistry | None = None
                     ) -> Registry:
    """Check and compile loaded packs. ``actions`` are the developer actions automations may
    call (default: those of installed ``flowdesk.actions`` plugins)."""
    if actions is None:
        actions = load_entry_point_actions(ActionRegistry())
    calendars, calendar_problems = compile_calendars(packs)
    zone, zone_problems = pack_time_zone(packs)
    calendar_problems += zone_problems
    functions = functions_for_calendars(calendars, zone=zone)
    objects, declared, problems = compile_objects(packs, functions=functions)
    problems += calendar_problems
    forms, form_problems = compile_forms(packs, objects, declared)
    problems += form_problems
    user_attributes, user_type, user_problems = compile_user_type(packs, objects, declared)
    problems += user_problems
    workflows, workflow_problems = compile_workflows(packs, objects, declared,
                                                     functions=functions, user_type=user_type)
    problems += workflow_problems
    access, access_problems = compile_roles(packs, objects, declared, workflows,
                                            users=(user_attributes, user_type))
    problems += access_problems
    routing, routing_problems = compile_routing(packs, objects, declared, workflows,
                                                roles=access.role_names, functions=functions)
    problems += routing_problems
    automations, automation_problems = compile_automations(
        packs, objects, declared, workflows, calendars=calendars, actions=actions,
        functions=functions, roles=access.role_names,
        routed={policy.object: tuple(policy.queues) for policy in routing.values()})
    problems += automation_problems
    slas, sla_problems = compile_sla(packs, objects, declared, workflows, calendars, functions)
    problems += sla_problems
    reports, report_problems = compile_reports(
        packs, objects, declared, slas, access.role_names, access.user_type, functions,
        calendars=calendars)
    problems += report_problems
    channels, channel_problems = compile_channels(packs, objects, declared)
    problems += channel_problems
    views, view_problems = compile_views(packs, objects, declared, slas, access.role_names,
                                         access.user_type, functions)
    related, related_problems = compile_related(packs, objects, declared, slas,
                                                access.role_names, access.user_type, functions)
    problems += view_problems + related_problems
    macros, macro_problems = compile_macros(packs, objects, declared, workflows)
    problems += macro_problems
    surveys, survey_problems = compile_surveys(packs, objects, declared, forms, functions)
    problems += survey_problems
    if problems:
        raise PackError(problems)
    infos = tuple(
        PackInfo(
            name=p.manifest.name, version=p.manifest.version, path=p.path,
            title=text_of(p.manifest.title), description=text_of(p.manifest.description),
            extends=tuple(p.manifest.extends), default_locale=p.manifest.default_locale,
        )
        for p in packs
    )
    return Registry(packs=infos, objects=frozen_map(objects), forms=frozen_map(forms),
                    workflows=frozen_map(workflows), calendars=frozen_map(calendars),
                    functions=functions, access=access, automations=frozen_map(automations),
                    routing=frozen_map(routing),
                    slas=frozen_map(slas), reports=frozen_map(reports),
                    channels=frozen_map(channels),
                    views=frozen_map(views), related=frozen_map(related),
                    macros=frozen_map(macros), surveys=frozen_map(surveys))
