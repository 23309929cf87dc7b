"""Text templates for replies, comments and emails: Jinja2 in its sandboxed environment.

A template is compiled once, at pack load; the names it reads are checked then (an unknown
root name or an unknown field of ``record``/``old`` is a load error with did-you-mean). At run
time it only renders. The sandbox refuses attribute access to Python internals, so a pack
author can never reach the engine through a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from engine.errors import FlowdeskError, did_you_mean
from engine.workflows.template_budget import (
    DEFAULT_LIMITS,
    BudgetedEnvironment,
    TemplateLimits,
    render_within_budget,
)
from engine.workflows.template_load_bounds import unbounded_problems

__all__ = ["TextTemplate", "TemplateProblem", "compile_template", "template_environment",
           "RECORD_ROOTS"]

#: Root names whose attributes are fields of the automation's object.
RECORD_ROOTS = ("record", "old")
#: Longest rendered text; a template that renders more fails (see template_budget.py).
MAX_RENDERED_CHARS = DEFAULT_LIMITS.output_chars


def _finalize(value: Any) -> Any:
    # A null field renders as nothing, not as "None".
    return "" if value is None else value


def template_environment(limits: TemplateLimits = DEFAULT_LIMITS) -> SandboxedEnvironment:
    """The one sandboxed environment templates are compiled in (autoescape off: the output
    is plain text; HTML mail bodies escape explicitly with ``|e``); every render is bounded
    by ``limits`` (see :mod:`engine.workflows.template_budget`)."""
    return BudgetedEnvironment(
        limits, undefined=StrictUndefined, finalize=_finalize, autoescape=False,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """A mistake in a template: a message and the 1-based line within the template text."""

    message: str
    line: int
    code: str


@dataclass(frozen=True, slots=True)
class TextTemplate:
    source: str
    _template: Any = _field(repr=False, compare=False)

    def render(self, context: Mapping[str, Any]) -> str:
        """The rendered text; a template that fails at run time (a null where an object was
        expected, a sandbox refusal) raises :class:`FlowdeskError` ``template_failed``."""
        try:
            return render_within_budget(self._template, context)
        except (TemplateError, TypeError, ValueError, ArithmeticError, RecursionError,
                MemoryError) as exc:
            raise FlowdeskError(f"template failed: {exc}", code="template_failed") from None


def _getattrs(tree: nodes.Template) -> Iterable[tuple[str, str, int]]:
    """``(root, attribute, line)`` for every ``root.attribute`` / ``root["attribute"]``."""
    for attr in tree.find_all(nodes.Getattr):
        assert isinstance(attr, nodes.Getattr)
        if isinstance(attr.node, nodes.Name):
            yield attr.node.name, attr.attr, attr.lineno
    for item in tree.find_all(nodes.Getitem):
        assert isinstance(item, nodes.Getitem)
        if isinstance(item.node, nodes.Name) and isinstance(item.arg, nodes.Const) \
                and isinstance(item.arg.value, str):
            yield item.node.name, item.arg.value, item.lineno


def _chains(tree: nodes.Template) -> Iterable[tuple[str, tuple[str, ...], int]]:
    """``(root, (attr, attr...), line)`` for every ``root.a.b`` chain, outermost first."""
    for attr in tree.find_all((nodes.Getattr, nodes.Getitem)):
        path: list[str] = []
        node: nodes.Node = attr
        while isinstance(node, nodes.Getattr | nodes.Getitem):
            if isinstance(node, nodes.Getattr):
                path.append(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                path.append(node.arg.value)
            else:
                break
            node = node.node
        else:
            if isinstance(node, nodes.Name):
                yield node.name, tuple(reversed(path)), attr.lineno


def _path_problem(root: str, path: tuple[str, ...], fields: Mapping[str, Any],
                  objects: Mapping[str, Any]) -> str | None:
    """What is wrong with reading ``root.path`` (None: nothing), following references."""
    current, where = fields, root
    for i, name in enumerate(path):
        if name not in current:
            return f"template reads unknown field '{where}.{name}'{did_you_mean(name, current)}"
        target = getattr(current[name], "reference_to", None)
        rest = path[i + 1:]
        if not rest:
            return None
        if target is None or target not in objects:
            kind = getattr(getattr(current[name], "type", None), "value", "plain")
            return (f"template reads '{where}.{name}.{rest[0]}', but '{where}.{name}' is a "
                    f"{kind} field, not a reference")
        current, where = objects[target].fields, f"{where}.{name}"
    return None


def compile_template(
    env: SandboxedEnvironment,
    text: str,
    roots: Iterable[str],
    fields: Mapping[str, object],
    objects: Mapping[str, Any] | None = None,
) -> tuple[TextTemplate | None, list[TemplateProblem]]:
    """Compile ``text``; it may read the names in ``roots`` (and its own ``set``/loop names),
    and only ``fields`` of ``record``/``old``. With ``objects`` (object name → object type),
    paths through reference fields are checked too: ``record.asset.serial_number`` must name
    a field of the referenced object (render with :func:`record_view` records)."""
    allowed = set(roots)
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as exc:
        return None, [TemplateProblem(f"template syntax error: {exc.message}", exc.lineno or 1,
                                      "template_syntax")]
    problems: list[TemplateProblem] = []
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        problems.append(TemplateProblem(
            f"template reads unknown name '{name}'{did_you_mean(name, allowed)}; "
            f"it may read {', '.join(sorted(allowed))}", line, "template_unknown_name"))
    if objects is None:
        for root, attr, line in _getattrs(tree):
            if root in RECORD_ROOTS and root in allowed and attr not in fields:
                problems.append(TemplateProblem(
                    f"template reads unknown field '{root}.{attr}'{did_you_mean(attr, fields)}",
                    line, "template_unknown_field"))
    else:
        seen: set[tuple[str, int]] = set()
        for root, path, line in _chains(tree):
            if root not in RECORD_ROOTS or root not in allowed:
                continue
            message = _path_problem(root, path, fields, objects)
            if message is not None and (message, line) not in seen:
                seen.add((message, line))
                problems.append(TemplateProblem(message, line, "template_unknown_field"))
    limits = env.limits if isinstance(env, BudgetedEnvironment) else DEFAULT_LIMITS
    problems.extend(TemplateProblem(message, line, "template_unbounded")
                    for message, line in unbounded_problems(tree, limits))
    if problems:
        return None, problems
    return TextTemplate(text, env.from_string(tree)), []
