"""Chunks are runs of whole citation sentences within the token budget, overlapping by whole sentences."""

from __future__ import annotations

from assistant.corpus import clean_document
from assistant.corpus.loader import RawFile
from assistant.index.chunking import document_key, layout_document, materialise, pack_sentences, token_counter


def test_packing_fills_chunks_overlaps_by_sentences_and_lets_a_long_sentence_stand_alone():
    assert pack_sentences([10, 10, 10, 10], chunk_size=25, chunk_overlap=10) == [(0, 2), (1, 3), (2, 4)]
    assert pack_sentences([10, 40, 10], chunk_size=25, chunk_overlap=10) == [(0, 1), (1, 2), (2, 3)]
    assert pack_sentences([5, 5, 5], chunk_size=25, chunk_overlap=5) == [(0, 3)]
    assert pack_sentences([], chunk_size=25, chunk_overlap=5) == []


def test_every_chunk_is_whole_sentences_of_the_article_within_budget():
    paragraph = " ".join(f"Sentence number {i} says the council met on day {i} to discuss the budget." for i in range(40))
    doc = clean_document(RawFile("news/a.txt", "A headline\n" + paragraph + "\nLast line here.\n", "0", "utf-8"))
    parts = materialise(doc, layout_document(doc, 64, 32), document_key(doc))
    count = token_counter()
    assert len(parts.chunks) > 5
    sentence_starts = {s.start for s in parts.sentences}
    sentence_ends = {s.end for s in parts.sentences}
    for chunk, (first, end) in zip(parts.chunks, parts.chunk_sentence_ranges):
        assert chunk.start in sentence_starts and chunk.end in sentence_ends
        assert chunk.text == doc.text[chunk.start:chunk.end]
        assert count(chunk.text) <= 64 + 2  # joining whitespace may merge a token or two
        assert parts.sentences[first].start == chunk.start and parts.sentences[end - 1].end == chunk.end
    covered = {i for a, b in parts.chunk_sentence_ranges for i in range(a, b)}
    assert covered == set(range(len(parts.sentences)))  # nothing falls between chunks
    assert any(b > a2 for (_, b), (a2, _) in zip(parts.chunk_sentence_ranges, parts.chunk_sentence_ranges[1:]))


def test_sentence_splitting_does_not_leave_a_partial_nltk_behind():
    """Punkt is imported on its own (no SciPy, no rest of NLTK); nltk stays importable whole."""
    import subprocess
    import sys

    code = ("import sys; from assistant.index.sentences import sentence_spans; "
            "spans = sentence_spans('Mr. Smith went to the U.S. on Monday. He left.'); "
            "assert spans == [(0, 37), (38, 46)], spans; "
            "assert not [m for m in sys.modules if m.startswith(('nltk', 'scipy'))]; "
            "import nltk.tokenize; assert nltk.tokenize.punkt.PunktSentenceTokenizer")
    subprocess.run([sys.executable, "-c", code], check=True)
