"""Bounded regular expressions for ``matches``.

Python's ``re`` backtracks and has no timeout, so a pattern is accepted only if it cannot
backtrack exponentially: no nested unbounded quantifiers (``(a+)+``), no ambiguous alternation
under a quantifier (``(a|aa)*``), no backreferences. Patterns are short and compiled once when
the expression compiles; input is cut to a bounded prefix so polynomial cases stay bounded too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from engine.rules_dsl.limits import MAX_REGEX_CHARS, MAX_REGEX_INPUT_CHARS

try:  # Python 3.11+: the regex parser lives in re._parser
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as sre_c
    import sre_parse

__all__ = ["compile_bounded_regex", "RegexRejected"]

_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)}


class RegexRejected(ValueError):
    """The pattern is invalid or unsafe; the message says why."""


def _literal_text(items: Any) -> str | None:
    chars = []
    for op, av in items:
        if op is not sre_c.LITERAL:
            return None
        chars.append(chr(av))
    return "".join(chars)


def _check(items: Any, in_repeat: bool, in_unbounded: bool) -> None:
    for op, av in items:
        if op in _REPEATS:
            low, high, sub = av
            unbounded = high == sre_c.MAXREPEAT
            if in_repeat and (unbounded or in_unbounded):
                raise RegexRejected(
                    "nested quantifiers such as (a+)+ can take exponential time; "
                    "rewrite without repeating a repeated group"
                )
            _check(sub, in_repeat or high > 1, in_unbounded or unbounded)
        elif op is sre_c.SUBPATTERN:
            _check(av[-1], in_repeat, in_unbounded)
        elif op is sre_c.BRANCH:
            branches = av[1]
            if in_repeat:
                found = [_literal_text(b) for b in branches]
                texts = [t for t in found if t is not None]
                ambiguous = len(texts) != len(found) or any(
                    a != b and b.startswith(a) for a in texts for b in texts
                )
                if ambiguous:
                    raise RegexRejected(
                        "alternation inside a repeated group must be plain words, none a "
                        "prefix of another (e.g. (foo|bar)+)"
                    )
            for branch in branches:
                _check(branch, in_repeat, in_unbounded)
        elif op in (sre_c.GROUPREF, sre_c.GROUPREF_EXISTS):
            raise RegexRejected("backreferences are not allowed")
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            _check(av[1], in_repeat, in_unbounded)
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            _check(av, in_repeat, in_unbounded)


def compile_bounded_regex(pattern: str) -> Callable[[Any], bool]:
    """A predicate ``text -> bool`` searching ``pattern`` in the first
    ``MAX_REGEX_INPUT_CHARS`` characters of ``text`` (null or non-text gives false).
    Raises ``RegexRejected`` for invalid or unsafe patterns."""
    if len(pattern) > MAX_REGEX_CHARS:
        raise RegexRejected(f"pattern is longer than {MAX_REGEX_CHARS} characters")
    try:
        compiled = re.compile(pattern)
        _check(sre_parse.parse(pattern), False, False)
    except re.error as exc:
        raise RegexRejected(f"invalid regular expression: {exc}") from None
    search = compiled.search
    limit = MAX_REGEX_INPUT_CHARS

    def matches(text: Any) -> bool:
        return isinstance(text, str) and search(text[:limit]) is not None

    return matches
