"""Bounds on the work a template may do, so no template can stop the process that renders it.

Jinja2's sandbox keeps templates away from Python internals but not from spending: nested
``range(100000)`` loops render for hours and ``'x' * 10**10`` allocates until the process dies.
:class:`BudgetedEnvironment` bounds, per render:

- **loop iterations** (every ``for`` body and every macro call counts one): a tight loop cannot
  be stopped by a clock, so work is counted instead;
- **value sizes**: operators that build strings, lists or big integers (``*``, ``**``, ``+``,
  ``%``, ``~``), size-making string methods and filters (``center``, ``replace``, ``join``,
  ``format``, ``batch``...) are checked *before* they allocate, and every call's result after;
  list mutation is refused (the immutable sandbox), so nothing grows behind a check's back;
- **time**: a wall-clock deadline checked at every count and size check (a compute budget, not
  domain time: the injected Clock, which tests stop, would never end a loop);
- **output** (:func:`render_within_budget` renders as a stream).

What is unbounded in the text itself (``range(10**9)``, nested literal ranges, ``'x' *
10**10``) is refused at load (:mod:`engine.workflows.template_load_bounds`). At run time, a
template over budget raises :class:`TemplateBudgetExceeded` (a Jinja2 ``SecurityError``)
with the reason.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg, pass_context

__all__ = [
    "TemplateLimits",
    "DEFAULT_LIMITS",
    "TemplateBudgetExceeded",
    "RenderBudget",
    "BudgetedEnvironment",
    "render_within_budget",
    "check_binop",
    "fmt_count",
    "OPERATORS",
]


@dataclass(frozen=True, slots=True)
class TemplateLimits:
    """What one render may spend."""

    loop_iterations: int = 100_000
    """Loop bodies run plus macros called."""
    value_size: int = 1_000_000
    """Characters of a string; items plus characters of a list or mapping, nested ones too."""
    output_chars: int = 100_000
    """Characters rendered."""
    seconds: float = 2.0
    """Wall-clock time of the render."""
    int_bits: int = 4_096
    """Bits of an integer."""


DEFAULT_LIMITS = TemplateLimits()
#: Not an identifier, so no template can read or overwrite it.
_BUDGET_KEY = "flowdesk budget"
_TICK = "flowdesk_tick"
_CONCAT = "flowdesk_concat"
_PRODUCE = "flowdesk_produce"
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul, "**": operator.pow, "+": operator.add, "%": operator.mod}
#: Widths in printf-style and str.format specs: "%0999999d", "{:>999999}".
_WIDTHS = re.compile(r"%[-+ #0]*(\d+)|\{[^{}]*:[^{}]*?(\d+)")
#: A replacement field inside a format spec: "{:>{width}}".
_NESTED_FIELD = re.compile(r"\{[^{}]*:[^{}]*\{")


class TemplateBudgetExceeded(SecurityError):
    """A template went over one of its :class:`TemplateLimits`."""


def fmt_count(n: float) -> str:
    return f"{n:,}"


def _weight(value: Any, limit: int) -> int:
    """The size of ``value`` (characters of strings, items of containers, nested), counted
    no further than just past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
    return total


class RenderBudget:
    """What one render has spent so far."""

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.iterations = 0
        self.produced = 0
        self._deadline = time.monotonic() + limits.seconds

    def over(self, reason: str) -> TemplateBudgetExceeded:
        return TemplateBudgetExceeded(f"over its budget: {reason}")

    def check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise self.over(f"it ran longer than {self.limits.seconds:g} s")

    def tick(self) -> None:
        self.iterations += 1
        if self.iterations > self.limits.loop_iterations:
            raise self.over(f"it ran more than {fmt_count(self.limits.loop_iterations)} loop "
                            "iterations and macro calls")
        self.check_time()

    def produce(self, size: int) -> None:
        """Count ``size`` characters of output, wherever it goes."""
        self.produced += size
        if self.produced > self.limits.value_size:
            raise self.over(f"it produced more than {fmt_count(self.limits.value_size)} "
                            "characters (text set in blocks and macros included)")

    def check_size(self, size: int, what: str) -> None:
        if size > self.limits.value_size:
            raise self.over(f"{what} would hold {fmt_count(size)} characters or items, more than "
                            f"{fmt_count(self.limits.value_size)}")
        self.check_time()

    def checked(self, value: Any, what: str) -> Any:
        """``value`` if it is within the size limits."""
        if isinstance(value, int) and value.bit_length() > self.limits.int_bits:
            raise self.over(f"{what} made an integer of more than {self.limits.int_bits} bits")
        if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
            self.check_size(_weight(value, self.limits.value_size), what)
        return value

    def weight(self, value: Any) -> int:
        return _weight(value, self.limits.value_size)


