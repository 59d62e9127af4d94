"""Writing an index generation: built in a `.partial` folder, published by one atomic rename
of the CURRENT pointer (the layout it writes is described in `assistant.index.snapshot`)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.index.chunking import DocumentParts
from assistant.index.snapshot import CHUNK_VECTORS, FORMAT, KEEP_PREVIOUS, POINTER, SCHEMA, SENTENCE_DTYPE
from assistant.models import Document


class GenerationWriter:
    """Builds a generation in a `.partial` folder; `publish` makes it current atomically."""

    def __init__(self, index_dir: Path, config_key: str, corpus: Path | None = None) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        self.index_dir = index_dir
        self.folder = index_dir / f"gen-{time.time_ns()}"
        self.tmp = self.folder.with_name(self.folder.name + ".partial")
        self.tmp.mkdir()
        self.db = sqlite3.connect(str(self.tmp / "index.sqlite"), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")  # the folder is published only when complete
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        info = [("format", str(FORMAT)), ("config_key", config_key)]
        if corpus is not None:  # which folder it answers about (`Assistant.open` checks it)
            info.append(("corpus", str(corpus.resolve())))
        self.db.executemany("INSERT INTO info VALUES (?, ?)", info)
        self.rows: list[tuple] = []
        self.doc_count = self.chunk_count = 0

    @property
    def sentence_count(self) -> int:
        return len(self.rows)

    def add(self, doc: Document, doc_key: str, entry: DocumentParts) -> None:
        first_sentence, first_chunk = len(self.rows), self.chunk_count
        for (start, end, line_start, line_end, heading), chunk in zip(entry.sentence_rows, entry.chunk_of_sentence):
            self.rows.append((self.doc_count, first_chunk + chunk, start, end, line_start, line_end, heading))
        self.db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (first_chunk + i, entry.chunk_id(i), self.doc_count, start, end, line_start, line_end, tokens,
             first_sentence + a, first_sentence + b)
            for i, ((start, end, line_start, line_end, tokens), (a, b))
            in enumerate(zip(entry.chunk_rows, entry.chunk_sentence_ranges))])
        self.db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
            self.doc_count, doc.file, doc.raw_sha256, doc_key, doc.duplicate_group, int(doc.is_original),
            doc.meta.title, first_sentence, len(self.rows), first_chunk, first_chunk + len(entry.chunk_rows),
            doc.model_dump_json()))
        self.doc_count += 1
        self.chunk_count += len(entry.chunk_rows)

    def finish(self, sentence_vectors: np.ndarray, chunk_vectors: np.ndarray, term_df: dict[str, int],
               word_zipf: dict[str, float], write_extra: Callable[[Path], None]) -> None:
        self.db.executemany("INSERT INTO terms VALUES (?, ?)", term_df.items())
        self.db.executemany("INSERT INTO word_zipf VALUES (?, ?)", word_zipf.items())
        self.db.execute("COMMIT")
        self.db.close()
        np.save(self.tmp / "sentences.npy", np.array(self.rows, dtype=SENTENCE_DTYPE))
        np.save(self.tmp / "sentence_vectors.npy", np.ascontiguousarray(sentence_vectors, dtype=np.float32))
        np.save(self.tmp / CHUNK_VECTORS, np.ascontiguousarray(chunk_vectors, dtype=np.float32))
        write_extra(self.tmp)

    def publish(self) -> Path:
        for path in self.tmp.rglob("*"):
            if path.is_file():
                with open(path, "rb") as fh:
                    os.fsync(fh.fileno())
        os.replace(self.tmp, self.folder)
        pointer_tmp = self.index_dir / (POINTER + ".tmp")
        pointer_tmp.write_text(self.folder.name, encoding="utf-8")
        with open(pointer_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, self.index_dir / POINTER)
        _prune(self.index_dir, keep=self.folder.name)
        return self.folder

    def abandon(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _prune(index_dir: Path, keep: str) -> None:
    gens = sorted(p for p in index_dir.glob("gen-*") if p.name != keep)
    stale = [p for p in gens if p.name.endswith(".partial")] + \
        [p for p in gens if not p.name.endswith(".partial")][:-KEEP_PREVIOUS or None]
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)


