"""Size bounds on expressions: nothing an admin writes may exhaust the parser, the checker or
Python's own compiler. Exceeding any of them is a ``dsl_too_complex`` error."""

from __future__ import annotations

__all__ = [
    "MAX_SOURCE_CHARS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_REGEX_CHARS",
    "MAX_REGEX_INPUT_CHARS",
    "MAX_DURATION_DAYS",
]

#: Longest expression text accepted, in characters.
MAX_SOURCE_CHARS = 8_000
#: Deepest nesting of the syntax tree; ``a or b or c`` chains are flat and do not count.
#: Generated Python nests about two parentheses per level, well under CPython's limit of 200.
MAX_DEPTH = 48
#: Most syntax tree nodes in one expression.
MAX_NODES = 2_000
#: Longest regular expression accepted by ``matches``.
MAX_REGEX_CHARS = 200
#: ``matches`` looks at no more than this many leading characters of its input.
MAX_REGEX_INPUT_CHARS = 4_000
#: Largest duration literal, in days (about 27 years); keeps date arithmetic in range.
MAX_DURATION_DAYS = 10_000
