"""Group near-duplicate articles (rewrites, machine paraphrases) and pick the original.

Similarity: MinHash over word 3-gram shingles (datasketch), turned into a containment
estimate so a short copy of a long story still matches. Machine paraphrasers swap
common words for rarer synonyms ("told" -> "instructed"), so within a group the
member whose distinctive words are most common in English (wordfreq) reads as the
original.
"""

from __future__ import annotations

import re
from statistics import mean

import numpy as np

SHINGLE_WORDS = 3
NUM_PERM = 256
MIN_CONTAINMENT = 0.15  # measured: paraphrase pair 0.27, unrelated same-topic pairs <= 0.07
MIN_SHARED_SHINGLES = 12  # about two sentences: one shared stock phrase is not a copy
ALIGNED_SENTENCE_JACCARD = 0.3  # sentences this alike are the same sentence, reworded


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str) -> set[str]:
    words = _words(text)
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _minhash(shingles: set[str]):
    from datasketch import MinHash  # imports scipy: keep it off the query path

    m = MinHash(num_perm=NUM_PERM, seed=7)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def similarity(a: str, b: str) -> tuple[float, float]:
    """(shared shingles, containment): MinHash estimates over word 3-gram shingles;
    containment is the share of the smaller text's shingles the other text also has."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0, 0.0
    jaccard = _minhash(sa).jaccard(_minhash(sb))
    overlap = jaccard * (len(sa) + len(sb)) / (1 + jaccard)
    return overlap, min(1.0, overlap / min(len(sa), len(sb)))


def is_near_duplicate(a: str, b: str) -> bool:
    shared, contained = similarity(a, b)
    return shared >= MIN_SHARED_SHINGLES and contained >= MIN_CONTAINMENT


def _sentences(text: str) -> list[set[str]]:
    return [set(_words(s)) for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(_words(s)) >= 5]


def plainness(text: str, other: str) -> float:
    """Mean English frequency (Zipf) of the words this text uses where the other,
    in the matching sentence, says something else: the swapped synonyms."""
    from wordfreq import zipf_frequency

    theirs = _sentences(other)
    swapped: list[str] = []
    for mine in _sentences(text):
        best = max(theirs, key=lambda t: len(mine & t) / len(mine | t), default=set())
        if best and len(mine & best) / len(mine | best) >= ALIGNED_SENTENCE_JACCARD:
            swapped += [w for w in mine - best if w.isalpha()]
    return mean(zipf_frequency(w, "en") for w in swapped) if swapped else 0.0


def _near_duplicate_pairs(names: list[str], texts: dict[str, str]) -> list[tuple[int, int]]:
    """Index pairs that `is_near_duplicate` accepts, computed as one signature per text and
    one vectorised comparison per row (not two MinHashes per pair): 10,000 files take seconds."""
    shingles = [_shingles(texts[n]) for n in names]
    sizes = np.array([len(s) for s in shingles], dtype=np.float64)
    signatures = np.array([_minhash(s).hashvalues if s else np.zeros(NUM_PERM, dtype=np.uint64)
                           for s in shingles])
    pairs: list[tuple[int, int]] = []
    for i in range(len(names) - 1):
        if not sizes[i]:
            continue
        # jaccard <= 1 caps the overlap estimate at half the two sizes: skip pairs that cannot reach it
        rows = i + 1 + np.flatnonzero((sizes[i + 1 :] > 0) & (sizes[i] + sizes[i + 1 :] >= 2 * MIN_SHARED_SHINGLES))
        others = sizes[rows]
        jaccard = np.count_nonzero(signatures[rows] == signatures[i], axis=1) / np.float64(NUM_PERM)
        overlap = jaccard * (sizes[i] + others) / (1 + jaccard)
        contained = np.minimum(1.0, overlap / np.minimum(sizes[i], others))
        hits = (overlap >= MIN_SHARED_SHINGLES) & (contained >= MIN_CONTAINMENT)
        pairs += [(i, int(j)) for j in rows[hits]]
    return pairs


def group_near_duplicates(texts: dict[str, str]) -> dict[str, tuple[str, bool]]:
    """Map file -> (group id, is_original) for files that have a near-duplicate."""
    names = sorted(texts)
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for i, j in _near_duplicate_pairs(names, texts):
        parent[find(names[j])] = find(names[i])
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(find(n), []).append(n)
    result: dict[str, tuple[str, bool]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        def score(m: str) -> float:
            return mean(plainness(texts[m], texts[o]) for o in members if o != m)
        original = max(members, key=score)
        group_id = "dup:" + original
        for m in members:
            result[m] = (group_id, m == original)
    return result
