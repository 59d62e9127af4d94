"""Chroma vector store: embedded (a folder) by default, a server when a URL is set."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

log = logging.getLogger(__name__)

BATCH = 256
# Chroma's default search breadth (ef 10) for our top 8 leaves the nearest chunks to how the graph
# happened to be built, and multi-threaded inserts build it differently each time: the same corpus
# ingested twice answered a BBC question differently. A wider search and one insert thread make
# the dense hits the same on every build (set when a collection is created).
HNSW = {"hnsw:space": "cosine", "hnsw:search_ef": 128, "hnsw:num_threads": 1}


@lru_cache(maxsize=4)
def _client(url: str | None, path: str):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                   ssl=parsed.scheme == "https", settings=chroma_settings)
    Path(path).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=path, settings=chroma_settings)


class VectorStore:
    def __init__(self, url: str | None, path: Path, collection: str) -> None:
        self.client = _client(url, str(path))
        self.collection = self.client.get_or_create_collection(
            collection, metadata=HNSW, embedding_function=None)

    def upsert(self, ids: list[str], vectors: np.ndarray, texts: list[str], metadatas: list[dict],
               progress=None) -> None:
        for i in range(0, len(ids), BATCH):
            self.collection.upsert(ids=ids[i : i + BATCH], embeddings=vectors[i : i + BATCH].tolist(),
                                   documents=texts[i : i + BATCH], metadatas=metadatas[i : i + BATCH])
            if progress:
                progress("store", min(i + BATCH, len(ids)), len(ids))

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), BATCH):
            self.collection.delete(ids=ids[i : i + BATCH])

    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity. The collection may also hold rows of
        another generation (during an ingest): the caller keeps those its generation names. Chroma
        returns fewer than `n` from a smaller collection, so no count() round trip (6 ms at BBC size)."""
        if n <= 0:
            return []
        res = self.collection.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
        return [(cid, 1.0 - d) for cid, d in zip(res["ids"][0], res["distances"][0])]


def open_store(settings) -> VectorStore:
    """The configured store: a Chroma server if `chroma_url` is set, else the embedded one."""
    return VectorStore(settings.chroma_url, settings.index_dir / "chroma", settings.collection)
