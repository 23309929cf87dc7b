"""The one assertion pack-problem tests share: exactly one problem, with its code, at its
line and column, saying what it should, in the file that was broken."""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import Problem


def assert_one_problem(problems: Sequence[Problem], code: str, where: str, words: str,
                       file_suffix: str) -> None:
    """``problems`` hold one positioned problem ``code`` at ``where`` (``line:col``) whose
    message contains ``words``, and every problem is in a file ending ``file_suffix``."""
    found = [(p.code, f"{p.pos.line}:{p.pos.col}", p.message) for p in problems
             if p.pos is not None]
    assert [(c, w) for c, w, _ in found] == [(code, where)], found
    assert words in found[0][2], found[0][2]
    assert all(p.pos is not None and p.pos.file.endswith(file_suffix) for p in problems)
