"""Ingest: corpus folder -> chunks -> embeddings -> Chroma + BM25, incrementally and atomically.

Work is kept as it is done, so a killed run loses little and the next run resumes:
cleaned documents, chunk layouts and vectors go to content-keyed caches
(`assistant.index.cache`) batch by batch. The order of the final steps makes a crash
harmless: new rows are upserted into Chroma under new ids first (old rows stay, and
the ids are journalled so orphans of a crash are swept later), then the local
generation is published with one rename, and only then are rows the new generation
no longer names deleted.
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from assistant.answer import probes
from assistant.corpus import Corpus, group_duplicates, load_corpus
from assistant.corpus.loader import CorpusRules
from assistant.index import generation, keyword, parses
from assistant.index import snapshot as snapshots
from assistant.index.cache import DocumentCache, VectorCache
from assistant.index.chunking import DocumentParts, Layout, document_key, layout_document, materialise
from assistant.index.config import CORPUS_VERSION, LAYOUT_VERSION, PIPELINE_VERSION, config_key
from assistant.index.embedder import DIM, embed_texts, ensure_encoder, query_encoder, separate_weights
from assistant.index.store import open_store
from assistant.models import Document
from assistant.retrieve.terms import TermStats, capitalised_word_zipf, capitalised_words, content_terms
from assistant.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

JOURNAL = "pending-chroma-ids.json"
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
    reused_vectors: int = 0
    parsed_sentences: int = 0
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def duplicate_groups(self) -> int:
        return len({d.duplicate_group for d in self.documents if d.duplicate_group})

    def to_json(self) -> dict:
        return {
            "documents": [d.describe(self.chunk_counts.get(d.file, 0)) for d in self.documents],
            "added": len(self.added), "updated": len(self.updated), "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "files": {"added": self.added, "updated": self.updated, "removed": self.removed,
                      "unchanged": self.unchanged},
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "duplicate_groups": self.duplicate_groups,
            "embedded_texts": self.embedded_texts, "reused_vectors": self.reused_vectors,
            "parsed_sentences": self.parsed_sentences,
            "seconds": round(self.seconds, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
        }


def _crash_point(name: str) -> None:
    """Fault injection for the crash-safety tests: ASSISTANT_CRASH_AT=<name> kills the
    process right here, as `kill -9` would, at the most dangerous moments of a run."""
    if os.environ.get("ASSISTANT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class _Stages:
    """Per-stage wall time, for the report (and the scale benchmark)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.t = time.perf_counter()

    def done(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self.t
        self.t = now


def _indexed(corpus: Corpus) -> list[Document]:
    """Documents whose text is indexed: an identical copy of an earlier file is not indexed
    again (it stays listed, viewable and named under `also_in` of the original's citations)."""
    seen: set[str] = set()
    out = []
    for doc in corpus.documents:
        h = corpus.fingerprints[doc.file].text_hash
        if h not in seen:
            seen.add(h)
            out.append(doc)
    return out


def _layouts(docs: list[Document], cache: DocumentCache, settings: Settings,
             progress: Progress | None) -> dict[str, DocumentParts]:
    config = f"{settings.chunk_size}/{settings.chunk_overlap}/{PIPELINE_VERSION}/{LAYOUT_VERSION}"
    parts: dict[str, DocumentParts] = {}
    with cache.transaction():
        for i, doc in enumerate(docs):
            key = document_key(doc)
            cached = cache.layout(key, config)
            if cached is None:
                layout = layout_document(doc, settings.chunk_size, settings.chunk_overlap)
                layout.sentence_terms = [sorted(set(content_terms(doc.text[a:b]))) for a, b in layout.sentences]
                layout.chunk_tokens = [keyword.tokenize(doc.text[a:b]) for a, b, _ in layout.chunks]
                layout.capitalised = capitalised_words(doc.text)
                cache.put_layout(key, config, layout.to_json())
            else:
                layout = Layout.from_json(cached)
            parts[doc.file] = materialise(doc, layout, key)
            if progress:
                progress("chunk", i + 1, len(docs))
    return parts


def _vectors(texts: list[str], cache: VectorCache, encoder_path: Path, progress: Progress | None,
             report: IngestReport, commit_every: int) -> np.ndarray:
    """Vectors for texts, from the cache where possible; the rest embedded and cached batch by batch."""
    keys = [cache.key(t) for t in texts]
    found = cache.get_many(keys)
    missing = list({k: t for k, t in zip(keys, texts) if k not in found}.items())
    report.reused_vectors = len(set(keys)) - len(missing)
    report.embedded_texts = len(missing)

    def keep(batch_keys: list[bytes], vectors: np.ndarray) -> None:
        cache.put_many(batch_keys, vectors)
        found.update(zip(batch_keys, vectors))
        _crash_point("mid-embed")  # one batch kept, the rest not yet embedded

    embed_texts([t for _, t in missing], [k for k, _ in missing], encoder_path, keep, progress, commit_every)
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.vstack([found[k] for k in keys]).astype(np.float32)


class _LazyRows(Sequence[T]):
    """One row order over every document's parts (sentences, or chunks), each object built only
    when read: a re-ingest never builds every document's Sentence and Chunk objects (the null
    profile reads a few hundred sentences, Chroma gets only the chunks new to it)."""

    def __init__(self, parts: list[DocumentParts], count: Callable[[DocumentParts], int],
                 item: Callable[[DocumentParts, int], T]) -> None:
        self.parts, self.item = parts, item
        self.starts = list(itertools.accumulate((count(p) for p in parts), initial=0))

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        doc = bisect.bisect_right(self.starts, row) - 1
        return self.item(self.parts[doc], row - self.starts[doc])


def _sentence_vectors(indexed: list[Document], parts: dict[str, DocumentParts],
                      previous: snapshots.Snapshot | None, embed: Callable[[list[str]], np.ndarray],
                      report: IngestReport) -> np.ndarray:
    """All sentence vectors in index order: an unchanged text's rows are copied from the previous
    generation (same configuration, so the same encoder); only other texts go through the cache."""
    reusable = previous.documents.sentence_ranges_by_key() if previous is not None else {}
    pieces: list[tuple[str, object]] = []  # ("old", range) or ("new", count)
    texts: list[str] = []
    for doc in indexed:
        doc_parts = parts[doc.file]
        rows = reusable.get(document_key(doc))
        if rows is not None and len(rows) == len(doc_parts.sentence_rows):
            pieces.append(("old", rows))
        else:
            pieces.append(("new", len(doc_parts.sentence_rows)))
            texts.extend(doc.text[s:e] for s, e, *_ in doc_parts.sentence_rows)
    fresh = embed(texts)
    out, taken = [], 0
    for kind, what in pieces:
        if kind == "old":
            out.append(previous.sentence_vectors[what.start : what.stop])
        else:
            out.append(fresh[taken : taken + what])
            taken += what
    report.reused_vectors += sum(len(what) for kind, what in pieces if kind == "old")
    return np.concatenate(out).astype(np.float32, copy=False) if out else np.zeros((0, DIM), dtype=np.float32)


def chunk_vectors_of(parts: list[DocumentParts], sentence_vectors: np.ndarray) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors. Embedding each
    chunk as well would double the encoder's work (a 256-token chunk costs as much as
    its eight sentences together), and MiniLM truncates long chunks at 256 word pieces,
    where the mean still sees every sentence."""
    out, base = [], 0
    for p in parts:
        for a, b in p.chunk_sentence_ranges:
            v = sentence_vectors[base + a : base + b].mean(axis=0) if b > a else np.zeros(DIM, dtype=np.float32)
            out.append(v / max(float(np.linalg.norm(v)), 1e-9))
        base += len(p.sentence_rows)
    return np.array(out, dtype=np.float32).reshape(len(out), DIM)


def _read_journal(index_dir: Path) -> set[str]:
    return set(snapshots.read_json(index_dir / JOURNAL, []))


def _write_journal(index_dir: Path, ids: set[str]) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / (JOURNAL + ".tmp")
    tmp.write_text(json.dumps(sorted(ids)), encoding="utf-8")
    os.replace(tmp, index_dir / JOURNAL)


def _classify(report: IngestReport, previous: dict[str, str], current: dict[str, str]) -> None:
    for file, raw in current.items():
        if file not in previous:
            report.added.append(file)
        elif previous[file] != raw:
            report.updated.append(file)
        else:
            report.unchanged.append(file)
    report.removed = sorted(set(previous) - set(current))


def term_df(parts: list[DocumentParts]) -> dict[str, int]:
    df: Counter[str] = Counter()
    for p in parts:
        for terms in p.layout.sentence_terms:
            df.update(terms)
    return dict(df)


def add_null_profile(snap: snapshots.Snapshot, settings: Settings) -> None:
    """A generation built before the refusal model's null profile (`probes.py`) gets it here: ingest
    is the index's only writer, so a process answering questions never writes into a generation."""
    if probes.read(snap.folder) is not None:
        return
    stats = TermStats(snap.sentence_count, snap.terms.df, snap.terms.zipf)
    profile = probes.compute(snap.sentences, snap.sentence_vectors, stats,
                             query_encoder(ensure_encoder(settings)).encode)
    probes.write(snap.folder, profile)


