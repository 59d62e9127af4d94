"""Hybrid retrieval: dense (`dense.py`: exact or Chroma) + BM25, fused with reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index.keyword import KeywordIndex
from assistant.index.snapshot import ChunkStore
from assistant.retrieve.dense import ChromaDense, ExactDense
from assistant.models import Chunk


@dataclass
class RetrievedChunk:
    chunk: Chunk
    position: int  # row in the generation's chunk table
    fused: float
    dense_rank: int | None
    keyword_rank: int | None


def reciprocal_rank_fusion(rankings: list[list], k: int) -> dict:
    fused: dict = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


class HybridRetriever:
    """Candidates from both lists, resolved against the open generation's chunk table (the
    Chroma collection may hold rows of a generation being built or just retired)."""

    def __init__(self, chunks: ChunkStore, dense_search: ExactDense | ChromaDense | None, keyword: KeywordIndex,
                 dense_k: int, keyword_k: int, fused_k: int, rrf_k: int) -> None:
        self.chunks = chunks
        self.dense_search, self.keyword = dense_search, keyword
        self.dense_k, self.keyword_k, self.fused_k, self.rrf_k = dense_k, keyword_k, fused_k, rrf_k

    def dense(self, vector: np.ndarray) -> list[int]:
        return self.dense_search.nearest(vector, self.dense_k) if self.dense_search is not None else []

    def lexical(self, query: str) -> list[int]:
        return [pos for pos, _ in self.keyword.query(query, self.keyword_k)]

    def search(self, query: str, vector: np.ndarray, mode: str = "hybrid") -> list[RetrievedChunk]:
        dense = self.dense(vector) if mode in ("hybrid", "dense") else []
        lexical = self.lexical(query) if mode in ("hybrid", "bm25") else []
        fused = reciprocal_rank_fusion([dense, lexical], self.rrf_k)
        order = sorted(fused, key=lambda pos: (-fused[pos], pos))[: self.fused_k]
        chunks = self.chunks.by_positions(order)
        return [RetrievedChunk(chunks[pos], pos, fused[pos],
                               dense.index(pos) if pos in dense else None,
                               lexical.index(pos) if pos in lexical else None) for pos in order]
