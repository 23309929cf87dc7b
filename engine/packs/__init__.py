"""Packs: loading folders of YAML, checking them, and compiling them into a :class:`Registry`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.errors import PackError
from engine.objects.model import frozen_map
from engine.packs.compile_forms import compile_forms
from engine.packs.compile_objects import compile_objects, text_of
from engine.packs.compile_workflows import compile_workflows
from engine.packs.loader import LoadedPack, load_packs
from engine.packs.registry import PackInfo, Registry

__all__ = ["load_registry", "compile_registry", "Registry", "PackInfo"]


def load_registry(paths: Sequence[Path | str]) -> Registry:
    """Load, check and compile the packs at ``paths`` (and the packs they extend).

    Raises :class:`PackError` listing every problem, each at ``file:line:col``.
    """
    return compile_registry(load_packs(paths))


def compile_registry(packs: list[LoadedPack]) -> Registry:
    objects, declared, problems = compile_objects(packs)
    forms, form_problems = compile_forms(packs, objects, declared)
    problems += form_problems
    workflows, workflow_problems = compile_workflows(packs, objects, declared)
    problems += workflow_problems
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
                    workflows=frozen_map(workflows))
