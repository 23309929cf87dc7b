"""The JSON body decoder at its limits: what passes and what is refused, with the message."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.api.json_body import MAX_DEPTH, MAX_NUMBER_CHARS, decode_json_body
from engine.errors import BadRequest, ValidationFailed

NUL = "contains the NUL character (U+0000), which cannot be stored"


def _nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize(("raw", "value"), [
    (_nested(MAX_DEPTH), None),
    (b'{"n": ' + b"9" * MAX_NUMBER_CHARS + b"}", {"n": int("9" * MAX_NUMBER_CHARS)}),
    (b'{"n": 0.' + b"5" * (MAX_NUMBER_CHARS - 2) + b"}",
     {"n": Decimal("0." + "5" * (MAX_NUMBER_CHARS - 2))}),
    (b'{"smile": "\\ud83d\\ude00"}', {"smile": "\U0001f600"}),
    (b'{"text": "\\\\u0000 is how JSON writes NUL"}', {"text": "\\u0000 is how JSON writes NUL"}),
    (b'\xef\xbb\xbf{"bom": true}', {"bom": True}),
])
def test_bodies_within_the_limits_decode(raw: bytes, value: Any) -> None:
    decoded = decode_json_body(raw)
    if value is not None:
        assert decoded == value


@pytest.mark.parametrize(("raw", "message"), [
    (_nested(MAX_DEPTH + 1), "the request body is nested deeper than 64 levels"),
    (_nested(100_000), "the request body is nested deeper than 64 levels"),
    (b'{"a": ' + _nested(MAX_DEPTH) + b"}", "the request body is nested deeper than 64 levels"),
    (b'{"n": ' + b"9" * (MAX_NUMBER_CHARS + 1) + b"}",
     "the request body has a number of 101 characters; a number may have at most 100"),
    (b"[1e" + b"9" * 200 + b"]",
     "the request body has a number of 202 characters; a number may have at most 100"),
    (b'"\\u00"', "the request body is not valid JSON: Invalid \\uXXXX escape (line 1, "
     "column 3)"),
    (b'{"a": "\x00"}', "the request body is not valid JSON: Invalid control character at "
     "(line 1, column 8)"),
    (b'{"a": "\xed\xa0\x80"}', "the request body is not UTF-8 text"),
    (b"   ", "the request body is empty; send a JSON object"),
])
def test_bodies_past_the_limits_are_bad_json(raw: bytes, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_json_body(raw)
    assert caught.value.code == "bad_json"
    assert caught.value.message == message


@pytest.mark.parametrize(("raw", "locs"), [
    (b'"\\u0000"', [("body",)]),
    (b'{"a": ["ok", {"b\\u0000": 1}]}', [("body", "a", 1, "b\x00")]),
    (b'{"a": "\\udc00", "b": "\\ud800x", "c": "\\ud83d\\ude00"}',
     [("body", "a"), ("body", "b")]),
])
def test_text_no_database_stores_is_refused_where_it_is(raw: bytes,
                                                         locs: list[tuple[Any, ...]]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decode_json_body(raw)
    assert [i.loc for i in caught.value.issues] == locs
    assert {i.type for i in caught.value.issues} == {"invalid_text"}


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(raw=st.binary(max_size=200) | _JSON.map(lambda v: json.dumps(v).encode())
       | st.sampled_from([b'{"name": ' + b"9" * 5000 + b"}", b"[" * 5000, b'{"a": 1e999999}',
                          b'"\\ud800"', b"\xef\xbb\xbf{}", b'{"name": "x"} trailing']))
def test_any_request_body_decodes_or_gets_the_decoders_own_error(raw: bytes) -> None:
    with contextlib.suppress(BadRequest, ValidationFailed):
        decode_json_body(raw)
