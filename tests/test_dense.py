"""Dense retrieval: exact over the generation's chunk vectors for a corpus of this size, Chroma's
HNSW index for a large one or a Chroma server; both find the same chunks here."""

from __future__ import annotations

import numpy as np

from assistant.index.store import open_store
from assistant.retrieve.dense import ChromaDense, ExactDense, dense_search
from processes import ask_in_new_process

QUESTIONS = ["Why was Blinken's trip postponed?", "Who is China's No. 2 leader?",
             "Which company's smartphone business was crippled by the curbs?", "balloon over Montana"]


def test_exact_search_ranks_as_chroma_does(settings, assistant):
    snap = assistant.snap
    exact, chroma = ExactDense(snap.chunk_vectors), ChromaDense(open_store(settings), snap.chunks)
    for question in QUESTIONS:
        vector = assistant.encoder.encode([question])[0]
        assert exact.nearest(vector, 8) == chroma.nearest(vector, 8), question


def test_exact_search_is_best_first_and_bounded():
    vectors = np.eye(4, dtype=np.float32)
    query = np.array([0.1, 0.9, 0.5, 0.0], dtype=np.float32)
    assert ExactDense(vectors).nearest(query, 3) == [1, 2, 0]
    assert ExactDense(vectors).nearest(query, 10) == [1, 2, 0, 3]
    assert ExactDense(vectors[:0]).nearest(query, 3) == []


def test_chroma_is_used_for_a_large_corpus_or_a_server(settings, assistant):
    snap = assistant.snap
    assert isinstance(dense_search(settings, snap), ExactDense)
    small_cutoff = settings.model_copy(update={"exact_search_max_chunks": len(snap.chunk_vectors) - 1})
    assert isinstance(dense_search(small_cutoff, snap), ChromaDense)


def test_a_new_process_answers_without_loading_chromadb(cli_env):
    """chromadb's import is ~0.45 s of a cold `ask`; a small corpus never needs it."""
    answer, loaded = ask_in_new_process(cli_env, "Why was Blinken's trip postponed?", "chromadb")
    assert "balloon" in answer and not loaded
