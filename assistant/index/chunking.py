"""Split cleaned documents into chunks (llama-index SentenceSplitter, tiktoken counts)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from assistant.index.sentences import sentence_spans
from assistant.models import Chunk, Document, Sentence


@lru_cache(maxsize=1)
def token_counter():
    """tiktoken's cl100k encoder, loaded from the copy llama-index ships (no download)."""
    from llama_index.core.utils import get_tokenizer

    return get_tokenizer()


def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                            tokenizer=token_counter(), paragraph_separator="\n")


def document_key(doc: Document) -> str:
    """Chunk ids carry the cleaned text's hash: a changed document gets new ids."""
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()[:16]


def _locate(text: str, piece: str, hint: int) -> tuple[int, int]:
    start = text.find(piece, max(0, hint))
    if start < 0:
        start = text.find(piece)
    if start < 0:  # the splitter normalised whitespace: fall back to the first words
        start = text.find(piece[:40].strip(), max(0, hint))
    start = max(start, 0)
    return start, min(len(text), start + len(piece))


def _headline_line(doc: Document) -> int | None:
    """The line the title was taken from, when the article opens with a real headline."""
    title = doc.meta.title
    if not title or title.endswith("\u2026"):
        return None
    start = doc.text.find(title)
    return doc.line_of(start) if start >= 0 else None


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    from llama_index.core import Document as LlamaDocument

    nodes = _splitter(chunk_size, chunk_overlap).get_nodes_from_documents(
        [LlamaDocument(text=doc.text, id_=doc.file)])
    spans = sentence_spans(doc.text)
    key = document_key(doc)
    headline = _headline_line(doc)
    chunks: list[Chunk] = []
    hint = 0
    for i, node in enumerate(nodes):
        piece = node.get_content()
        start, end = (node.start_char_idx, node.end_char_idx) if node.start_char_idx is not None \
            and doc.text[node.start_char_idx:node.end_char_idx] == piece else _locate(doc.text, piece, hint)
        hint = start + 1
        chunk_id = f"{key}:{i}"
        sentences = [
            Sentence(file=doc.file, chunk_id=chunk_id, start=s, end=e, line_start=doc.line_of(s),
                     line_end=doc.line_of(e - 1), text=doc.text[s:e], heading=doc.line_of(s) == headline)
            for s, e in spans if s < end and e > start  # a sentence straddling a boundary belongs to both
        ]
        chunks.append(Chunk(id=chunk_id, file=doc.file, text=doc.text[start:end], start=start, end=end,
                            line_start=doc.line_of(start), line_end=doc.line_of(max(start, end - 1)),
                            tokens=len(token_counter()(piece)), sentences=sentences))
    return chunks
