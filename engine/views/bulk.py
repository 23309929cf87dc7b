"""Bulk actions: one change applied to many records, each record its own command.

Every record is changed in a transaction of its own (with its version, its audit rows, the
automations it triggers) through :class:`UserAccess`, exactly as a single request would; one
record's failure does not undo the others. The answer says, per record, what happened:
``done``, ``stale`` (changed since it was read), ``forbidden``, ``refused`` (a transition's
guard or source state, with what failed), ``not_found`` (missing or not readable) or
``invalid`` (the values broke the object's rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import (
    Conflict,
    FieldIssue,
    FlowdeskError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from engine.packs.registry import Registry
from engine.runtime.access import UserAccess

__all__ = ["BulkActions", "BulkRequest", "DEFAULT_MAX_BULK", "ACTIONS"]

DEFAULT_MAX_BULK = 100
#: The largest id or version a request may name (what JSON numbers hold exactly).
_MAX_WHOLE = 2**53 - 1
UPDATE, ASSIGN, TRANSITION = "update", "assign", "transition"
ACTIONS = (UPDATE, ASSIGN, TRANSITION)


@dataclass(frozen=True, slots=True)
class BulkRequest:
    """What to do (``action``, ``values``, ``transition``) to which records: (id, version)
    pairs, the version ``None`` when the record is to be taken as it is now."""

    action: str
    targets: tuple[tuple[int, int | None], ...]
    values: Mapping[str, Any]
    transition: str | None = None


def _issue(loc: tuple[str | int, ...], msg: str, kind: str = "invalid") -> FieldIssue:
    return FieldIssue(("body", *loc), msg, kind)


def _target(item: Any, i: int, issues: list[FieldIssue]) -> tuple[int, int | None] | None:
    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) \
            and 1 <= value <= _MAX_WHOLE

    if whole(item):
        return int(item), None
    if isinstance(item, Mapping) and whole(item.get("id")) and set(item) <= {"id", "version"}:
        version = item.get("version")
        if version is None or whole(version):
            return int(item["id"]), version
    issues.append(_issue(("ids", i), "expected a record id (a whole number from 1), or "
                         "{\"id\": id, \"version\": n}", "type"))
    return None


def parse_bulk_request(body: Mapping[str, Any], *, max_items: int,
                       assignable: frozenset[str] | None) -> BulkRequest:
    """Check the request's shape before anything runs (a refused request changes nothing).
    ``assignable`` are the fields ``assign`` may set (``None``: the object has none)."""
    issues: list[FieldIssue] = []
    for key in body:
        if key not in ("ids", "action", "values", "transition"):
            issues.append(_issue((key,), f"unknown key '{key}'; keys: ids, action, values, "
                                 "transition", "additionalProperties"))
    action = body.get("action")
    if action not in ACTIONS:
        issues.append(_issue(("action",), f"expected one of {', '.join(ACTIONS)}", "enum"))
    ids = body.get("ids")
    targets: list[tuple[int, int | None]] = []
    if not isinstance(ids, list) or not ids:
        issues.append(_issue(("ids",), "expected a non-empty list of record ids", "type"))
    elif len(ids) > max_items:
        raise ValidationFailed([_issue(("ids",), f"{len(ids)} records: a bulk action takes "
                                       f"at most {max_items}; send them in batches",
                                       "too_many")], code="bulk_too_many")
    else:
        seen: set[int] = set()
        for i, item in enumerate(ids):
            target = _target(item, i, issues)
            if target is not None:
                if target[0] in seen:
                    issues.append(_issue(("ids", i), f"record {target[0]} is listed twice",
                                         "duplicate"))
                seen.add(target[0])
                targets.append(target)
    values = body.get("values", {})
    if not isinstance(values, Mapping):
        issues.append(_issue(("values",), "expected an object of field values", "type"))
        values = {}
    transition = body.get("transition")
    if action == TRANSITION:
        if not isinstance(transition, str) or not transition:
            issues.append(_issue(("transition",), "the transition to take is required",
                                 "missing"))
    elif transition is not None:
        issues.append(_issue(("transition",), f"only the '{TRANSITION}' action takes a "
                             "transition", "invalid"))
    if action in (UPDATE, ASSIGN) and not values:
        issues.append(_issue(("values",), "give the fields to set", "missing"))
    if action == ASSIGN:
        if assignable is None:
            issues.append(_issue(("action",), "this object has no assignment fields (no "
                                 "routing policy names them); use 'update'", "invalid"))
        else:
            for key in values:
                if key not in assignable:
                    issues.append(_issue(("values", key), f"'assign' sets "
                                         f"{', '.join(sorted(assignable))} only; use 'update' "
                                         "for other fields", "invalid"))
    if issues:
        raise ValidationFailed(issues)
    return BulkRequest(str(action), tuple(targets), dict(values),
                       transition if isinstance(transition, str) else None)


def _outcome(record_id: int, exc: FlowdeskError) -> dict[str, Any]:
    if isinstance(exc, NotFound):
        status = "not_found"
    elif isinstance(exc, Forbidden):
        status = "forbidden"
    elif isinstance(exc, Conflict):
        status = "stale" if exc.code == "stale_version" else "refused"
    else:
        status = "invalid"
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, ValidationFailed):
        error["details"] = [i.as_dict() for i in exc.issues]
    return {"id": record_id, "status": status, "error": error}


class BulkActions:
    """Bulk update, assign and transition over the objects of ``registry``."""

    def __init__(self, registry: Registry, *, max_items: int = DEFAULT_MAX_BULK) -> None:
        self._registry = registry
        self.max_items = max_items

    def assignable(self, object_name: str) -> frozenset[str] | None:
        """The fields ``assign`` sets on ``object_name``: its routing policy's queue and
        assignee fields; ``None`` when it has no routing policy."""
        policy = self._registry.routing_for(object_name)
        return None if policy is None else frozenset({policy.queue_field,
                                                       policy.assignee_field})

    def run(self, access: UserAccess, object_name: str,
            body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Apply the bulk request ``body`` record by record; the outcome of each."""
        obj = access.access(object_name).obj  # unknown or unusable objects: 404
        request = parse_bulk_request(body, max_items=self.max_items,
                                     assignable=self.assignable(obj.name))
        if request.action == TRANSITION:
            machine = self._registry.workflow_for(obj.name)
            if machine is None or request.transition not in machine.transitions:
                known = ", ".join(machine.transitions) if machine else "none: no workflow"
                raise ValidationFailed([_issue(
                    ("transition",), f"'{obj.name}' has no transition "
                    f"'{request.transition}'; transitions: {known}", "unknown_transition")])
        return [self._one(access, obj.name, request, record_id, version)
                for record_id, version in request.targets]

    def _one(self, access: UserAccess, object_name: str, request: BulkRequest,
             record_id: int, version: int | None) -> dict[str, Any]:
        try:
            if version is None:
                version = int(access.get(object_name, record_id)["version"])
            if request.action == TRANSITION:
                assert request.transition is not None
                record = access.transition(object_name, record_id, request.transition,
                                           values=request.values, expected_version=version)
            else:
                record = access.update(object_name, record_id, dict(request.values),
                                       expected_version=version)
        except FlowdeskError as exc:
            return _outcome(record_id, exc)
        return {"id": record_id, "status": "done", "version": record["version"]}
