"""SQLite files used as content-keyed stores (the ingest caches, the parse store): WAL mode, so
a `kill -9` loses at most the transaction being written, never what was committed. Kept apart
from `cache.py` so a reader (the parse store in a query) imports no ingest machinery."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

LOOKUP_BATCH = 900  # SQLite's default limit on bound parameters is 999


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def batches(items: list, size: int = LOOKUP_BATCH) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def text_key(model: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model}\0{text}".encode("utf-8"), digest_size=16).digest()
