"""What unrelated questions score on this index: the null distribution the refusal model compares with.

A score of 0.45 means a good match over five articles and nothing over two thousand, where
some sentence always shares words with any question. So at ingest a fixed set of generic
questions, about nothing a news folder is likely to hold, is scored against the index the
way a question is (dense candidates, `score_sentences`), and the median and 90th
percentile of their best raw match are stored in the generation (`null_profile.json`), and the
same of their best cosine alone (meaning without wording: general-knowledge words collide with
news words, "mountainous" for "mountain", so only the cosine says the question is about nothing
here).
Opening an index reads those few numbers; the cost at ingest is one pass over the
sentence vectors, in blocks.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.models import Sentence
from assistant.retrieve.evidence import raw_match, score_sentences
from assistant.retrieve.terms import TermStats

log = logging.getLogger(__name__)

PROFILE_FILE = "null_profile.json"
PROFILE_VERSION = 2  # 2: the probes' best cosine too (`dense_p50`, `dense_p90`)
CANDIDATES = 48  # dense neighbours scored per probe (a question's fused chunks hold about as many sentences)
REUSE_MAX_CHANGED_SHARE = 0.01  # a re-ingest changing at most this share of files keeps the last profile
BLOCK_ROWS = 65536  # sentence vectors multiplied at once: bounds memory on a large index

# Everyday questions of every shape (who, what, where, when, how much, why), about nothing in particular.
PROBE_QUESTIONS = (
    "How long does it take for concrete to set?",
    "What is the best way to remove a red wine stain from a carpet?",
    "Which planet in the solar system has the most moons?",
    "Who painted the ceiling of the Sistine Chapel?",
    "What temperature does water boil at on top of a high mountain?",
    "How many legs does a spider have?",
    "Why do cats purr when they are stroked?",
    "Where do emperor penguins lay their eggs?",
    "When was the printing press invented?",
    "How much salt should go into pasta water?",
    "At what temperature does candle wax melt?",
    "Which muscles does a plank exercise strengthen?",
    "How do you repot a cactus without hurting your hands?",
    "What causes the northern lights?",
    "Who wrote the novel about a whale called Moby Dick?",
    "How many teeth does an adult dog have?",
    "Why is the sky blue during the day?",
    "What is the tallest species of tree?",
    "Where is the deepest point of the ocean?",
    "How often should a houseplant be watered in winter?",
    "Which language has the most native speakers?",
    "What does a sommelier do?",
    "How fast can a cheetah run?",
    "When do tulip bulbs need to be planted?",
    "What is the recipe for a classic French omelette?",
    "Who invented the telephone?",
    "How do bees make honey?",
    "What is the difference between a crocodile and an alligator?",
    "Why do onions make people cry?",
    "How many strings does a standard violin have?",
    "Which vitamin does sunlight help the body produce?",
    "What is the best age to start learning to swim?",
)


def _percentile(values: np.ndarray, q: float) -> float:
    return round(float(np.percentile(values, q)), 4) if values.size else 0.0


def profile_of(best: Sequence[float], best_dense: Sequence[float] = ()) -> dict:
    """The probes' best raw match and best cosine, each as median and 90th percentile."""
    values, dense = np.asarray(best, dtype=float), np.asarray(best_dense, dtype=float)
    return {"version": PROFILE_VERSION, "probes": int(values.size),
            "match_p50": _percentile(values, 50), "match_p90": _percentile(values, 90),
            "dense_p50": _percentile(dense, 50), "dense_p90": _percentile(dense, 90)}


def _dense_candidates(vectors: np.ndarray, queries: np.ndarray, k: int) -> list[list[int]]:
    """The k sentence rows nearest each query, over the vectors in blocks."""
    best: list[tuple[np.ndarray, np.ndarray]] = [(np.empty(0, int), np.empty(0)) for _ in range(len(queries))]
    for start in range(0, len(vectors), BLOCK_ROWS):
        sims = np.asarray(vectors[start : start + BLOCK_ROWS], dtype=np.float32) @ queries.T
        for q in range(len(queries)):
            col = sims[:, q]
            top = np.argpartition(-col, min(k, len(col)) - 1)[:k]
            rows = np.concatenate([best[q][0], top + start])
            vals = np.concatenate([best[q][1], col[top]])
            keep = np.argsort(-vals)[:k]
            best[q] = (rows[keep], vals[keep])
    return [rows.tolist() for rows, _ in best]


def compute(sentences: Sequence[Sentence], vectors: np.ndarray, stats: TermStats, encode) -> dict:
    """The null profile of an index; `encode` gives L2-normalised query vectors."""
    if len(vectors) == 0:
        return profile_of([])
    queries = np.asarray(encode(list(PROBE_QUESTIONS)), dtype=np.float32)
    best, best_dense = [], []
    for question, vector, rows in zip(PROBE_QUESTIONS, queries, _dense_candidates(vectors, queries, CANDIDATES)):
        scored = score_sentences(question, vector, sorted(rows), sentences, vectors, stats)
        best.append(max((raw_match(e) for e in scored), default=0.0))
        best_dense.append(max((e.dense for e in scored), default=0.0))
    return profile_of(best, best_dense)


def write(folder: Path, profile: dict) -> None:
    tmp = folder / (PROFILE_FILE + ".tmp")
    tmp.write_text(json.dumps(profile), encoding="utf-8")
    os.replace(tmp, folder / PROFILE_FILE)


def read(folder: Path) -> dict | None:
    path = folder / PROFILE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("version") == PROFILE_VERSION else None
