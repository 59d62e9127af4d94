"""The one library call every front end uses: `Assistant.ask`.

CLI, chat REPL, browser UI, HTTP API and eval all go through here, so they measure
the same system. Heavy parts (Chroma, encoder, BM25) load once per process.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from functools import cached_property, partial

from assistant.answer.extractive import Composition, SentenceTable, compose
from assistant.chat.followup import Turn, cited_before, standalone_query
from assistant.chat.session import Conversation
from assistant.index import snapshot
from assistant.index.snapshot import DocumentStore, Snapshot
from assistant.inputs import InputError, validate_question  # noqa: F401  (front ends import them from here)
from assistant.models import Answer, Document, DocumentMeta
from assistant.settings import Settings, get_settings
from assistant.warmup import warm_up

log = logging.getLogger(__name__)

RECENT_VECTORS = 32  # query vectors kept for the refusal model's off-topic rule (`_vector_of`)


class IndexMissing(RuntimeError):
    pass


class StoreUnavailable(RuntimeError):
    """The vector store (a Chroma server) cannot be reached; it may come back by itself."""


def store_failure(e: BaseException, settings: Settings) -> str | None:
    """One line saying the Chroma server is unreachable, if that is what `e` means; else None.
    chromadb's HttpClient lets httpx's transport errors through, and says "Could not connect"
    when the server is down while it opens."""
    if not settings.chroma_url:
        return None
    import httpx

    chain = [e, e.__cause__, e.__context__]
    if any(isinstance(x, (httpx.TransportError, ConnectionError)) for x in chain) or \
            "could not connect to a chroma server" in str(e).lower():
        return f"the Chroma server at {settings.chroma_url} is unreachable ({type(e).__name__})"
    return None


def describe_failure(e: BaseException) -> str:
    """An unexpected failure as one readable line (full details go to the debug log)."""
    if isinstance(e, OSError) and e.strerror:
        where = f": {e.filename}" if e.filename else ""
        return f"{e.strerror}{where}"
    first = (str(e).strip().splitlines() or [""])[0][:300]
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


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
        self._recent_vectors: dict = {}  # query -> its vector, the last RECENT_VECTORS `_embed` made

    @classmethod
    def open(cls, settings: Settings | None = None, progress: Callable[[str, int, int], None] | None = None) -> Assistant:
        """Open the index, building it first if there is none, or bringing it up to date if it was
        built for other settings (another encoder or chunk size: its vectors would not match)."""
        from assistant.index.config import config_key, own_index_settings

        settings = own_index_settings(settings or get_settings())
        built_for = snapshot.published_config(settings.index_dir)
        if built_for != config_key(settings):
            from assistant.index.ingest import ingest

            if built_for is not None:
                log.warning("the index in %s was built with other settings: rebuilding it", settings.index_dir)
            ingest(settings, progress=progress)
        return cls(settings)

    def warm_up(self) -> None:
        """Load now what questions load on first use (`assistant/warmup.py`), as a server does at start."""
        warm_up(self)

    # ---- heavy parts, loaded on first use ------------------------------------------
    @cached_property
    def encoder(self):
        from assistant.index.embedder import onnx_path, query_encoder

        return query_encoder(onnx_path(self.settings))

    @cached_property
    def retriever(self):
        from assistant.index.keyword import KeywordIndex
        from assistant.retrieve.dense import dense_search
        from assistant.retrieve.hybrid import HybridRetriever

        s = self.settings
        keyword = KeywordIndex(self.snap.folder / "bm25", len(self.snap.chunks))
        return HybridRetriever(self.snap.chunks, dense_search(s, self.snap), keyword, s.dense_top_k,
                               s.keyword_top_k, s.fused_top_k, s.rrf_k)

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
    def evidence(self, query: str, mode: str = "hybrid", read_spans: bool | None = None,
                 prefer: tuple[str, ...] = ()):
        """Retrieved chunks and scored evidence sentences for a standalone query. `read_spans`:
        rerank by answer-type spans always (True), never (False), or unless the refusal model
        already refuses on cheaper evidence (None, what `ask` does). `prefer`: the files the
        conversation's previous answer cited (candidates, and boosted)."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        if self.settings.span_reader:  # the question's parse overlaps its embedding
            from assistant.models import core_question
            from assistant.retrieve.question import likely_asks
            from assistant.retrieve.spacy_pipeline import parse_ahead

            asked = core_question(query)
            parse_ahead([asked, *likely_asks(asked)])
        vector, probe, core = self._embed(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        hits = self.retriever.search(query, vector, mode)
        timings["retrieve"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        rows = self.candidate_rows(hits)
        rows = list(dict.fromkeys(rows + [r for f in prefer if f in self.documents
                                          for r in self.documents.sentence_range(f)]))
        scored = self._score(query, vector, probe, rows, read_spans, prefer, core)
        timings["evidence"] = (time.perf_counter() - t) * 1000
        return hits, scored, timings

    def candidate_rows(self, hits) -> list[int]:
        """Sentence rows of the retrieved chunks, then the rest of the articles of the best few."""
        rows = [r for h in hits for r in self.snap.chunks.sentence_rows(h.position)]
        files = dict.fromkeys(h.chunk.file for h in hits[: self.settings.whole_article_hits])
        rows += [r for f in files for r in self.documents.sentence_range(f)]
        return list(dict.fromkeys(rows))

    def evidence_for_rows(self, query: str, rows: list[int]):
        vector, probe, core = self._embed(query)
        return self._score(query, vector, probe, rows, core=core)

    def _embed(self, query: str):
        """The query's vector, and (one batch) the query's without its checked verb, if it has one, and a
        follow-up's own question without its conversation context, if it has context."""
        from assistant.models import core_question
        from assistant.retrieve.presuppositions import without_predicate

        probe = without_predicate(query)
        own = core_question(query)
        texts = [query] + ([probe] if probe is not None else []) + ([own] if own != query else [])
        vectors = self.encoder.encode(texts)
        kept = list(self._recent_vectors.items())[1 - RECENT_VECTORS :]  # replaced whole: threads only read it
        self._recent_vectors = {**dict(kept), query: vectors[0]}
        return vectors[0], (vectors[1] if probe is not None else None), (vectors[-1] if own != query else None)

    def _vector_of(self, query: str):
        """The query's vector as `_embed` made it (the last `RECENT_VECTORS` are kept), else made now."""
        found = self._recent_vectors.get(query)
        return found if found is not None else self.encoder.encode([query])[0]

    @cached_property
    def annotations(self):
        from assistant.retrieve.annotation_cache import AnnotationCache

        return AnnotationCache(self.settings.annotation_cache_sentences, self.parse_store)

    @cached_property
    def parse_store(self):
        """The parses stored at ingest (`index.parses`), or None if the home cannot hold them."""
        from assistant.index.parses import ParseStore

        try:
            return ParseStore.open(self.settings.cache_dir)
        except (OSError, sqlite3.Error) as e:
            log.warning("stored parses unavailable (%s): sentences are parsed per question", e)
            return None

    def span_finder(self, query: str):
        """The question's short-answer reader (spaCy), or None when it asks for no typed answer."""
        from assistant.answer.span import SpanFinder

        if not self.settings.span_reader:
            return None
        finder = SpanFinder(query, self.annotations, self.settings.span_candidates,
                            self.settings.span_extra_candidates)
        return finder if finder.needed else None

    @cached_property
    def confidence_model(self):
        from assistant.answer.confidence import MODEL_FILE, load_model

        return load_model(self.settings.confidence_model or MODEL_FILE)

    @cached_property
    def null_profile(self) -> dict | None:
        """What unrelated questions score on this index (`probes.py`), stored at ingest. An index
        built before that gets it computed here for this process only (a reader never writes into
        a generation); `assistant ingest` stores it."""
        from assistant.answer import probes

        found = probes.read(self.snap.folder)
        if found is None:
            log.warning("index %s has no null profile: computing it (run `assistant ingest` to store it)",
                        self.snap.folder.name)
            found = probes.compute(self.snap.sentences, self.snap.sentence_vectors, self.term_stats,
                                   self.encoder.encode)
        return found

    def _features(self, query: str, scored, parsed: bool = False, every: bool = False):
        """The refusal model's features; `parsed` reads the slot check and, if the model uses it (or
        `every`), the asked relation too (loads spaCy)."""
        from assistant.answer.confidence import features

        reader = slot = None
        if parsed and self.settings.span_reader:
            from assistant.answer.slot import unfilled

            slot = partial(unfilled, doc_of=self.annotations.doc)

            if every or self.confidence_model.reads_relation:
                from assistant.answer.relation import relation_coverage

                reader = partial(relation_coverage, stats=self.term_stats)
        return features(query, scored, self.term_stats, self.snap.sentences, self.meta, self.null_profile, reader,
                        slot, (lambda: self._vector_of(query), self.snap.sentence_vectors))

    def assess(self, query: str, scored, full: bool = False):
        """The refusal model's verdict on scored evidence: probability, decision and features.
        The parsed features (slot, relation) are read only if the cheaper ones leave the question
        answerable, unless `full` (the calibration reads every feature of every case)."""
        from assistant.answer.span import LINKED_SPAN_BOOST

        if full:
            return self.confidence_model.judge(self._features(query, scored, parsed=True, every=True))
        return self.confidence_model.decide(self._features(query, scored),
                                            lambda: self._features(query, scored, parsed=True), LINKED_SPAN_BOOST)

    def _score(self, query: str, vector, probe, rows: list[int], read_spans: bool | None = None,
               prefer: tuple[str, ...] = (), core=None):
        from assistant.answer.span import LINKED_SPAN_BOOST
        from assistant.retrieve.evidence import score_sentences

        scored = score_sentences(query, vector, rows, self.snap.sentences, self.snap.sentence_vectors,
                                 self.term_stats, self.meta, probe, core, frozenset(prefer))
        if prefer and self.settings.followup_article_boost:
            from assistant.chat.followup import prefer_files

            scored = prefer_files(scored, prefer, self.settings.followup_article_boost)
        if not scored or read_spans is False:
            return scored
        # a question refused whatever spans spaCy finds need not load it
        if read_spans is None and not self.confidence_model.could_answer(self._features(query, scored),
                                                                         LINKED_SPAN_BOOST):
            return scored
        finder = self.span_finder(query)
        return finder.rerank(scored) if finder is not None else scored

    def compose(self, scored, max_sources: int | None = None, query: str | None = None) -> Composition:
        """The extractive answer (or abstention, as the refusal model decides) from scored evidence;
        led by its short answer when the query asks for one."""
        s = self.settings
        confident = bool(scored) and self.assess(query or "", scored).answer
        finder = self.span_finder(query) if query and confident else None
        several = finder is not None and len(finder.parse.asks) > 1
        scorer = self.part_scorer() if several else None
        return compose(scored, self.sentence_table, s.min_part_score, max_sources or s.max_answer_sentences,
                       s.companion_ratio, s.corroboration_ratio, finder, confident=confident, scorer=scorer)

    def part_scorer(self):
        """Scores evidence sentences by one ask of a question with several (`lead.complete`)."""
        from assistant.retrieve.evidence import part_support

        terms: dict[int, frozenset[str]] = {}
        return lambda part, evidence, topic: part_support(part, evidence, self.term_stats, terms, topic)

    def answer_from_evidence(self, question: str, query: str, scored, engine: str | None = None,
                             max_sources: int | None = None, history: list[Turn] | None = None,
                             on_sentence: Callable[[str], None] | None = None) -> Answer:
        """The answer the chosen engine gives from scored evidence (any retriever's).

        `on_sentence` gets each piece of LLM answer text as the guard keeps it (streaming)."""
        from assistant.answer.lead import short_text

        extractive = self.compose(scored, max_sources, query)
        shorts = extractive.short_answers
        answer = Answer(answer=extractive.text, abstained=extractive.abstained, query=query,
                        citations=extractive.citations, engine="extractive", short_answer=short_text(shorts),
                        short_answer_citation=shorts[0].n if shorts else None, short_answers=shorts)
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
        query = standalone_query(self.recased(question), history, self.article_text)
        _, scored, timings = self.evidence(query, retrieval, prefer=cited_before(question, history, self.article_text))
        t = time.perf_counter()
        answer = self.answer_from_evidence(question, query, scored, engine, max_sources, history, on_sentence)
        timings["answer"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        if conversation is not None:
            conversation.add(Turn(question, query, answer.answer, answer.abstained, answer.short_answer,
                                  list(dict.fromkeys(c.file for c in answer.citations))))
        return answer

    def recased(self, question: str) -> str:
        """A question typed in one case, with its words cased as the passages BM25 finds for it
        write them (`retrieve/truecase.py`): the parser and the name checks read capitals."""
        from assistant.retrieve.truecase import recase, single_case

        if not single_case(question):
            return question
        hits = self.retriever.search(question, None, "bm25")
        return recase(question, (h.chunk.text for h in hits))

    def article_text(self, file: str) -> str:
        """A document's cleaned text, "" for a file the index does not hold (follow-ups read it)."""
        return self.documents[file].text if file in self.documents else ""

    def describe_documents(self) -> list[dict]:
        """Every document's row (reads the whole table: for listings, not for questions)."""
        chunks = self.documents.chunk_counts()
        return [d.describe(chunks.get(d.file, 0)) for d in self.documents.all()]

    def document(self, file: str) -> Document:
        """A document by its corpus-relative name; never a path outside the corpus."""
        if file not in self.documents:
            raise InputError(f"unknown document {file!r} (see `assistant docs`)")
        return self.documents[file]
