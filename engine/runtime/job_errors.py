"""Why a job failed, and whether trying again later may help.

A job handler raises :class:`JobFailed` to say so explicitly. The worker treats any other
:class:`~engine.errors.FlowdeskError` by its own ``retryable`` flag, and any other exception
(a network error, a database hiccup) as retryable.
"""

from __future__ import annotations

from engine.errors import FlowdeskError

__all__ = ["JobFailed", "is_retryable"]


class JobFailed(FlowdeskError):
    """A job could not do its work; ``retryable`` says whether a later attempt may succeed."""

    code = "job_failed"

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = True) -> None:
        super().__init__(message, code=code)
        self.retryable = retryable


def is_retryable(error: BaseException) -> bool:
    """Whether the worker should schedule another attempt after ``error``."""
    if isinstance(error, FlowdeskError):
        return error.retryable
    return True
