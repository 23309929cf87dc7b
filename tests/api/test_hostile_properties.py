"""Property tests at the HTTP layer: hostile values, generated per field type from each object's
JSON Schema, per list and report query parameter and per header, never make the server fail
(500), and a refused write leaves every table as it was. On SQLite and PostgreSQL.

Bounded (a few dozen examples per property, derandomized) so the suite stays fast; the table
of known cases is ``test_hostile_inputs.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.objects.forms.record_schema import object_json_schema
from engine.runtime.factory import Runtime
from engine.runtime.list_query import Op

from .stored_rows import stored_rows

_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
#: The records the ``desk`` fixture puts in place, by object.
_EXISTING = {"customer": 1, "ticket": 1}

def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


_EDGE_INTEGERS = [0, -1, 2**31, 2**53 - 1, 2**53, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1,
                  2**64, 10**40]
_EDGE_TEXTS = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\ud83d\ude00", "%00", "\\u0000",
               "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31",
               "0001-01-01", "2026-02-30", "NaN", "-Infinity", "1e999999", "ｘ" * 300,
               "x" * 5000, "'; DROP TABLE x; --", "null", "[]", "{}", "\u202e", "\r\n"]
#: What a query string can carry: no lone surrogates (a URL is UTF-8), numbers as text.
_EDGE_QUERY_TEXTS = [t for t in _EDGE_TEXTS if not _has_surrogate(t)] + [
    str(n) for n in _EDGE_INTEGERS] + ["1,2,,3", "true", "yes", ",", "-"]


def _texts(*, surrogates: bool) -> st.SearchStrategy[str]:
    if surrogates:  # every code point, lone surrogates included
        return st.sampled_from(_EDGE_TEXTS) | st.text(
            st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None),
            max_size=40)
    return st.sampled_from(_EDGE_QUERY_TEXTS) | st.text(max_size=40)


_SCALARS: st.SearchStrategy[Any] = (
    st.none() | st.booleans() | st.sampled_from(_EDGE_INTEGERS)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | _texts(surrogates=True)
)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


_JSON: st.SearchStrategy[Any] = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(_texts(surrogates=True), inner, max_size=4), max_leaves=12,
) | st.sampled_from([_nested(63), _nested(64), _nested(200)])


def _hostile_value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values aimed at one field: its own type's edges first, then anything JSON holds."""
    types = schema.get("type", [])
    kind = next((t for t in ([types] if isinstance(types, str) else types) if t != "null"), "")
    own: st.SearchStrategy[Any] = {
        "integer": st.sampled_from(_EDGE_INTEGERS) | st.integers(),
        "number": st.sampled_from(_EDGE_INTEGERS) | st.floats() | st.decimals(
            allow_nan=False, allow_infinity=False).map(float),
        "string": _texts(surrogates=True),
        "array": st.lists(_texts(surrogates=True) | _SCALARS, max_size=5),
        "boolean": _SCALARS,
    }.get(kind, _JSON)
    return own | _JSON


def _valid_value(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return schema["oneOf"][0]["const"]
    types = schema.get("type", [])
    kind = next(t for t in ([types] if isinstance(types, str) else types) if t != "null")
    if "x-reference" in schema:
        return _EXISTING[schema["x-reference"]["object"]]
    return {"integer": schema.get("minimum", 1), "number": schema.get("minimum", 1),
            "boolean": True, "array": []}.get(kind, {"date": "2026-01-01",
                                                    "date-time": "2026-01-01T00:00:00Z",
                                                    "email": "a@example.com"}.get(
                                                        schema.get("format", ""), "x"))


def _creatable(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """Object -> its create schema, for the objects a valid create can be built for."""
    out = {}
    for name, obj in runtime.registry.objects.items():
        schema = object_json_schema(obj)
        needed = [schema["properties"][r] for r in schema.get("required", [])]
        if all(p["x-reference"]["object"] in _EXISTING for p in needed if "x-reference" in p):
            out[name] = schema
    return out


def _body(value: Any) -> bytes:
    # ensure_ascii writes lone surrogates as \ud800 escapes: the JSON a hostile client sends.
    return json.dumps(value, ensure_ascii=True, allow_nan=True, default=str).encode()


def _refused_write_changes_nothing(runtime: Runtime, send: Callable[[], Any]) -> None:
    before = stored_rows(runtime.database)
    response = send()
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert stored_rows(runtime.database) == before, response.text


@st.composite
def _create(draw: st.DrawFn, objects: dict[str, dict[str, Any]]) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(objects)))
    schema = objects[name]
    payload = {r: _valid_value(schema["properties"][r]) for r in schema.get("required", [])}
    fields = draw(st.lists(st.sampled_from(sorted(schema["properties"])), min_size=1,
                           max_size=3, unique=True))
    for field in fields:
        payload[field] = draw(_hostile_value(schema["properties"][field]))
    return name, _body(payload)


