"""Ingest: corpus folder -> chunks -> embeddings -> Chroma + BM25, incrementally and atomically.

Order of work makes a crash harmless: new rows are upserted into Chroma under new
ids first (old rows stay), then the local generation is published in one rename,
and only then are rows the new generation no longer names deleted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.corpus import Corpus, load_corpus
from assistant.index import keyword, snapshot
from assistant.index.chunking import chunk_document, document_key
from assistant.index.embedder import export_onnx, onnx_path, query_encoder, reference_encoder
from assistant.index.snapshot import Snapshot
from assistant.index.store import open_store
from assistant.models import Chunk, Document, Sentence
from assistant.retrieve.terms import capitalised_word_zipf
from assistant.settings import Settings

log = logging.getLogger(__name__)

PIPELINE_VERSION = "7"
EMBED_MODEL = "all-MiniLM-L6-v2"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IngestReport:
    documents: list[Document]
    chunk_counts: dict[str, int]
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    embedded_texts: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "documents": [d.describe(self.chunk_counts.get(d.file, 0)) for d in self.documents],
            "added": len(self.added), "updated": len(self.updated), "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "files": {"added": self.added, "updated": self.updated, "removed": self.removed,
                      "unchanged": self.unchanged},
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "embedded_texts": self.embedded_texts, "seconds": round(self.seconds, 3),
        }


def _crash_point(name: str) -> None:
    """Fault injection for the crash-safety tests: ASSISTANT_CRASH_AT=<name> kills the
    process right here, as `kill -9` would, at the most dangerous moments of a run."""
    if os.environ.get("ASSISTANT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def config_key(settings: Settings) -> str:
    """Anything that changes chunks or vectors; a change re-embeds everything."""
    parts = [PIPELINE_VERSION, EMBED_MODEL, settings.chunk_size, settings.chunk_overlap,
             settings.chroma_url or "embedded", settings.collection]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _reusable(previous: Snapshot | None, key: str, present: set[str]) -> dict[str, str]:
    """file -> content key of documents whose chunks and vectors can be reused."""
    if previous is None or previous.config_key != key:
        return {}
    ids_by_file: dict[str, set[str]] = {}
    for c in previous.chunks:
        ids_by_file.setdefault(c.file, set()).add(c.id)
    return {f: k for f, k in previous.doc_keys.items() if ids_by_file.get(f, set()) <= present}


def _embed(texts: list[str], encoder_path: Path, progress: Progress | None, stage: str) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    # the checked ONNX export gives the reference vectors without loading torch
    encoder = query_encoder(encoder_path) if encoder_path.exists() else reference_encoder()
    out, step = [], 32
    for i in range(0, len(texts), step):
        out.append(encoder.encode(texts[i : i + step]))
        if progress:
            progress(stage, min(i + step, len(texts)), len(texts))
    return np.vstack(out)


def ingest(settings: Settings, corpus_dir: Path | None = None, progress: Progress | None = None) -> IngestReport:
    started = time.perf_counter()
    corpus: Corpus = load_corpus(corpus_dir or settings.corpus)
    key = config_key(settings)
    previous = snapshot.load(settings.index_dir)
    store = open_store(settings)
    in_store = store.all_ids()
    reusable = _reusable(previous, key, in_store)

    old_chunks = {c.id: c for c in previous.chunks} if previous else {}
    old_vectors = {(s.file, s.start, s.end): v for s, v in zip(previous.sentences, previous.sentence_vectors)} \
        if previous else {}
    report = IngestReport(documents=corpus.documents, chunk_counts={},
                          skipped=[(s.file, s.reason) for s in corpus.skipped])
    chunks: list[Chunk] = []
    new_chunks: list[Chunk] = []
    doc_keys: dict[str, str] = {}
    for i, doc in enumerate(corpus.documents):
        doc_key = document_key(doc)
        doc_keys[doc.file] = doc_key
        if reusable.get(doc.file) == doc_key:
            doc_chunks = [c for c in old_chunks.values() if c.file == doc.file]
            doc_chunks.sort(key=lambda c: int(c.id.rsplit(":", 1)[1]))
            report.unchanged.append(doc.file)
        else:
            doc_chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            new_chunks += doc_chunks
            (report.updated if previous and doc.file in previous.doc_keys else report.added).append(doc.file)
        chunks += doc_chunks
        report.chunk_counts[doc.file] = len(doc_chunks)
        if progress:
            progress("chunk", i + 1, len(corpus.documents))
    report.removed = sorted(set(previous.doc_keys) - set(doc_keys)) if previous else []

    sentences = _unique_sentences(chunks)
    missing = [s for s in sentences if (s.file, s.start, s.end) not in old_vectors or s.file not in report.unchanged]
    fresh = dict(zip([(s.file, s.start, s.end) for s in missing],
                     _embed([s.text for s in missing], onnx_path(settings), progress, "embed sentences")))
    chunk_vectors = _embed([c.text for c in new_chunks], onnx_path(settings), progress, "embed chunks")
    report.embedded_texts = len(missing) + len(new_chunks)
    if new_chunks:
        store.upsert([c.id for c in new_chunks], chunk_vectors, [c.text for c in new_chunks],
                     [{"file": c.file, "start": c.start, "end": c.end, "line_start": c.line_start,
                       "line_end": c.line_end, "tokens": c.tokens} for c in new_chunks])
    vectors = np.array([fresh.get((s.file, s.start, s.end), old_vectors.get((s.file, s.start, s.end)))
                        for s in sentences], dtype=np.float32).reshape(len(sentences), -1)

    _crash_point("after-upsert")
    changed = bool(new_chunks or report.removed or previous is None or previous.config_key != key
                   or [d.model_dump() for d in previous.documents] != [d.model_dump() for d in corpus.documents])
    if changed:
        snap = Snapshot(config_key=key, documents=corpus.documents, chunks=chunks, sentences=sentences,
                        sentence_vectors=vectors, doc_keys=doc_keys,
                        word_zipf=capitalised_word_zipf([s.text for s in sentences]))
        snapshot.publish(settings.index_dir, snap,
                         lambda folder: keyword.build([c.text for c in chunks], folder / "bm25"))
        _crash_point("after-publish")
    stale = sorted(in_store - {c.id for c in chunks})  # replaced rows, and orphans of a crashed run
    if stale:
        store.delete(stale)
    if not onnx_path(settings).exists():
        export_onnx(onnx_path(settings), reference_encoder())
    report.seconds = time.perf_counter() - started
    return report


def _unique_sentences(chunks: list[Chunk]) -> list[Sentence]:
    seen: dict[tuple[str, int, int], Sentence] = {}
    for c in chunks:
        for s in c.sentences:
            seen.setdefault((s.file, s.start, s.end), s)
    return list(seen.values())
