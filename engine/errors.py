"""One exception hierarchy for the whole engine.

Every error a user can cause carries a stable ``code`` (explained in ``docs/errors.md``) and
either a source position (pack files, DSL text) or a field path (record payloads).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "SourcePos",
    "Problem",
    "FlowdeskError",
    "PackError",
    "DslError",
    "ValidationFailed",
    "FieldIssue",
    "NotFound",
    "Conflict",
    "Forbidden",
    "Unauthorized",
    "TooManyRequests",
    "BadRequest",
    "did_you_mean",
]


@dataclass(frozen=True, slots=True)
class SourcePos:
    """A place in a source file; ``line`` and ``col`` count from 1."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def shifted(self, line_offset: int, col: int) -> SourcePos:
        """The position ``line_offset`` lines below this one, at column ``col``."""
        return SourcePos(self.file, self.line + line_offset, col)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a pack, at a place in its files."""

    code: str
    message: str
    pos: SourcePos | None = None

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        return f"{where}{self.message} [{self.code}]"


class FlowdeskError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "flowdesk_error"
    #: Whether retrying the same operation later may succeed (jobs use this).
    retryable = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class PackError(FlowdeskError):
    """A pack failed to load or check; ``problems`` lists every problem found."""

    code = "pack_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in pack:\n{lines}")


class DslError(FlowdeskError):
    """A rule expression failed to parse, check or evaluate.

    ``line``/``col`` are relative to the expression text (1-based); ``context`` is the source
    line with a caret under the column, ready to print.
    """

    code = "dsl_error"

    def __init__(
        self,
        message: str,
        *,
        code: str = "dsl_error",
        line: int = 1,
        col: int = 1,
        context: str = "",
    ) -> None:
        super().__init__(message, code=code)
        self.line = line
        self.col = col
        self.context = context

    def __str__(self) -> str:
        text = f"{self.line}:{self.col}: {self.message}"
        return f"{text}\n{self.context}" if self.context else text


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One invalid field in a payload: ``loc`` is the path to it, ``msg`` says what is wrong."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "invalid"

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class ValidationFailed(FlowdeskError):
    """A record payload broke the object's rules; nothing was written."""

    code = "validation_failed"

    def __init__(
        self, issues: Iterable[FieldIssue], message: str = "", *, code: str | None = None
    ) -> None:
        self.issues = list(issues)
        summary = "; ".join(
            f"{'.'.join(map(str, i.loc)) or '(body)'}: {i.msg}" for i in self.issues
        )
        super().__init__(message or summary, code=code)


class BadRequest(FlowdeskError):
    code = "bad_request"


class NotFound(FlowdeskError):
    code = "not_found"


class Conflict(FlowdeskError):
    """The request is valid but clashes with the current state (a stale version, say)."""

    code = "conflict"


class Forbidden(FlowdeskError):
    code = "forbidden"


class Unauthorized(FlowdeskError):
    """No valid credential came with the request (or the one that came is not valid)."""

    code = "not_authenticated"


class TooManyRequests(FlowdeskError):
    """Too many attempts in too short a time; ``retry_after`` says when to try again
    (seconds)."""

    code = "rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, retry_after)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
