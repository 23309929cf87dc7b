"""Decoding text the way mail clients write it, not the way the headers claim.

Chinese mail often says ``gb2312`` while holding GBK characters, Big5 mail holds HKSCS ones,
and some clients put raw 8-bit text in headers. Each charset is widened to the superset that
decodes what clients really send, and undeclared bytes are tried as UTF-8, then GB18030.
"""

from __future__ import annotations

import codecs
from email.errors import HeaderParseError
from email.header import decode_header

__all__ = ["decode_bytes", "decode_header_text", "normalize_charset"]

#: Declared charset -> the superset to decode with.
_WIDER = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "euc-cn": "gb18030", "cp936": "gb18030", "big5": "big5hkscs", "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8",
    "shift_jis": "cp932", "sjis": "cp932", "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}


def normalize_charset(charset: str | None) -> str | None:
    """The codec to decode ``charset`` with, or ``None`` when Python does not know it."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = _WIDER.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text of ``data``: with the declared charset (widened) when it decodes cleanly, else
    UTF-8, else GB18030, else the declared one (or UTF-8) with replacement characters."""
    tried: list[str] = []
    for codec in (normalize_charset(charset), "utf-8", "gb18030"):
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(tried[0] if tried else "utf-8", errors="replace")


def decode_header_text(raw: str) -> str:
    """A header's text from its raw value: RFC 2047 encoded words decoded with widened
    charsets, raw 8-bit bytes (kept as surrogate escapes by the parser) decoded as UTF-8 or
    GB18030, folding removed."""
    try:
        parts = decode_header(raw)
    except (HeaderParseError, ValueError, LookupError, AssertionError):
        parts = [(raw, None)]  # a broken encoded word: keep the text as it came
    out: list[str] = []
    for value, charset in parts:
        if isinstance(value, str):
            out.append(_unescape(value))
        else:
            out.append(decode_bytes(value, charset))
    text = "".join(out)
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def _unescape(value: str) -> str:
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", errors="surrogateescape"), None)
