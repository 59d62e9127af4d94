"""Query terms: stemmed content words and their rarity in the corpus."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

from assistant.retrieve.stopwords import STOPWORDS


def fold(text: str) -> str:
    """Accent-insensitive matching: "Hé Lìfēng" finds "He Lifeng" and back."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS


def content_terms(text: str) -> list[str]:
    from assistant.index.keyword import stemmer

    words = [w for w in re.findall(r"[a-z0-9]+", fold(text).lower()) if w not in STOPWORDS]
    return stemmer().stemWords(words)


class TermStats:
    """Sentence-level document frequencies, for IDF-weighted term coverage."""

    def __init__(self, sentence_texts: list[str]) -> None:
        self.n = max(1, len(sentence_texts))
        self.df = Counter(t for s in sentence_texts for t in set(content_terms(s)))

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df
