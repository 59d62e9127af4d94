"""Query terms: stemmed content words and their rarity in the corpus."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

QUESTION_WORDS = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how", "did", "does", "do",
                  "is", "are", "was", "were", "say", "said", "tell", "according", "article", "articles"}
# Function words bm25s's list lacks; "us" goes too, because "US" and "U.S." must not diverge.
EXTRA_STOPWORDS = {"many", "much", "his", "her", "hers", "he", "she", "him", "us", "had", "has", "have", "be",
                   "been", "being", "may", "might", "would", "could", "should", "s", "its", "it", "their",
                   "them", "they", "we", "our", "i", "my", "me", "you", "your", "also", "than", "then"}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | QUESTION_WORDS | EXTRA_STOPWORDS


def fold(text: str) -> str:
    """Accent-insensitive matching: "Hé Lìfēng" finds "He Lifeng" and back."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def is_stopword(word: str) -> bool:
    return word.lower() in _stopwords()


def content_terms(text: str) -> list[str]:
    from assistant.index.keyword import stemmer

    words = [w for w in re.findall(r"[a-z0-9]+", fold(text).lower()) if w not in _stopwords()]
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
