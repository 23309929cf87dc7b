"""Bounded regular expressions for ``matches``.

Patterns are written in Python ``re`` syntax and checked here first (no nested unbounded
quantifiers such as ``(a+)+``, no ambiguous alternation under a quantifier such as
``(a|aa)*``, no backreferences), then run by RE2, whose matching time is linear in the input:
Python's ``re`` backtracks, and even a pattern that passes those checks (``.*x.*y``) can take
minutes on a few thousand characters. ``\\d``, ``\\w`` and ``\\s`` keep their Unicode
meaning (translated to RE2's Unicode classes); lookarounds, which RE2 cannot run, are refused.
Input is still cut to a bounded prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import re2

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
        re.compile(pattern)
        _check(sre_parse.parse(pattern), False, False)
    except re.error as exc:
        raise RegexRejected(f"invalid regular expression: {exc}") from None
    options = re2.Options()
    options.log_errors = False
    try:
        # Bytes in, bytes searched: the str path of the binding maps offsets back and is
        # about four times slower, for a yes/no we do not need.
        search = re2.compile(_unicode_classes(pattern).encode("utf-8"), options).search
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise RegexRejected(
            f"matches() runs patterns in linear time, which this one does not allow "
            f"(lookarounds, or repetitions over 1000 in all): {detail}") from None
    limit = MAX_REGEX_INPUT_CHARS

    def matches(text: Any) -> bool:
        return isinstance(text, str) and \
            search(text[:limit].encode("utf-8", "replace")) is not None

    return matches


#: Python's Unicode meaning of the class escapes, as RE2 classes (RE2's own are ASCII only).
_CLASS_MEMBERS = {
    "d": r"\p{Nd}",
    "w": r"\p{L}\p{N}_",
    "s": r"\t\n\v\f\r\x{1c}-\x{1f}\x{85}\p{Z}",
}


def _unicode_classes(pattern: str) -> str:
    """``pattern`` with ``\\d \\w \\s`` (and ``\\D \\W \\S``) spelled as Unicode classes."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            members = _CLASS_MEMBERS.get(escaped.lower())
            width = {"u": 4, "U": 8}.get(escaped)
            if width is not None:  # \uXXXX, \UXXXXXXXX: RE2 writes \x{...}
                out.append(f"\\x{{{pattern[i + 2:i + 2 + width]}}}")
                i += 2 + width
                continue
            if escaped == "Z":
                out.append("\\z")
            elif members is None:
                out.append(pattern[i:i + 2])
            elif escaped.islower():
                out.append(members if in_class else f"[{members}]")
            elif in_class:
                raise RegexRejected(f"\\{escaped} inside [...] is not supported; write the "
                                    f"class as [^...] instead")
            else:
                out.append(f"[^{members}]")
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            # A ']' right after '[' or '[^' is a member, not the end.
            for lead in ("^", "]"):
                if pattern.startswith(lead, i + 1):
                    out.append(lead)
                    i += 1
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)