# -- checks before an operation allocates -------------------------------------------------


def check_binop(budget: RenderBudget, op: str, left: Any, right: Any) -> None:
    ints = isinstance(left, int) and isinstance(right, int)
    if op == "**" and ints and right > 0:
        bits = max(1, abs(left).bit_length() - 1) * right if abs(left) > 1 else 1
        if bits > budget.limits.int_bits:
            raise budget.over(f"{left} ** {right} would have about {fmt_count(bits)} bits, more "
                              f"than {budget.limits.int_bits}")
    elif op == "*" and ints:
        if left.bit_length() + right.bit_length() > budget.limits.int_bits + 1:
            raise budget.over(f"a product would have more than {budget.limits.int_bits} bits")
    elif op == "*":
        seq, times = (left, right) if isinstance(right, int) else (right, left)
        if isinstance(times, int) and not isinstance(seq, int) and times > 0:
            budget.check_size(budget.weight(seq) * times, "a repeated value")
    elif op == "+" and not ints:
        budget.check_size(budget.weight(left) + budget.weight(right), "a sum")
    elif op == "%" and isinstance(left, str):
        _check_widths(budget, left, right)


def _check_widths(budget: RenderBudget, fmt: str, args: Any) -> None:
    for match in _WIDTHS.finditer(fmt):
        width = int(match.group(1) or match.group(2))
        budget.check_size(width, "a formatted field")
    if "*" in fmt:
        for arg in args if isinstance(args, tuple) else (args,):
            if isinstance(arg, int):
                budget.check_size(arg, "a formatted field")


def _estimate_join(budget: RenderBudget, sep: str, items: list[Any]) -> None:
    size = budget.weight(items) + len(sep) * max(0, len(items) - 1)
    budget.check_size(size, "a joined text")


