"""The function registry: typed signatures the checker resolves calls against.

Developers add functions with ``register``; plugins do it from the ``flowdesk.dsl_functions``
entry-point group (each entry point is a callable taking the registry). The default registry
is built fresh by ``default_functions()``; ``extended`` copies before adding, so nobody mutates
a registry someone else holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from engine.errors import DslError
from engine.rules_dsl import diagnostics as codes
from engine.rules_dsl.types import (
    ANY,
    ERROR,
    NULL,
    STRING,
    DslType,
    ListType,
    TypeParam,
    accepts,
    unify,
)

__all__ = [
    "Overload",
    "LiteralChoice",
    "FunctionRegistry",
    "Resolution",
    "SPECIAL_FORMS",
    "KEYWORDS",
    "ENTRY_POINT_GROUP",
    "load_entry_point_functions",
    "param_accepts",
]

ENTRY_POINT_GROUP = "flowdesk.dsl_functions"

#: Calls the checker handles itself (lambdas, field names, literal-only arguments); a
#: registered function may not take these names.
SPECIAL_FORMS = frozenset({"any", "all", "count", "filter", "map", "changed", "matches"})
KEYWORDS = frozenset({"and", "or", "not", "in", "if", "then", "else", "true", "false", "null"})
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class LiteralChoice:
    """Argument ``index`` of a call must be a string literal naming one of ``choices`` (a
    calendar, say), so a wrong name is an error at compile time with a did-you-mean. ``what``
    names the kind of thing in messages. With ``literal_only=False`` any string expression is
    accepted and only a literal is checked (a time zone may come from ``user.time_zone``)."""

    index: int
    what: str
    choices: frozenset[str]
    literal_only: bool = True


@dataclass(frozen=True)
class Overload:
    """One signature of a function.

    ``impl`` receives the argument values (and the ``EvalContext`` first when
    ``needs_context``); it must handle ``None`` arguments itself. ``nullable`` says whether it
    may return ``None``, which lets the compiler skip null guards around it.
    """

    name: str
    params: tuple[DslType, ...]
    returns: DslType
    impl: Callable[..., Any]
    needs_context: bool = False
    nullable: bool = True
    doc: str = ""
    literal_choices: tuple[LiteralChoice, ...] = ()

    def signature(self) -> str:
        return f"{self.name}({', '.join(str(p) for p in self.params)}) -> {self.returns}"


@dataclass(frozen=True)
class Resolution:
    """The overload a call resolved to and the call's result type."""

    overload: Overload
    returns: DslType


def _bind(param: DslType, arg: DslType, bound: dict[str, DslType]) -> bool:
    if isinstance(param, TypeParam):
        if arg in (ERROR, NULL):
            return True
        if param.name in bound:
            merged = unify(bound[param.name], arg)
            if merged is None:
                return False
            bound[param.name] = merged
        else:
            bound[param.name] = arg
        return True
    if isinstance(param, ListType) and isinstance(arg, ListType):
        return _bind(param.item, arg.item, bound)
    if isinstance(param, ListType) and arg in (ERROR, NULL, ANY):
        return True
    return accepts(param, arg)


def param_accepts(param: DslType, arg: DslType) -> bool:
    """Whether ``arg`` fits ``param`` on its own (type variables bind freshly)."""
    return _bind(param, arg, {})


def _substitute(t: DslType, bound: Mapping[str, DslType]) -> DslType:
    if isinstance(t, TypeParam):
        return bound.get(t.name, ANY)
    if isinstance(t, ListType):
        return ListType(_substitute(t.item, bound))
    return t


