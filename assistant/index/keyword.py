"""BM25 keyword index over chunks (bm25s + Snowball stemming)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    from assistant.retrieve.terms import fold

    return bm25s.tokenize([fold(t) for t in texts], stopwords="en", stemmer=stemmer(), return_ids=False, show_progress=False)


def build(texts: list[str], folder: Path) -> None:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)

    index = bm25s.BM25()
    index.index(tokenize(texts), show_progress=False)
    index.save(str(folder))


class KeywordIndex:
    def __init__(self, folder: Path, ids: list[str]) -> None:
        import bm25s

        self.index = bm25s.BM25.load(str(folder))
        self.ids = ids

    def query(self, question: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize([question])
        if not tokens[0]:
            return []
        docs, scores = self.index.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
