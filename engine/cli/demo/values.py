"""Value recipes of a demo script: how the demo history makes up a field's value.

A recipe in the YAML is a plain value (used as it is) or a mapping with one kind key:
``one_of`` (a list, or value -> weight), ``number`` / ``decimal`` / ``date`` (a range; dates
in days from the simulated now), ``text`` (a line of a text bank, grouped ``by`` a path, in the
language ``lang`` names), ``ref`` (a path: ``now``, ``seq``, ``actor``, ``record.field``,
``<object>.<reference>.<field>``), ``format`` (text with ``{path}`` placeholders), ``join`` (the
values of recipes joined by ``sep``) and ``pick`` (a random linked record of an object). Any
recipe may add ``chance``: the value is null the rest of the time. See docs/demo.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any

from engine.errors import Problem, SourcePos

__all__ = ["Recipe", "Scope", "compile_recipe", "RECIPE_KINDS"]

RECIPE_KINDS = ("one_of", "number", "decimal", "date", "text", "ref", "format", "join", "pick")
_MODIFIERS = {"chance", "by", "lang", "sep"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")

#: (object name, record as JSON) for each name a recipe's path may start with
Roots = Mapping[str, tuple[str | None, Mapping[str, Any]]]


@dataclass
class Scope:
    """What recipes read while one record is made: the roots of paths, the running number,
    the simulated now, the current account's linked records and how to follow references."""

    rng: Random
    now: datetime
    seq: int
    roots: dict[str, tuple[str | None, Mapping[str, Any]]]
    #: object name -> ids of the current account's linked records of that object
    members: Mapping[str, Sequence[int]] = field(default_factory=dict)
    #: (object, id) -> the record, for paths through references
    load: Callable[[str, int], Mapping[str, Any] | None] = lambda _o, _i: None
    #: (object, field) -> the object a reference field points at
    reference_to: Callable[[str, str], str | None] = lambda _o, _f: None
    #: who acts in the current step
    actor: str | None = None

    def path(self, dotted: str) -> Any:
        """The value at ``dotted`` (``now``, ``seq``, ``root.field.field``); ``None`` when a
        step on the way is empty."""
        parts = dotted.split(".")
        if parts == ["now"]:
            return self.now.isoformat().replace("+00:00", "Z")
        if parts == ["seq"]:
            return self.seq
        if parts == ["actor"]:
            return self.actor
        object_name, row = self.roots[parts[0]]
        value: Any = row
        for i, name in enumerate(parts[1:], start=1):
            if value is None:
                return None
            value = row.get(name)
            if i < len(parts) - 1:
                target = self.reference_to(object_name, name) if object_name else None
                if value is None or target is None:
                    return None
                loaded = self.load(target, int(value))
                if loaded is None:
                    return None
                object_name, row, value = target, loaded, loaded
        return value


class Recipe:
    """A compiled recipe: :meth:`make` gives a value for ``scope``."""

    chance: float = 1.0

    def make(self, scope: Scope) -> Any:
        if self.chance < 1.0 and scope.rng.random() >= self.chance:
            return None
        return self._make(scope)

    def _make(self, scope: Scope) -> Any:  # pragma: no cover - every kind overrides it
        raise NotImplementedError


@dataclass(frozen=True)
class _Literal(Recipe):
    value: Any
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        return self.value


@dataclass(frozen=True)
class _OneOf(Recipe):
    options: tuple[Any, ...]
    weights: tuple[float, ...]
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        return scope.rng.choices(self.options, weights=self.weights)[0]


@dataclass(frozen=True)
class _Number(Recipe):
    low: float
    high: float
    whole: bool
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        if self.whole:
            return scope.rng.randint(int(self.low), int(self.high))
        return round(scope.rng.uniform(self.low, self.high), 2)


@dataclass(frozen=True)
class _Date(Recipe):
    low: int
    high: int
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        return (scope.now + timedelta(days=scope.rng.randint(self.low, self.high))).date(
        ).isoformat()


@dataclass(frozen=True)
class _Text(Recipe):
    #: group -> language -> lines (an ungrouped bank has the one group "")
    bank: Mapping[str, Mapping[str, tuple[str, ...]]]
    by: str | None
    lang: str | None
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        group = self.bank.get(str(scope.path(self.by)) if self.by else "")
        if group is None:
            group = next(iter(self.bank.values()))
        language = str(scope.path(self.lang)) if self.lang else ""
        lines = group.get(language) or group.get("en") or next(iter(group.values()))
        return scope.rng.choice(lines)


@dataclass(frozen=True)
class _Ref(Recipe):
    path: str
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        return scope.path(self.path)


@dataclass(frozen=True)
class _Format(Recipe):
    template: str
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        def fill(match: re.Match[str]) -> str:
            value = scope.path(match.group(1))
            return "" if value is None else str(value)

        return _PLACEHOLDER.sub(fill, self.template)


