"""The ``version`` a change sends: the record's version as last read, so that a concurrent
change is refused (409 ``stale_version``) instead of overwritten. A whole number from 1 that a
64-bit column holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FieldIssue, ValidationFailed
from engine.objects.storable import INT64_MAX

__all__ = ["expected_version", "expected_version_issue"]


def expected_version_issue(body: Mapping[str, Any]) -> FieldIssue | None:
    """What is wrong with ``body["version"]`` (missing, or not a version), or ``None``."""
    if "version" not in body:
        return FieldIssue(("body", "version"), "required: send the version you last read, so "
                          "that a concurrent change is detected instead of overwritten",
                          "missing")
    version = body["version"]
    if isinstance(version, bool) or not isinstance(version, int) or not (
            1 <= version <= INT64_MAX):
        return FieldIssue(("body", "version"), "expected the record's version, a whole number "
                          f"from 1 to {INT64_MAX}", "type")
    return None


def expected_version(body: Mapping[str, Any]) -> int:
    """``body["version"]``; :class:`ValidationFailed` if it is missing or not a version."""
    issue = expected_version_issue(body)
    if issue is not None:
        raise ValidationFailed([issue])
    return int(body["version"])