def test_hostile_field_values_on_create_never_fail_and_a_refusal_writes_nothing(
    desk: Runtime, desk_client: TestClient
) -> None:
    objects = _creatable(desk)

    @_SETTINGS
    @given(case=_create(objects))
    def run(case: tuple[str, bytes]) -> None:
        name, body = case
        _refused_write_changes_nothing(desk, lambda: desk_client.post(
            f"/api/records/{name}", content=body, headers={"Content-Type": "application/json"}))

    run()


def test_hostile_field_values_on_update_never_fail_and_a_refusal_writes_nothing(
    desk: Runtime, desk_client: TestClient
) -> None:
    schemas = {name: object_json_schema(desk.registry.objects[name], mode="update")
               for name in _EXISTING}

    @_SETTINGS
    @given(name=st.sampled_from(sorted(_EXISTING)), data=st.data(),
           version=st.sampled_from([1, 0, 2**63, "1", None]) | st.integers())
    def run(name: str, data: st.DataObject, version: Any) -> None:
        properties = schemas[name]["properties"]
        field = data.draw(st.sampled_from(sorted(properties)))
        payload = {"version": version, field: data.draw(_hostile_value(properties[field]))}
        current = desk_client.get(f"/api/records/{name}/{_EXISTING[name]}").json()
        if version == 1:
            payload["version"] = current["version"]
        _refused_write_changes_nothing(desk, lambda: desk_client.patch(
            f"/api/records/{name}/{_EXISTING[name]}", content=_body(payload),
            headers={"Content-Type": "application/json"}))

    run()


_QUERY_TEXT = _texts(surrogates=False)


def test_hostile_list_filters_never_fail(desk: Runtime, desk_client: TestClient) -> None:
    ops = [""] + [f"__{op}" for op in Op] + ["__le", "__ge", "__nope"]

    @_SETTINGS
    @given(name=st.sampled_from(sorted(desk.registry.objects)), data=st.data())
    def run(name: str, data: st.DataObject) -> None:
        fields = sorted(desk.registry.objects[name].fields) + ["sort", "limit", "offset",
                                                                "locale", "q"]
        params = data.draw(st.lists(st.tuples(
            st.tuples(st.sampled_from(fields), st.sampled_from(ops)).map("".join),
            _QUERY_TEXT), min_size=1, max_size=3))
        response = desk_client.get(f"/api/records/{name}", params=params)
        assert response.status_code < 500, (params, response.text)

    run()


def test_hostile_report_parameters_never_fail(desk: Runtime, desk_client: TestClient) -> None:
    reports = sorted(desk.registry.reports)
    keys = ["from", "to", "tz", "group_by", "format", "locale", "created_at__gte",
            "priority", "reopen_count__lt", "sort"]

    @_SETTINGS
    @given(name=st.sampled_from(reports),
           params=st.lists(st.tuples(st.sampled_from(keys), _QUERY_TEXT), max_size=3))
    def run(name: str, params: list[tuple[str, str]]) -> None:
        response = desk_client.get(f"/api/reports/{name}", params=params)
        assert response.status_code < 500, (params, response.text)

    run()


_HEADER_NAMES = ["Authorization", "Cookie", "X-CSRF-Token", "X-Forwarded-For", "Content-Type",
                 "Accept-Language", "If-Match", "X-Anything"]
_HEADER_VALUES = st.binary(max_size=60).map(
    lambda b: b.replace(b"\r", b"").replace(b"\n", b"")) | st.sampled_from(
    [b"Bearer fd_\x00", b"Bearer " + b"a" * 5000, b"flowdesk_session=\x00", b"\xff\xfe",
     b"application/json; charset=utf-16", b"Bearer", b""])


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/records/ticket"), ("POST", "/api/records/customer"),
    ("POST", "/api/auth/login"), ("GET", "/api/auth/me"),
])
def test_hostile_headers_never_fail_and_a_refusal_writes_nothing(
    desk: Runtime, desk_client: TestClient, method: str, path: str
) -> None:
    body = {"POST /api/auth/login": {"name": "root", "password": "not-the-password"}}.get(
        f"{method} {path}", {"name": "Header Co"})

    @_SETTINGS
    @given(headers=st.dictionaries(st.sampled_from(_HEADER_NAMES), _HEADER_VALUES, min_size=1,
                                   max_size=3))
    def run(headers: dict[str, bytes]) -> None:
        def send() -> Any:
            return desk_client.request(method, path, headers=headers,
                                       content=_body(body) if method == "POST" else None)

        if method == "GET":
            assert send().status_code < 500
        else:
            _refused_write_changes_nothing(desk, send)

    run()
