"""One tokenizer for both databases: text becomes the tokens the index stores, and a query
becomes the terms to look for, in Python, so SQLite and PostgreSQL see the very same tokens.

- Text is NFKC-normalised and case-folded, then cut into runs of CJK characters and runs of
  other letters and digits; everything else separates.
- A CJK run is indexed as its characters (unigrams), its overlapping character pairs (bigrams)
  and the longer words a Chinese segmenter (jieba, through ``rjieba``) finds in it. A query run
  of one character looks for that character; a longer run for each of its bigrams: so 发票 and
  退款 find their records whatever the segmenter made of the sentence around them.
- Other words are indexed stemmed (Snowball English: refunds, refunded → refund) and, when the
  stem differs, as written too; the last word of a query also matches as a prefix of the
  written forms, so results follow what is being typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import rjieba
import snowballstemmer

__all__ = ["Term", "QueryTerms", "document_tokens", "query_terms", "normalize", "is_cjk"]

#: Han ideographs (with extensions and compatibility forms), kana and Hangul syllables.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0002fa1f"
)
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
#: Words a query may leave out (they would make nearly every record a required match).
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "i", "in", "is",
    "it", "my", "of", "on", "or", "the", "to", "was", "what", "when", "where", "why", "with",
    "you", "your",
})
#: Longest word kept (longer runs are ids, hashes or garbage; they are cut, not dropped).
_MAX_WORD = 64


def normalize(text: str) -> str:
    """The form every comparison uses: NFKC (full-width letters become ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_cjk(token: str) -> bool:
    return bool(token) and re.fullmatch(f"[{_CJK}]+", token) is not None


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball English stem of a case-folded word; digits and non-Latin words as they are."""
    if not word.isascii() or not word.isalpha():
        return word
    return str(_stemmer().stemWord(word))


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is CJK, run) for each run of ``text``, normalised."""
    for match in _RUNS.finditer(normalize(text)):
        cjk, word = match.groups()
        yield (True, cjk) if cjk else (False, word[:_MAX_WORD])


def _cjk_tokens(run: str) -> list[str]:
    tokens = list(run)
    tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    # Words of three or more characters; shorter ones are already unigrams or bigrams.
    tokens.extend(w for w in rjieba.cut(run) if len(w) > 2)
    return tokens


def document_tokens(text: str) -> list[str]:
    """The tokens a field's text is indexed as, in order (repeats kept: they weigh)."""
    tokens: list[str] = []
    for cjk, run in _runs(text):
        if cjk:
            tokens.extend(_cjk_tokens(run))
            continue
        stemmed = stem(run)
        tokens.append(stemmed)
        if stemmed != run:
            tokens.append(run)
    return tokens


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a matching record must contain: any of ``exact`` tokens, or a token starting
    with one of ``prefixes``."""

    exact: tuple[str, ...]
    prefixes: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        return self.exact + self.prefixes


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """What a query looks for: every term must match (``all``) or any (for suggestions)."""

    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    def tokens(self) -> tuple[str, ...]:
        """Every token and prefix the terms name, for highlighting."""
        return tuple(t for term in self.terms for t in term.alternatives)


def query_terms(text: str, *, prefix_last: bool = True) -> QueryTerms:
    """The terms of a user's query. Common English words are dropped unless nothing else is
    left; the last Latin word also matches as a prefix when ``prefix_last``."""
    runs = list(_runs(text))
    words = [r for cjk, r in runs if not cjk]
    keep_stopwords = all(w in _STOPWORDS for w in words)
    terms: list[Term] = []
    seen: set[Term] = set()
    for i, (cjk, run) in enumerate(runs):
        if cjk:
            grams = [run] if len(run) == 1 else [run[j:j + 2] for j in range(len(run) - 1)]
            new = [Term((g,)) for g in grams]
        elif run in _STOPWORDS and not keep_stopwords:
            continue
        elif prefix_last and i == len(runs) - 1 and len(run) >= 2:
            new = [Term((stem(run),), (run,))]
        else:
            new = [Term((stem(run),))]
        for term in new:
            if term not in seen:
                seen.add(term)
                terms.append(term)
    return QueryTerms(tuple(terms))
