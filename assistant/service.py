"""The one library call every front end uses: `Assistant.ask`.

CLI, chat REPL, browser UI, HTTP API and eval all go through here, so they measure
the same system. Heavy parts (Chroma, encoder, BM25) load once per process.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable, Mapping
from functools import cached_property

from assistant.answer.extractive import Composition, SentenceTable, compose
from assistant.chat.followup import Turn, standalone_query
from assistant.chat.session import Conversation
from assistant.index import snapshot
from assistant.index.snapshot import DocumentStore, Snapshot
from assistant.models import Answer, Document, DocumentMeta
from assistant.settings import Settings, get_settings

log = logging.getLogger(__name__)


class InputError(ValueError):
    """Bad user input: shown to the user as one line, never as a traceback."""


class IndexMissing(RuntimeError):
    pass


def validate_question(question: str, max_chars: int) -> str:
    if question is None or not question.strip():
        raise InputError("the question is empty")
    if len(question) > max_chars:
        raise InputError(f"the question is too long ({len(question)} characters; the limit is {max_chars})")
    bad = [c for c in question if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") and c not in "\n\t"]
    if bad:
        raise InputError(f"the question contains control characters (e.g. U+{ord(bad[0]):04X})")
    return " ".join(question.split())


class MetaView(Mapping):
    """file -> DocumentMeta without reading every document."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    def __getitem__(self, file: str) -> DocumentMeta:
        return self.documents[file].meta

    def get(self, file, default=None):
        return self.documents[file].meta if file in self.documents else default

    def __iter__(self):
        return iter(self.documents.files())

    def __len__(self) -> int:
        return len(self.documents)


class Assistant:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        snap = snapshot.load(self.settings.index_dir)
        if snap is None:
            raise IndexMissing(f"no index in {self.settings.index_dir}: run `assistant ingest` first")
        self.snap: Snapshot = snap
        self.documents: DocumentStore = snap.documents  # file -> Document, read on demand

    @classmethod
    def open(cls, settings: Settings | None = None, progress: Callable[[str, int, int], None] | None = None) -> Assistant:
        """Open the index, building it first if there is none."""
        settings = settings or get_settings()
        if snapshot.current_folder(settings.index_dir) is None:
            from assistant.index.ingest import ingest

            ingest(settings, progress=progress)
        return cls(settings)

    # ---- heavy parts, loaded on first use ------------------------------------------
    @cached_property
    def encoder(self):
        from assistant.index.embedder import onnx_path, query_encoder

        return query_encoder(onnx_path(self.settings))

    @cached_property
    def retriever(self):
        from assistant.index.keyword import KeywordIndex
        from assistant.index.store import open_store
        from assistant.retrieve.hybrid import HybridRetriever

        s = self.settings
        keyword = KeywordIndex(self.snap.folder / "bm25", len(self.snap.chunks))
        return HybridRetriever(self.snap.chunks, open_store(s), keyword, s.dense_top_k, s.keyword_top_k,
                               s.fused_top_k, s.rrf_k)

    @cached_property
    def term_stats(self):
        from assistant.retrieve.terms import TermStats

        return TermStats(self.snap.sentence_count, self.snap.terms.df, self.snap.terms.zipf)

    @cached_property
    def meta(self) -> MetaView:
        return MetaView(self.documents)

    @cached_property
    def sentence_table(self) -> SentenceTable:
        return SentenceTable(self.snap.sentences, self.snap.sentence_vectors, self.documents)

    # ---- the call --------------------------------------------------------------------
    def evidence(self, query: str, mode: str = "hybrid"):
        """Retrieved chunks and scored evidence sentences for a standalone query."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        vector, probe = self._embed(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        hits = self.retriever.search(query, vector, mode)
        timings["retrieve"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        rows = list(dict.fromkeys(r for h in hits for r in self.snap.chunks.sentence_rows(h.position)))
        scored = self._score(query, vector, probe, rows)
        timings["evidence"] = (time.perf_counter() - t) * 1000
        return hits, scored, timings

    def rows_in_span(self, file: str, start: int, end: int) -> list[int]:
        """Sentence rows inside a character span of a document (for other retrievers' hits)."""
        sentences = self.snap.sentences
        return [i for i in self.documents.sentence_range(file)
                if sentences.array[i]["start"] >= start and sentences.array[i]["end"] <= end]

    def evidence_for_rows(self, query: str, rows: list[int]):
        vector, probe = self._embed(query)
        return self._score(query, vector, probe, rows)

    def _embed(self, query: str):
        """The query's vector, and (one batch) the query's without its checked verb, if it has one."""
        from assistant.retrieve.presuppositions import without_predicate

        probe = without_predicate(query)
        vectors = self.encoder.encode([query] if probe is None else [query, probe])
        return vectors[0], (vectors[1] if probe is not None else None)

    def _score(self, query: str, vector, probe, rows: list[int]):
        from assistant.retrieve.evidence import score_sentences

        return score_sentences(query, vector, rows, self.snap.sentences, self.snap.sentence_vectors, self.term_stats,
                               self.meta, probe)

    def compose(self, scored, max_sources: int | None = None) -> Composition:
        """The extractive answer (or abstention) from scored evidence."""
        s = self.settings
        return compose(scored, self.sentence_table, s.abstain_threshold, max_sources or s.max_answer_sentences,
                       s.companion_ratio, s.corroboration_ratio)

    def answer_from_evidence(self, question: str, query: str, scored, engine: str | None = None,
                             max_sources: int | None = None, history: list[Turn] | None = None,
                             on_sentence: Callable[[str], None] | None = None) -> Answer:
        """The answer the chosen engine gives from scored evidence (any retriever's).

        `on_sentence` gets each piece of LLM answer text as the guard keeps it (streaming)."""
        extractive = self.compose(scored, max_sources)
        answer = Answer(answer=extractive.text, abstained=extractive.abstained, query=query,
                        citations=extractive.citations, engine="extractive")
        if (engine or self.settings.engine) == "llm":
            from assistant.answer.llm import answer_with_llm

            answer = answer_with_llm(question, query, scored, self.sentence_table, self.settings,
                                     fallback=answer, history=history or [], on_sentence=on_sentence)
        return answer

    def ask(self, question: str, conversation: Conversation | None = None, engine: str | None = None,
            max_sources: int | None = None, retrieval: str = "hybrid",
            on_sentence: Callable[[str], None] | None = None) -> Answer:
        """Answer a question. `retrieval` ("hybrid" | "dense" | "bm25") exists for ablations."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        history = conversation.turns if conversation else []
        query = standalone_query(question, history)
        _, scored, timings = self.evidence(query, retrieval)
        t = time.perf_counter()
        answer = self.answer_from_evidence(question, query, scored, engine, max_sources, history, on_sentence)
        timings["answer"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        if conversation is not None:
            conversation.add(Turn(question, query, answer.answer, answer.abstained))
        return answer

    def describe_documents(self) -> list[dict]:
        """Every document's row (reads the whole table: for listings, not for questions)."""
        chunks = self.documents.chunk_counts()
        return [d.describe(chunks.get(d.file, 0)) for d in self.documents.all()]

    def document(self, file: str) -> Document:
        """A document by its corpus-relative name; never a path outside the corpus."""
        if file not in self.documents:
            raise InputError(f"unknown document {file!r} (see `assistant docs`)")
        return self.documents[file]
