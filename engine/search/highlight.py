"""Highlights: the part of a field's text where the query matched, with the matches in
``<mark>`` and everything else HTML-escaped. Worked out in Python from the record's own text,
so both databases show the same."""

from __future__ import annotations

import html
import re

from engine.search.tokenizer import QueryTerms, is_cjk, normalize, stem

__all__ = ["highlight"]

_WORD = re.compile(r"[^\W_]+")
#: Characters shown around the first match.
_CONTEXT = 60


def _spans(text: str, terms: QueryTerms) -> list[tuple[int, int]]:
    exact = {t for term in terms.terms for t in term.exact if not is_cjk(t)}
    prefixes = tuple(p for term in terms.terms for p in term.prefixes)
    grams = {t for term in terms.terms for t in term.exact if is_cjk(t)}
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        word = normalize(match.group())
        if not is_cjk(word) and (stem(word) in exact or word in exact
                                 or (prefixes and word.startswith(prefixes))):
            spans.append(match.span())
    folded = normalize(text)
    if grams and len(folded) == len(text):  # offsets line up (no NFKC expansion)
        for gram in grams:
            start = folded.find(gram)
            while start >= 0:
                spans.append((start, start + len(gram)))
                start = folded.find(gram, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: QueryTerms) -> str | None:
    """A snippet of ``text`` around its first match with every match marked, or ``None`` when
    the query does not match it."""
    spans = _spans(text, terms)
    if not spans:
        return None
    start = max(0, spans[0][0] - _CONTEXT)
    end = min(len(text), spans[0][1] + 2 * _CONTEXT)
    out = ["…" if start > 0 else ""]
    position = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[position:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        position = e
    out.append(html.escape(text[position:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out)