def _estimate_replace(budget: RenderBudget, text: Any, old: Any, new: Any,
                      count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        budget.check_size(len(text) + hits * max(0, len(new) - len(old)), "a replaced text")


def _check_str_method(budget: RenderBudget, text: str, name: str, args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Pre-checks a call of ``text.<name>``; may materialise an iterable argument."""
    if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
        budget.check_size(args[0], f"{name}()")
    elif name == "expandtabs":
        size = args[0] if args and isinstance(args[0], int) else 8
        budget.check_size(len(text) + text.count("\t") * size, "expandtabs()")
    elif name == "replace" and len(args) >= 2:
        _estimate_replace(budget, text, *args[:3])
    elif name == "join" and args:
        items = _bounded_list(budget, args[0])
        _estimate_join(budget, text, items)
        args = (items, *args[1:])
    elif name in ("format", "format_map"):
        _check_widths(budget, text, ())
    return args, kwargs


def _bounded_list(budget: RenderBudget, iterable: Any) -> list[Any]:
    items: list[Any] = []
    size = 0
    for item in iterable:
        items.append(item)
        size += 1 + budget.weight(item)
        budget.check_size(size, "a list")
    return items


#: Filters that make values bigger than their input, and how to check them first.
def _check_filter(budget: RenderBudget, name: str, args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    value = args[0] if args else None
    if name in ("center", "batch", "slice") and len(args) > 1 and isinstance(args[1], int):
        budget.check_size(args[1], f"|{name}")
    elif name == "indent":
        width = args[1] if len(args) > 1 else kwargs.get("width", 4)
        if isinstance(width, int):
            lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
            budget.check_size(width * lines + budget.weight(value), "|indent")
    elif name == "join":
        items = _bounded_list(budget, value)
        sep = args[1] if len(args) > 1 else kwargs.get("d", "")
        _estimate_join(budget, str(sep), items)
        args = (items, *args[1:])
    elif name == "replace" and len(args) >= 3:
        _estimate_replace(budget, *args[:4])
    elif name == "format" and isinstance(value, str):
        _check_widths(budget, value, args[1:])
    return args, kwargs


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    pass_arg = _PassArg.from_obj(func)

    @pass_context
    def bounded(context: Context, *args: Any, **kwargs: Any) -> Any:
        budget = context.environment.budget(context)  # type: ignore[attr-defined]
        args, kwargs = _check_filter(budget, name, args, kwargs)
        if pass_arg is _PassArg.context:
            result = func(context, *args, **kwargs)
        elif pass_arg is _PassArg.eval_context:
            result = func(context.eval_ctx, *args, **kwargs)
        elif pass_arg is _PassArg.environment:
            result = func(context.environment, *args, **kwargs)
        else:
            result = func(*args, **kwargs)
        return budget.checked(result, f"|{name}")

    return bounded


# -- the environment ------------------------------------------------------------------------


class _BudgetedCodeGenerator(CodeGenerator):
    """Counts every piece of output (into block sets, macros and filter blocks too, whose text
    never reaches the streamed output), an iteration at the top of every loop body and macro,
    and routes ``~`` through a size check."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for output in node.find_all(nodes.Output):
            output.nodes = [  # type: ignore[attr-defined]
                nodes.Filter(nodes.Const(part.data) if isinstance(part, nodes.TemplateData)
                             else part, _PRODUCE, [], [], None, None)
                for part in output.nodes]  # type: ignore[attr-defined]
        for body_owner in (*node.find_all(nodes.For), *node.find_all(nodes.Macro),
                           *node.find_all(nodes.CallBlock)):
            tick = nodes.Output([nodes.Filter(nodes.Const(""), _TICK, [], [], None, None)])
            body_owner.body.insert(0, tick)  # type: ignore[attr-defined]
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write(f"environment.filters[{_CONCAT!r}](context, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


@pass_context
def _tick(context: Context, value: str) -> str:
    context.environment.budget(context).tick()  # type: ignore[attr-defined]
    return value


@pass_context
def _produce(context: Context, value: Any) -> Any:
    budget: RenderBudget = context.environment.budget(context)  # type: ignore[attr-defined]
    budget.produce(len(value) if isinstance(value, str) else budget.weight(value))
    return value


@pass_context
def _concat(context: Context, parts: tuple[Any, ...]) -> str:
    budget: RenderBudget = context.environment.budget(context)  # type: ignore[attr-defined]
    budget.check_size(sum(budget.weight(p) for p in parts), "a joined text (~)")
    return budget.checked("".join(str(p) for p in parts), "~")


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every render bounded by ``limits``."""

    intercepted_binops = frozenset(OPERATORS)
    code_generator_class = _BudgetedCodeGenerator

    def __init__(self, limits: TemplateLimits = DEFAULT_LIMITS, **options: Any) -> None:
        super().__init__(**options)
        self.limits = limits
        self.globals.pop("lipsum", None)  # lipsum(n=10**9) writes for hours; no pack needs it
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters[_TICK] = _tick
        self.filters[_CONCAT] = _concat
        self.filters[_PRODUCE] = _produce

    def budget(self, context: Context) -> RenderBudget:
        """The budget of the render ``context`` belongs to (made on first use)."""
        budget = context.vars.get(_BUDGET_KEY) or context.parent.get(_BUDGET_KEY)
        if not isinstance(budget, RenderBudget):
            budget = context.vars[_BUDGET_KEY] = RenderBudget(self.limits)
        return budget

    def new_budget_vars(self) -> dict[str, RenderBudget]:
        """Render variables that start a fresh budget (its clock starts now)."""
        return {_BUDGET_KEY: RenderBudget(self.limits)}

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` reaches templates through here: widths written in the format
        string, or given as arguments for nested fields (``{:>{w}}``), are checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = str(value.__self__)
        budget = RenderBudget(self.limits)
        _check_widths(budget, fmt, ())
        if not _NESTED_FIELD.search(fmt):
            return wrapped
        format_call = wrapped

        def checked_format(*args: Any, **kwargs: Any) -> str:
            for arg in (*args, *kwargs.values()):
                if isinstance(arg, int):
                    budget.check_size(arg, "a formatted field")
            return format_call(*args, **kwargs)

        return checked_format

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = self.budget(context)
        check_binop(budget, operator, left, right)
        return budget.checked(OPERATORS[operator](left, right), f"'{operator}'")

    def call(__self, __context: Context, __obj: Any, *args: Any,  # noqa: N805 (Jinja's names)
             **kwargs: Any) -> Any:
        budget = __self.budget(__context)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            args, kwargs = _check_str_method(budget, owner, getattr(__obj, "__name__", ""),
                                             args, kwargs)
        budget.check_time()
        result = super().call(__context, __obj, *args, **kwargs)
        return budget.checked(result, f"{getattr(__obj, '__name__', 'a call')}()")


def render_within_budget(template: Any, context: Mapping[str, Any]) -> str:
    """Render ``template`` as a stream with a fresh budget, stopping once the output passes
    its bound (:class:`TemplateBudgetExceeded`)."""
    environment = template.environment
    limits = environment.limits if isinstance(environment, BudgetedEnvironment) \
        else DEFAULT_LIMITS
    fresh = environment.new_budget_vars() if isinstance(environment, BudgetedEnvironment) \
        else {}
    parts: list[str] = []
    size = 0
    for chunk in template.generate({**context, **fresh}):
        size += len(chunk)
        if size > limits.output_chars:
            raise TemplateBudgetExceeded("over its budget: it rendered more than "
                                         f"{fmt_count(limits.output_chars)} characters")
        parts.append(chunk)
    return "".join(parts)
