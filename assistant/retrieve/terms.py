"""Query terms: stemmed content words and their rarity in the corpus."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

from assistant.retrieve.stopwords import STOPWORDS


NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold(text: str) -> str:
    """Accent-insensitive matching: "Hé Lìfēng" finds "He Lifeng" and back. Only the non-ASCII
    characters are looked at one by one: scoring a question folds ~100k characters of article
    text, where a loop over every character cost ~60 ms at BBC size."""
    if text.isascii():
        return text
    return NON_ASCII.sub(_drop_combining, unicodedata.normalize("NFKD", text))


def _drop_combining(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS


def content_terms(text: str) -> list[str]:
    return list(_content_terms(text))


@lru_cache(maxsize=65536)
def _content_terms(text: str) -> tuple[str, ...]:
    """Cached: scoring one question's candidates reads each sentence's terms many times over
    (its own, as a neighbour, as an antecedent): ~160 stemmings a question at BBC size."""
    from assistant.index.keyword import stemmer

    words = [w for w in re.findall(r"[a-z0-9]+", fold(text).lower()) if w not in STOPWORDS]
    return tuple(stemmer().stemWords(words))


CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+")


def english_zipf(word: str) -> float:
    """How common a word is in English (wordfreq's Zipf scale: "the" 7.7, "Washington" 5.1, "Blinken" 0)."""
    from wordfreq import zipf_frequency  # 0.2 s to import: the index stores what the corpus needs

    return zipf_frequency(word.lower(), "en", wordlist="small")


def capitalised_words(text: str) -> list[str]:
    """The lowercased capitalised words of a text (candidate names), sorted."""
    return sorted({w.lower() for w in CAPITALISED.findall(fold(text))})


def capitalised_word_zipf(words: set[str], known: dict[str, float] | None = None) -> dict[str, float]:
    """`english_zipf` of the corpus's capitalised words, computed at ingest (reusing `known`
    values), so that telling "Blinken" (specific) from "Washington" (everyday) costs no
    word-list load per question."""
    known = known or {}
    return {w: known[w] if w in known else round(english_zipf(w), 2) for w in sorted(words)}


class TermStats:
    """Sentence-level document frequencies, for IDF-weighted term coverage, and how common the
    corpus's capitalised words are in English. Lookups go to the index's term table (stored at
    ingest), so opening an index of any size costs nothing here."""

    def __init__(self, sentences: int, df: Callable[[str], int], word_zipf: Callable[[str], float | None]) -> None:
        self.n = max(1, sentences)
        self._df, self._word_zipf = df, word_zipf

    @classmethod
    def from_texts(cls, sentence_texts: list[str], word_zipf: dict[str, float] | None = None) -> TermStats:
        counts = Counter(t for s in sentence_texts for t in set(content_terms(s)))
        known = dict(word_zipf or {})
        return cls(len(sentence_texts), lambda t: counts.get(t, 0), known.get)

    def zipf(self, word: str) -> float:
        key = fold(word).lower()
        stored = self._word_zipf(key)
        return english_zipf(key) if stored is None else stored

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self._df(term) + 0.5))

    def known(self, term: str) -> bool:
        return self._df(term) > 0