@dataclass(frozen=True)
class _Join(Recipe):
    parts: tuple[Recipe, ...]
    sep: str
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        made = [part.make(scope) for part in self.parts]
        return self.sep.join(str(v) for v in made if v is not None)


@dataclass(frozen=True)
class _Pick(Recipe):
    object: str
    chance: float = 1.0

    def _make(self, scope: Scope) -> Any:
        ids = scope.members.get(self.object) or ()
        return scope.rng.choice(ids) if ids else None


def _paths_in(recipe: Mapping[str, Any]) -> list[str]:
    kind = next(k for k in recipe if k in RECIPE_KINDS)
    found = [recipe[k] for k in ("by", "lang") if isinstance(recipe.get(k), str)]
    if kind == "ref" and isinstance(recipe["ref"], str):
        found.append(recipe["ref"])
    if kind == "format" and isinstance(recipe["format"], str):
        found.extend(_PLACEHOLDER.findall(recipe["format"]))
    return found


def _scalar_key(key: Any) -> Any:
    """A mapping key as the value it spells: pack YAML keys are text, so ``true`` and ``5``
    in ``one_of: {true: 1, 5: 2}`` come back as a boolean and a number."""
    if key in ("true", "false"):
        return key == "true"
    if isinstance(key, str) and re.fullmatch(r"-?[0-9]+", key):
        return int(key)
    return key


def _range(value: Any) -> tuple[float, float] | None:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and value[0] <= value[1]):
        return float(value[0]), float(value[1])
    return None


def compile_recipe(
    raw: Any,
    pos: Callable[[tuple[Any, ...]], SourcePos],
    path: tuple[Any, ...],
    *,
    texts: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]],
    roots: frozenset[str],
    problems: list[Problem],
) -> Recipe:
    """Compile the recipe ``raw`` found at ``path`` of a demo file; each mistake is appended to
    ``problems`` (code ``demo_bad_recipe``) at its position, and a null recipe stands in."""

    def bad(message: str, where: tuple[Any, ...] = path) -> Recipe:
        problems.append(Problem("demo_bad_recipe", message, pos(where)))
        return _Literal(None)

    if not isinstance(raw, dict):
        return _Literal(raw)
    kinds = [k for k in raw if k in RECIPE_KINDS]
    unknown = [k for k in raw if k not in RECIPE_KINDS and k not in _MODIFIERS]
    if len(kinds) != 1 or unknown:
        return bad(f"a value recipe has one of the keys {', '.join(RECIPE_KINDS)} "
                   f"(and optionally {', '.join(sorted(_MODIFIERS))}); got "
                   f"{', '.join(map(str, raw)) or 'none'}")
    kind = kinds[0]
    arg = raw[kind]
    chance = raw.get("chance", 1.0)
    if not isinstance(chance, int | float) or isinstance(chance, bool) or not 0 <= chance <= 1:
        return bad("'chance' is a number from 0 to 1", (*path, "chance"))
    for dotted in _paths_in(raw):
        if dotted.split(".")[0] not in roots:
            return bad(f"'{dotted}' starts with an unknown name; here a path starts with one "
                       f"of: {', '.join(sorted(roots))}")
    chance = float(chance)
    if kind == "one_of":
        if isinstance(arg, list) and arg:
            return _OneOf(tuple(arg), (1.0,) * len(arg), chance)
        if isinstance(arg, dict) and arg and all(
                isinstance(w, int | float) and not isinstance(w, bool) and w >= 0
                for w in arg.values()):
            return _OneOf(tuple(_scalar_key(k) for k in arg),
                          tuple(float(w) for w in arg.values()), chance)
        return bad("'one_of' takes a list of values, or a mapping of value to weight")
    if kind in ("number", "decimal", "date"):
        bounds = _range(arg)
        if bounds is None:
            return bad(f"'{kind}' takes [lowest, highest]")
        if kind == "date":
            return _Date(int(bounds[0]), int(bounds[1]), chance)
        return _Number(bounds[0], bounds[1], kind == "number", chance)
    if kind == "text":
        bank = texts.get(arg) if isinstance(arg, str) else None
        if bank is None:
            return bad(f"no text bank '{arg}' under 'texts:'; banks: "
                       f"{', '.join(sorted(texts)) or 'none'}")
        return _Text(bank, raw.get("by"), raw.get("lang"), chance)
    if kind in ("ref", "format", "pick") and not isinstance(arg, str):
        return bad(f"'{kind}' takes a text")
    if kind == "ref":
        return _Ref(arg, chance)
    if kind == "format":
        return _Format(arg, chance)
    if kind == "pick":
        return _Pick(arg, chance)
    if not isinstance(arg, list) or not arg:
        return bad("'join' takes a list of recipes")
    parts = tuple(compile_recipe(p, pos, (*path, "join", i), texts=texts, roots=roots,
                                 problems=problems) for i, p in enumerate(arg))
    return _Join(parts, str(raw.get("sep", "")), chance)
