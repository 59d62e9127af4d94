"""Dense retrieval over chunk vectors: exact over the generation's memory-mapped matrix while the
corpus is small enough, Chroma's HNSW index beyond that (or whenever a Chroma server is set).

Exact search reads every chunk vector, so its cost grows with the corpus (BBC's 5,326 chunks:
8 MB, ~1 ms); HNSW's does not. Below the cut-off exact search is both exact and cheaper to start:
a new process never imports chromadb (~0.45 s of a cold `ask`, more than the search itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from assistant.index.snapshot import ChunkStore, Snapshot
    from assistant.index.store import VectorStore
    from assistant.settings import Settings


class ExactDense:
    """Cosine over every chunk vector (rows in chunk-table order; vectors are unit length)."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    def nearest(self, vector: np.ndarray, n: int) -> list[int]:
        if n <= 0 or not len(self.vectors):
            return []
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        return [int(i) for i in top[np.lexsort((top, -scores[top]))]]  # best first; ties by position


class ChromaDense:
    """Chroma's nearest chunk ids, resolved against the open generation (the collection may also
    hold rows of a generation being built or just retired)."""

    def __init__(self, store: VectorStore, chunks: ChunkStore) -> None:
        self.store, self.chunks = store, chunks

    def nearest(self, vector: np.ndarray, n: int) -> list[int]:
        ids = [cid for cid, _ in self.store.query(vector, n * 3 + 10)]
        positions = self.chunks.positions_of(ids)
        return [positions[cid] for cid in ids if cid in positions][:n]


def dense_search(settings: Settings, snap: Snapshot) -> ExactDense | ChromaDense:
    """Exact search when the generation has its chunk vectors, no Chroma server is configured and
    the corpus has at most `exact_search_max_chunks` chunks; Chroma otherwise."""
    vectors = snap.chunk_vectors
    if settings.chroma_url is None and vectors is not None and len(vectors) <= settings.exact_search_max_chunks:
        return ExactDense(vectors)
    from assistant.index.store import open_store

    return ChromaDense(open_store(settings), snap.chunks)
