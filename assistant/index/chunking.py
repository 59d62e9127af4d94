"""Split cleaned documents into chunks: runs of whole sentences up to `chunk_size` tokens.

A chunk is a run of consecutive citation sentences (`sentences.py`), packed greedily up
to `chunk_size` tiktoken tokens; the next chunk repeats the previous chunk's last
sentences up to `chunk_overlap` tokens. Chunk boundaries therefore always fall between
the sentences answers quote, and a chunk's vector is exactly the mean of its sentences'.
(llama-index's SentenceSplitter did this job before: it splits sentences its own way, so
chunks straddled citation sentences, and importing it cost ~1.5 s per ingest process,
a third of the budget for re-ingesting one edited file.)

Chunking is done once per cleaned text and kept as spans (`Layout`); building the
Chunk and Sentence objects from spans is cheap, so an unchanged document is never
split again.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from assistant.index.sentences import sentence_spans
from assistant.models import Chunk, Document, Sentence

_NEWLINE = re.compile("\n")

TOKEN_ENCODING = "cl100k_base"
CHUNKING_SCHEME = "sentences-1"  # part of every chunk id: change it when chunk boundaries change


def _bundled_tiktoken_cache() -> Path | None:
    """The BPE files llama-index ships for tiktoken, found without importing llama-index."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    return folder if folder.is_dir() else None


@lru_cache(maxsize=1)
def token_counter() -> Callable[[str], int]:
    """Counts tiktoken cl100k tokens, from a local copy of the BPE file (no download)."""
    import tiktoken

    bundled = _bundled_tiktoken_cache()
    if "TIKTOKEN_CACHE_DIR" not in os.environ and bundled is not None:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(bundled)
        try:
            encoding = tiktoken.get_encoding(TOKEN_ENCODING)
        finally:
            del os.environ["TIKTOKEN_CACHE_DIR"]
    else:
        encoding = tiktoken.get_encoding(TOKEN_ENCODING)
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def document_key(doc: Document) -> str:
    """The cleaned text's hash: a changed document gets new chunk ids."""
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()[:16]


def chunk_id_prefix(file: str, doc_key: str) -> str:
    """Chunk ids name the file, its text and the chunking scheme: identical files under two
    names never collide, and a re-chunked text never reuses an id for other content."""
    return hashlib.blake2b(f"{file}\0{doc_key}\0{CHUNKING_SCHEME}".encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class Layout:
    chunks: list[tuple[int, int, int]]  # (start, end, tokens)
    sentences: list[tuple[int, int]]  # (start, end)
    # what the index derives from the texts, kept with the spans so unchanged documents
    # are never re-tokenised: content terms per sentence, BM25 tokens per chunk,
    # capitalised words (for their rarity in English)
    sentence_terms: list[list[str]] = field(default_factory=list)
    chunk_tokens: list[list[str]] = field(default_factory=list)
    capitalised: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"chunks": self.chunks, "sentences": self.sentences, "terms": self.sentence_terms,
                "tokens": self.chunk_tokens, "capitalised": self.capitalised}

    @classmethod
    def from_json(cls, data: dict) -> Layout:
        return cls([tuple(c) for c in data["chunks"]], [tuple(s) for s in data["sentences"]],
                   data.get("terms", []), data.get("tokens", []), data.get("capitalised", []))


def pack_sentences(sizes: list[int], chunk_size: int, chunk_overlap: int) -> list[tuple[int, int]]:
    """[first, end) sentence ranges: greedy runs of at most chunk_size tokens (a longer
    sentence stands alone), each repeating the previous run's tail up to chunk_overlap."""
    runs: list[tuple[int, int]] = []
    first = 0
    while first < len(sizes):
        end, total = first + 1, sizes[first]
        while end < len(sizes) and total + sizes[end] <= chunk_size:
            total += sizes[end]
            end += 1
        runs.append((first, end))
        if end == len(sizes):
            break
        back, tail = end, 0
        while back - 1 > first and tail + sizes[back - 1] <= chunk_overlap:
            back -= 1
            tail += sizes[back]
        first = back
    return runs


