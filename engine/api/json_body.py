"""Reading a JSON object from a request body, with errors in the API's shape.

Read by hand rather than by a pydantic model: the fields depend on the object, and a body
sent without ``Content-Type: application/json`` (``curl -d``) is still read as JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request

from engine.errors import BadRequest, FieldIssue, ValidationFailed

__all__ = ["json_object_body", "JSON_OBJECT_BODY"]

#: OpenAPI for routes that take a JSON object (``openapi_extra``).
JSON_OBJECT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "additionalProperties": True},
            }
        },
    }
}


def _refuse_constant(name: str) -> Any:
    raise BadRequest(f"the request body is not valid JSON: {name} is not a JSON number",
                     code="bad_json")


async def json_object_body(request: Request) -> dict[str, Any]:
    """The body as a dict. ``bad_json`` (400) if it is not JSON; ``validation_failed`` (422)
    if it is JSON but not an object. Fractional numbers come back as ``Decimal`` so that no
    digit of a decimal field is lost on the way in."""
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON object", code="bad_json")
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8 text", code="bad_json") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno}",
            code="bad_json",
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            [FieldIssue(("body",), f"expected a JSON object, got {type(data).__name__}", "type")]
        )
    return data