class FunctionRegistry:
    """Named functions with typed overloads. Build it, then hand it to ``compile_expression``."""

    def __init__(self, overloads: Iterable[Overload] = (), *, frozen: bool = False) -> None:
        self._functions: dict[str, list[Overload]] = {}
        for overload in overloads:
            self._functions.setdefault(overload.name, []).append(overload)
        self._frozen = frozen

    def register(
        self,
        name: str,
        *,
        params: Sequence[DslType],
        returns: DslType,
        impl: Callable[..., Any],
        needs_context: bool = False,
        nullable: bool = True,
        doc: str = "",
        replace: bool = False,
        literal_choices: Sequence[LiteralChoice] = (),
    ) -> Overload:
        """Add an overload of ``name``; registering the same parameter types twice is an error
        unless ``replace``. ``literal_choices`` make arguments string literals checked against
        a set of names at compile time. Raises ``DslError`` (``dsl_bad_function``) on a bad
        definition."""
        if self._frozen:
            raise DslError(
                "this function registry is frozen; use .extended() or .copy() to add functions",
                code=codes.BAD_FUNCTION,
            )
        problem = None
        if not _NAME.match(name):
            problem = "names are lower_snake_case"
        elif name in SPECIAL_FORMS or name in KEYWORDS:
            problem = "the name is reserved by the language"
        elif not callable(impl):
            problem = "impl is not callable"
        elif not all(isinstance(p, DslType) for p in (*params, returns)):
            problem = "params and returns must be DslType values"
        elif not all(0 <= c.index < len(params) and params[c.index] == STRING
                     for c in literal_choices):
            problem = "a literal choice must name a string parameter"
        if problem:
            raise DslError(f"cannot register function {name!r}: {problem}", code=codes.BAD_FUNCTION)
        overload = Overload(name, tuple(params), returns, impl, needs_context, nullable, doc,
                            tuple(literal_choices))
        existing = self._functions.setdefault(name, [])
        for i, other in enumerate(existing):
            if other.params == overload.params:
                if not replace:
                    raise DslError(
                        f"cannot register {overload.signature()}: already registered",
                        code=codes.BAD_FUNCTION,
                    )
                existing[i] = overload
                return overload
        existing.append(overload)
        return overload

    def overloads(self, name: str) -> tuple[Overload, ...]:
        return tuple(self._functions.get(name, ()))

    def names(self) -> list[str]:
        return sorted(self._functions)

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def copy(self) -> FunctionRegistry:
        """An unfrozen copy holding the same overloads."""
        return FunctionRegistry(o for group in self._functions.values() for o in group)

    def frozen(self) -> FunctionRegistry:
        """A frozen copy: ``register`` on it raises."""
        return FunctionRegistry((o for g in self._functions.values() for o in g), frozen=True)

    def extended(self, *installers: Callable[[FunctionRegistry], object]) -> FunctionRegistry:
        """A copy with each installer applied (``installer(registry)`` registers functions)."""
        registry = self.copy()
        for install in installers:
            install(registry)
        return registry

    def resolve(self, name: str, args: Sequence[DslType]) -> Resolution | None:
        """The first overload of ``name`` accepting ``args``, or None."""
        for overload in self._functions.get(name, ()):
            if len(overload.params) != len(args):
                continue
            bound: dict[str, DslType] = {}
            if all(_bind(p, a, bound) for p, a in zip(overload.params, args, strict=True)):
                return Resolution(overload, _substitute(overload.returns, bound))
        return None


def load_entry_point_functions(
    registry: FunctionRegistry, group: str = ENTRY_POINT_GROUP
) -> list[str]:
    """Run every installed plugin of ``group`` against ``registry``; returns their names.

    A plugin is an entry point naming a callable that takes the registry and registers its
    functions. A plugin that fails to load or install raises ``dsl_bad_plugin``.
    """
    loaded = []
    for entry_point in sorted(metadata.entry_points(group=group), key=lambda ep: ep.name):
        try:
            installer = entry_point.load()
            installer(registry)
        except DslError:
            raise
        except Exception as exc:  # a broken plugin must name itself, not crash the loader
            raise DslError(
                f"DSL function plugin {entry_point.name!r} ({entry_point.value}) failed: {exc}",
                code=codes.BAD_PLUGIN,
            ) from exc
        loaded.append(entry_point.name)
    return loaded