def _kept_null_profile(previous: snapshots.Snapshot | None, report: IngestReport, documents: int) -> dict | None:
    """The previous generation's null profile when only a few files changed: a statistic of the
    whole corpus that a handful of edits cannot move (recomputing it is ~1 s of a small re-ingest)."""
    changed = len(report.added) + len(report.updated) + len(report.removed)
    if previous is None or changed > probes.REUSE_MAX_CHANGED_SHARE * max(documents, 1):
        return None
    return probes.read(previous.folder)


def _parse_sentences(snap: snapshots.Snapshot, settings: Settings, progress: Progress | None,
                     report: IngestReport) -> None:
    """Parse the published generation's sentences the parse store lacks. After publishing, so
    `ask` answers meanwhile (parsing per question); a kill here loses one batch at most."""
    if not settings.parse_at_ingest:
        return

    def step(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)
        if 0 < done < total:
            _crash_point("mid-parse")

    store = parses.ParseStore.open(settings.cache_dir)
    report.parsed_sentences = parses.parse_corpus(snap.sentences.texts(), store,
                                                  settings.parse_workers or os.cpu_count() or 1,
                                                  settings.parse_commit_every, step)


def ingest(settings: Settings, corpus_dir: Path | None = None, progress: Progress | None = None) -> IngestReport:
    started = time.perf_counter()
    stages = _Stages()
    cache_dir = settings.cache_dir
    doc_cache = DocumentCache(cache_dir / "documents.sqlite", CORPUS_VERSION)
    corpus = load_corpus(corpus_dir or settings.corpus, doc_cache, progress, group=False,
                         rules=CorpusRules.from_settings(settings))
    stages.done("read")
    key = config_key(settings)
    previous = snapshots.load(settings.index_dir)
    same_config = previous is not None and previous.config_key == key
    previous_hashes = previous.documents.raw_hashes() if same_config else {}
    current_hashes = {d.file: d.raw_sha256 for d in corpus.documents}
    report = IngestReport(documents=corpus.documents, chunk_counts={}, skipped=[(s.file, s.reason) for s in corpus.skipped])
    _classify(report, previous_hashes, current_hashes)
    journal = _read_journal(settings.index_dir)
    if same_config and previous_hashes == current_hashes and not journal:
        report.documents = list(previous.documents.all())  # as published, duplicate groups included
        report.chunk_counts = previous.documents.chunk_counts()
        add_null_profile(previous, settings)
        separate_weights(settings)
        _parse_sentences(previous, settings, progress, report)  # finishes a parse pass a kill cut short
        stages.done("parse")
        report.seconds = time.perf_counter() - started
        report.stage_seconds = stages.seconds
        return report  # nothing changed: the published generation stands

    group_duplicates(corpus, doc_cache.originals, doc_cache.near_pairs)
    stages.done("duplicates")
    encoder_path = ensure_encoder(settings)
    stages.done("encoder")
    indexed = _indexed(corpus)
    parts = _layouts(indexed, doc_cache, settings, progress)
    stages.done("chunk")
    ordered = [parts[d.file] for d in indexed]
    sentences = _LazyRows(ordered, lambda p: len(p.sentence_rows), lambda p, i: p.sentences[i])
    chunk_ids = [i for p in ordered for i in p.chunk_ids]
    vector_cache = VectorCache(cache_dir / "vectors.sqlite", settings.encoder_name, DIM)
    sentence_vectors = _sentence_vectors(
        indexed, parts, previous if same_config else None,
        lambda texts: _vectors(texts, vector_cache, encoder_path, progress, report, settings.embed_commit_every),
        report)

    def cached_encode(texts: list[str]) -> np.ndarray:  # the probe questions: embedded once per cache
        return _vectors(texts, vector_cache, encoder_path, None, IngestReport([], {}), settings.embed_commit_every)

    chunk_vectors = chunk_vectors_of(ordered, sentence_vectors)
    stages.done("embed")

    store = open_store(settings)
    kept = set(chunk_ids)
    # rows of the previous generation; with none readable (first run, or an older index
    # format) whatever else the collection holds
    before = previous.chunks.ids() if previous else store.all_ids()
    live = before if same_config else set()
    fresh = [i for i, chunk_id in enumerate(chunk_ids) if chunk_id not in live]
    # every id whose fate is open until the sweep: rows about to be added, rows about to go
    journal |= {chunk_ids[i] for i in fresh} | (before - kept)
    _write_journal(settings.index_dir, journal)
    chunks = _LazyRows(ordered, lambda p: len(p.chunk_rows), DocumentParts.chunk)
    new_chunks = [chunks[i] for i in fresh]
    store.upsert([c.id for c in new_chunks], chunk_vectors[fresh], [c.text for c in new_chunks],
                 [{"file": c.file, "start": c.start, "end": c.end, "line_start": c.line_start,
                   "line_end": c.line_end, "tokens": c.tokens} for c in new_chunks], progress)
    stages.done("store")
    _crash_point("after-upsert")

    writer = generation.GenerationWriter(settings.index_dir, key, corpus_dir or settings.corpus)
    empty = DocumentParts.empty()
    for doc in corpus.documents:
        doc_parts = parts.get(doc.file, empty)
        writer.add(doc, document_key(doc), doc_parts)
        report.chunk_counts[doc.file] = len(doc_parts.chunk_rows)
    if progress:
        progress("keyword index", 0, 1)
    df = term_df(list(parts.values()))
    zipf = capitalised_word_zipf({w for d in indexed for w in parts[d.file].layout.capitalised},
                                 previous.terms.all_zipf() if previous else None)

    def write_extra(folder: Path) -> None:
        keyword.build_from_tokens([t for d in indexed for t in parts[d.file].layout.chunk_tokens], folder / "bm25")
        profile = _kept_null_profile(previous, report, len(corpus.documents))
        if profile is None:
            stats = TermStats(len(sentences), lambda t: df.get(t, 0), zipf.get)
            profile = probes.compute(sentences, sentence_vectors, stats, cached_encode)
        probes.write(folder, profile)

    writer.finish(sentence_vectors, chunk_vectors, df, zipf, write_extra)
    if progress:
        progress("keyword index", 1, 1)
    writer.publish()
    stages.done("publish")
    _crash_point("after-publish")

    stale = sorted((before | journal) - kept)
    if stale:
        store.delete(stale)
    (settings.index_dir / JOURNAL).unlink(missing_ok=True)
    stages.done("sweep")
    published = snapshots.load(settings.index_dir)
    if published is not None:
        _parse_sentences(published, settings, progress, report)
    stages.done("parse")
    report.seconds = time.perf_counter() - started
    report.stage_seconds = stages.seconds
    return report
