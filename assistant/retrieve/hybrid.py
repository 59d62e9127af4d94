"""Hybrid retrieval: dense (Chroma) + BM25, fused with reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index.keyword import KeywordIndex
from assistant.index.snapshot import Snapshot
from assistant.index.store import VectorStore
from assistant.models import Chunk


@dataclass
class RetrievedChunk:
    chunk: Chunk
    fused: float
    dense_rank: int | None
    keyword_rank: int | None


def reciprocal_rank_fusion(rankings: list[list[str]], k: int) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


class HybridRetriever:
    def __init__(self, snap: Snapshot, store: VectorStore | None, keyword: KeywordIndex,
                 dense_k: int, keyword_k: int, fused_k: int, rrf_k: int) -> None:
        self.chunks = {c.id: c for c in snap.chunks}
        self.allowed = set(self.chunks)
        self.store, self.keyword = store, keyword
        self.dense_k, self.keyword_k, self.fused_k, self.rrf_k = dense_k, keyword_k, fused_k, rrf_k

    def dense(self, vector: np.ndarray) -> list[str]:
        if self.store is None:
            return []
        return [cid for cid, _ in self.store.query(vector, self.dense_k, self.allowed)]

    def lexical(self, query: str) -> list[str]:
        return [cid for cid, _ in self.keyword.query(query, self.keyword_k) if cid in self.allowed]

    def search(self, query: str, vector: np.ndarray, mode: str = "hybrid") -> list[RetrievedChunk]:
        dense = self.dense(vector) if mode in ("hybrid", "dense") else []
        lexical = self.lexical(query) if mode in ("hybrid", "bm25") else []
        fused = reciprocal_rank_fusion([dense, lexical], self.rrf_k)
        order = sorted(fused, key=lambda cid: -fused[cid])[: self.fused_k]
        return [RetrievedChunk(self.chunks[cid], fused[cid],
                               dense.index(cid) if cid in dense else None,
                               lexical.index(cid) if cid in lexical else None) for cid in order]
