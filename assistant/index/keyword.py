"""BM25 keyword index over chunks.

bm25s builds and saves the index (an eager sparse matrix of per-term, per-chunk BM25
scores). Queries read that saved matrix with numpy: a query's scores are the sum of its
terms' columns. `import bm25s` pulls in scipy.sparse (~0.4 s), a quarter of a cold
`ask`'s budget, for what is a few array slices here. tests/test_keyword.py checks
that both give the same ranking and scores.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.retrieve.stopwords import STOPWORDS

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default token pattern


@lru_cache(maxsize=1)
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    from assistant.retrieve.terms import fold

    return stemmer().stemWords([w for w in TOKEN.findall(fold(text).lower()) if w not in STOPWORDS])


def build(texts: list[str], folder: Path) -> None:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    index = bm25s.BM25()
    index.index([tokenize(t) for t in texts], show_progress=False)
    index.save(str(folder))


class KeywordIndex:
    """Rows are chunk positions in the generation (the order texts were given to `build`)."""

    def __init__(self, folder: Path, size: int) -> None:
        self.vocab: dict[str, int] = json.loads((folder / "vocab.index.json").read_text("utf-8"))
        self.data = np.load(folder / "data.csc.index.npy", mmap_mode="r")
        self.indices = np.load(folder / "indices.csc.index.npy", mmap_mode="r")
        self.indptr = np.load(folder / "indptr.csc.index.npy", mmap_mode="r")
        self.size = size

    def scores(self, question: str) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for token in tokenize(question):
            if (col := self.vocab.get(token)) is not None:
                start, end = self.indptr[col], self.indptr[col + 1]
                np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores

    def query(self, question: str, k: int) -> list[tuple[int, float]]:
        scores = self.scores(question)
        if k < len(scores):  # partial sort: O(n), not O(n log n), at any corpus size
            top = np.argpartition(-scores, k)[:k]
            order = top[np.lexsort((top, -scores[top]))]
        else:
            order = np.argsort(-scores, kind="stable")
        return [(int(i), float(scores[i])) for i in order[:k] if scores[i] > 0]
