"""Split cleaned documents into chunks (llama-index SentenceSplitter, tiktoken counts).

Chunking is done once per cleaned text and kept as spans (`Layout`); building the
Chunk and Sentence objects from spans is cheap, so an unchanged document is never
split again.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from assistant.index.sentences import sentence_spans
from assistant.models import Chunk, Document, Sentence


@lru_cache(maxsize=1)
def token_counter():
    """tiktoken's cl100k encoder, loaded from the copy llama-index ships (no download)."""
    from llama_index.core.utils import get_tokenizer

    return get_tokenizer()


@lru_cache(maxsize=4)
def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                            tokenizer=token_counter(), paragraph_separator="\n")


def document_key(doc: Document) -> str:
    """The cleaned text's hash: a changed document gets new chunk ids."""
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()[:16]


def chunk_id_prefix(file: str, doc_key: str) -> str:
    """Chunk ids name the file and its text: identical files under two names never collide."""
    return hashlib.blake2b(f"{file}\0{doc_key}".encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class Layout:
    chunks: list[tuple[int, int, int]]  # (start, end, tokens)
    sentences: list[tuple[int, int]]  # (start, end)

    def to_json(self) -> dict:
        return {"chunks": self.chunks, "sentences": self.sentences}

    @classmethod
    def from_json(cls, data: dict) -> Layout:
        return cls([tuple(c) for c in data["chunks"]], [tuple(s) for s in data["sentences"]])


def _locate(text: str, piece: str, hint: int) -> tuple[int, int]:
    start = text.find(piece, max(0, hint))
    if start < 0:
        start = text.find(piece)
    if start < 0:  # the splitter normalised whitespace: fall back to the first words
        start = text.find(piece[:40].strip(), max(0, hint))
    start = max(start, 0)
    return start, min(len(text), start + len(piece))


def layout_document(doc: Document, chunk_size: int, chunk_overlap: int) -> Layout:
    from llama_index.core import Document as LlamaDocument

    nodes = _splitter(chunk_size, chunk_overlap).get_nodes_from_documents(
        [LlamaDocument(text=doc.text, id_=doc.file)])
    chunks: list[tuple[int, int, int]] = []
    hint = 0
    for node in nodes:
        piece = node.get_content()
        start, end = (node.start_char_idx, node.end_char_idx) if node.start_char_idx is not None \
            and doc.text[node.start_char_idx:node.end_char_idx] == piece else _locate(doc.text, piece, hint)
        hint = start + 1
        chunks.append((start, end, len(token_counter()(piece))))
    return Layout(chunks, sentence_spans(doc.text))


class LineIndex:
    """1-based line numbers of character offsets, by bisection (no rescans of the text)."""

    def __init__(self, text: str) -> None:
        self.breaks = [i for i, c in enumerate(text) if c == "\n"]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1


def _headline_line(doc: Document, lines: LineIndex) -> int | None:
    """The line the title was taken from, when the article opens with a real headline."""
    title = doc.meta.title
    if not title or title.endswith("\u2026"):
        return None
    start = doc.text.find(title)
    return lines.line_of(start) if start >= 0 else None


@dataclass
class DocumentParts:
    """A document's chunks and sentences, and which sentences each chunk holds."""

    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_of_sentence: list[int]  # the first chunk holding each sentence
    chunk_sentence_ranges: list[tuple[int, int]]  # per chunk: [first, end) into `sentences`


def materialise(doc: Document, layout: Layout, doc_key: str) -> DocumentParts:
    lines = LineIndex(doc.text)
    headline = _headline_line(doc, lines)
    prefix = chunk_id_prefix(doc.file, doc_key)
    chunks = [Chunk(id=f"{prefix}:{i}", file=doc.file, text=doc.text[s:e], start=s, end=e,
                    line_start=lines.line_of(s), line_end=lines.line_of(max(s, e - 1)), tokens=t)
              for i, (s, e, t) in enumerate(layout.chunks)]
    starts = [s for s, _ in layout.sentences]
    ends = [e for _, e in layout.sentences]
    ranges: list[tuple[int, int]] = []
    for c in chunks:  # a sentence straddling a chunk boundary belongs to both chunks
        first = bisect.bisect_right(ends, c.start)
        ranges.append((first, max(first, bisect.bisect_left(starts, c.end))))
    owner = [0] * len(layout.sentences)
    for ci, (a, b) in reversed(list(enumerate(ranges))):
        for r in range(a, b):
            owner[r] = ci
    sentences = [Sentence(file=doc.file, chunk_id=chunks[owner[i]].id if chunks else "", start=s, end=e,
                          line_start=lines.line_of(s), line_end=lines.line_of(e - 1), text=doc.text[s:e],
                          heading=lines.line_of(s) == headline)
                 for i, (s, e) in enumerate(layout.sentences)]
    return DocumentParts(chunks, sentences, owner, ranges)
