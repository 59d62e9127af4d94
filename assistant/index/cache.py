"""Work kept between ingest runs, keyed by content, so a killed or repeated ingest redoes
nothing it already finished.

Two SQLite files under `<home>/cache/` (WAL mode: a `kill -9` loses at most the batch
being written, never what was committed):
- `documents.sqlite`: per raw-file hash, the cleaned document and its MinHash
  signature; per cleaned text and chunk settings, the chunk and sentence spans.
- `vectors.sqlite`: per (model, text) hash, the embedding. Identical texts anywhere in
  the corpus are embedded once; a resumed run embeds only what is missing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from assistant.corpus.duplicates import Fingerprint, near_duplicate_scheme
from assistant.index.kvstore import Transaction, batches, connect, text_key
from assistant.models import Document


class DocumentCache:
    """Cleaned documents by raw bytes, chunk layouts by cleaned text."""

    def __init__(self, path: Path, version: str) -> None:
        self.db = connect(path)
        self.version = version
        self.db.execute("CREATE TABLE IF NOT EXISTS cleaned (raw_sha256 TEXT, version TEXT, document TEXT, "
                        "text_hash TEXT, shingles INTEGER, signature BLOB, PRIMARY KEY (raw_sha256, version))")
        self.db.execute("CREATE TABLE IF NOT EXISTS layout (doc_key TEXT, config TEXT, spans TEXT, "
                        "PRIMARY KEY (doc_key, config))")
        self.db.execute("CREATE TABLE IF NOT EXISTS originals (members TEXT PRIMARY KEY, text_hash TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS near_seen (scheme TEXT, text_hash TEXT, PRIMARY KEY (scheme, text_hash))")
        self.db.execute("CREATE TABLE IF NOT EXISTS near_pairs (scheme TEXT, a TEXT, b TEXT)")
        self.originals = _Originals(self.db)
        self.near_pairs = _NearPairs(self.db, near_duplicate_scheme())

    def get(self, raw_sha256: str, file: str) -> tuple[Document, Fingerprint] | None:
        row = self.db.execute("SELECT document, text_hash, shingles, signature FROM cleaned "
                              "WHERE raw_sha256=? AND version=?", (raw_sha256, self.version)).fetchone()
        if row is None:
            return None
        doc = Document.model_validate_json(row[0])
        doc.file = file  # the cache is by content; the same bytes may live under another name
        return doc, Fingerprint(row[1], row[2], np.frombuffer(row[3], dtype=np.uint64))

    def put(self, doc: Document, fp: Fingerprint) -> None:
        self.db.execute("INSERT OR REPLACE INTO cleaned VALUES (?, ?, ?, ?, ?, ?)",
                        (doc.raw_sha256, self.version, doc.model_dump_json(), fp.text_hash, fp.shingles,
                         np.asarray(fp.signature, dtype=np.uint64).tobytes()))

    def layout(self, doc_key: str, config: str) -> dict | None:
        row = self.db.execute("SELECT spans FROM layout WHERE doc_key=? AND config=?", (doc_key, config)).fetchone()
        return json.loads(row[0]) if row else None

    def put_layout(self, doc_key: str, config: str, spans: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO layout VALUES (?, ?, ?)", (doc_key, config, json.dumps(spans)))

    def transaction(self):
        """Group many writes into one commit (much faster than one commit each)."""
        return Transaction(self.db)


class _Originals:
    """Which member of a duplicate group reads as the original, by the group's text hashes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT text_hash FROM originals WHERE members=?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, text_hash: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO originals VALUES (?, ?)", (key, text_hash))


class _NearPairs:
    """The texts and near-duplicate pairs of the last grouping, under the grouping's parameters."""

    def __init__(self, db: sqlite3.Connection, scheme: str) -> None:
        self.db, self.scheme = db, scheme

    def load(self) -> tuple[set[str], list[tuple[str, str]]] | None:
        seen = {r[0] for r in self.db.execute("SELECT text_hash FROM near_seen WHERE scheme=?", (self.scheme,))}
        if not seen:
            return None
        pairs = [(a, b) for a, b in self.db.execute("SELECT a, b FROM near_pairs WHERE scheme=?", (self.scheme,))]
        return seen, pairs

    def save(self, seen: set[str], pairs: list[tuple[str, str]]) -> None:
        with Transaction(self.db):
            self.db.execute("DELETE FROM near_seen")
            self.db.execute("DELETE FROM near_pairs")
            self.db.executemany("INSERT INTO near_seen VALUES (?, ?)", [(self.scheme, h) for h in sorted(seen)])
            self.db.executemany("INSERT INTO near_pairs VALUES (?, ?, ?)", [(self.scheme, a, b) for a, b in pairs])


class VectorCache:
    """Embeddings by (model, text) hash."""

    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.db = connect(path)
        self.model, self.dim = model, dim
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")

    def key(self, text: str) -> bytes:
        return text_key(self.model, text)

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for batch in batches(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(batch))
            for key, blob in self.db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch):
                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """One transaction per call: what was committed survives a kill."""
        with Transaction(self.db):
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors)])

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