def layout_document(doc: Document, chunk_size: int, chunk_overlap: int) -> Layout:
    spans = sentence_spans(doc.text)
    count = token_counter()
    sizes = [count(doc.text[a:b]) for a, b in spans]
    chunks = [(spans[a][0], spans[b - 1][1], sum(sizes[a:b])) for a, b in pack_sentences(sizes, chunk_size, chunk_overlap)]
    return Layout(chunks, spans)


class LineIndex:
    """1-based line numbers of character offsets, by bisection (no rescans of the text)."""

    def __init__(self, text: str) -> None:
        self.breaks = [m.start() for m in _NEWLINE.finditer(text)]  # not a Python loop over every character

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1


def _headline_line(doc: Document, lines: LineIndex) -> int | None:
    """The line the title was taken from, when the article opens with a real headline."""
    title = doc.meta.title
    if not title or title.endswith("\u2026"):
        return None
    start = doc.text.find(title)
    return lines.line_of(start) if start >= 0 else None


ChunkRow = tuple[int, int, int, int, int]  # start, end, line_start, line_end, tokens
SentenceRow = tuple[int, int, int, int, bool]  # start, end, line_start, line_end, on the headline line


@dataclass
class DocumentParts:
    """A document's chunks and sentences as plain rows, and which sentences each chunk holds.
    The Chunk and Sentence objects are built only when asked for: a re-ingest writes every
    document's rows but needs objects only for what changed (2M pydantic objects at 100k
    articles would cost more than everything else a re-ingest does)."""

    doc: Document | None
    chunk_id_prefix: str
    chunk_rows: list[ChunkRow]
    sentence_rows: list[SentenceRow]
    chunk_of_sentence: list[int]  # the first chunk holding each sentence
    chunk_sentence_ranges: list[tuple[int, int]]  # per chunk: [first, end) into the sentences
    layout: Layout | None = None

    @classmethod
    def empty(cls) -> DocumentParts:
        return cls(None, "", [], [], [], [])

    def chunk_id(self, i: int) -> str:
        return f"{self.chunk_id_prefix}:{i}"

    @property
    def chunk_ids(self) -> list[str]:
        return [self.chunk_id(i) for i in range(len(self.chunk_rows))]

    def chunk(self, i: int) -> Chunk:
        s, e, line_start, line_end, tokens = self.chunk_rows[i]
        assert self.doc is not None
        return Chunk(id=self.chunk_id(i), file=self.doc.file, text=self.doc.text[s:e], start=s, end=e,
                     line_start=line_start, line_end=line_end, tokens=tokens)

    @cached_property
    def chunks(self) -> list[Chunk]:
        return [self.chunk(i) for i in range(len(self.chunk_rows))]

    @cached_property
    def sentences(self) -> list[Sentence]:
        if self.doc is None:
            return []
        doc = self.doc
        return [Sentence(file=doc.file, chunk_id=self.chunk_id(owner) if self.chunk_rows else "", start=s, end=e,
                         line_start=line_start, line_end=line_end, text=doc.text[s:e], heading=heading)
                for (s, e, line_start, line_end, heading), owner in zip(self.sentence_rows, self.chunk_of_sentence)]


def materialise(doc: Document, layout: Layout, doc_key: str) -> DocumentParts:
    lines = LineIndex(doc.text)
    headline = _headline_line(doc, lines)
    chunk_rows = [(s, e, lines.line_of(s), lines.line_of(max(s, e - 1)), t) for s, e, t in layout.chunks]
    starts = [s for s, _ in layout.sentences]
    ends = [e for _, e in layout.sentences]
    ranges: list[tuple[int, int]] = []
    for s, e, *_ in chunk_rows:  # a sentence in an overlap belongs to both chunks
        first = bisect.bisect_right(ends, s)
        ranges.append((first, max(first, bisect.bisect_left(starts, e))))
    owner = [0] * len(layout.sentences)
    for ci, (a, b) in reversed(list(enumerate(ranges))):
        for r in range(a, b):
            owner[r] = ci
    sentence_rows = []
    for s, e in layout.sentences:
        line_start = lines.line_of(s)
        sentence_rows.append((s, e, line_start, lines.line_of(e - 1), line_start == headline))
    return DocumentParts(doc, chunk_id_prefix(doc.file, doc_key), chunk_rows, sentence_rows, owner, ranges, layout)
