"""Query terms: stemmed content words and their rarity in the corpus."""

from __future__ import annotations

import logging
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
    return _fold(text)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """Cached: a question's candidates fold the same article leads and neighbourhoods many times."""
    return NON_ASCII.sub(_drop_combining, unicodedata.normalize("NFKD", text))


def _drop_combining(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS


def content_terms(text: str) -> list[str]:
    return list(_content_terms(text))


@lru_cache(maxsize=65536)
def term_set(text: str) -> frozenset[str]:
    """`content_terms` as a set, cached: scoring asks of each candidate which terms it holds."""
    return frozenset(_content_terms(text))


@lru_cache(maxsize=65536)
def _content_terms(text: str) -> tuple[str, ...]:
    """Cached: scoring one question's candidates reads each sentence's terms many times over
    (its own, as a neighbour, as an antecedent): ~160 stemmings a question at BBC size."""
    from assistant.index.keyword import stemmer

    words = [w for w in re.findall(r"[a-z0-9]+", fold(text).lower()) if w not in STOPWORDS]
    return tuple(stemmer().stemWords(words))


CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+")


TOKEN = re.compile(r"[a-z]+(?:[.][a-z]+)*")  # one wordfreq token: "zafi.d" (apostrophes: wordfreq's own rules)
HYPHENATED = re.compile(r"[a-z]+(?:-[a-z]+)+")  # tokens joined by hyphens: "e-mail", "half-life"


def english_zipf(word: str, wordlist: str = "small") -> float:
    """How common a word is in English (wordfreq's Zipf scale: "the" 7.7, "Washington" 5.1, "Blinken" 0).
    A word of letters is looked up in wordfreq's own list, read directly: importing wordfreq costs
    ~0.4 s (langcodes' tables) and its first lookup ~0.15 s more, once per process that meets a
    question word the index has no value for. Anything else (digits, other marks) goes through
    wordfreq, which tokenizes it."""
    word = word.lower()
    tokens = [word] if TOKEN.fullmatch(word) else word.split("-") if HYPHENATED.fullmatch(word) else None
    table = _wordfreq_buckets(wordlist) if tokens else None
    if table is None:
        from wordfreq import zipf_frequency

        return zipf_frequency(word, "en", wordlist=wordlist)
    buckets = [table.get(t) for t in tokens]
    if None in buckets:
        return 0.0
    if len(buckets) == 1:
        return round(9 - buckets[0] / 100, 2)  # bucket i holds words at -i centibels
    freq = 1.0 / sum(10 ** (b / 100) for b in buckets)  # as wordfreq combines tokens: 1/f = sum of 1/f_i
    freq = round(freq, math.floor(-math.log10(freq)) + 3)  # ...to 3 significant digits
    return round(math.log10(freq) + 9, 2)


@lru_cache(maxsize=2)
def _wordfreq_buckets(wordlist: str) -> dict[str, int] | None:
    """wordfreq's English list ("small": 29k words, 10 ms; "large": 321k, 0.16 s) as word -> bucket,
    or None when the package's data file is not where wordfreq keeps it."""
    import gzip
    import importlib.util

    try:
        import msgpack

        spec = importlib.util.find_spec("wordfreq")
        folder = next(iter(spec.submodule_search_locations or []))
        with gzip.open(f"{folder}/data/{wordlist}_en.msgpack.gz", "rb") as f:
            header, *buckets = msgpack.load(f, raw=False)
    except (ImportError, OSError, StopIteration, AttributeError, ValueError) as e:
        logging.getLogger(__name__).debug("wordfreq's list not read directly (%s)", e)
        return None
    if not isinstance(header, dict) or header.get("format") != "cB":
        return None
    return {w: i for i, bucket in enumerate(buckets) for w in bucket}


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
