"""Group duplicate articles (identical copies, rewrites, machine paraphrases) and pick the original.

Cost is per file, never per pair:
- identical cleaned texts share a hash and form a group at once;
- near-duplicates are found with MinHash LSH (datasketch): each document's signature
  over word 3-gram shingles is computed once (and cached by the ingest with the
  cleaned document), and only the candidates LSH returns are compared.
A candidate pair is a near-duplicate when the containment estimate (the share of the
smaller text's shingles the other also has) is high enough, so a short copy of a long
story still matches. Machine paraphrasers swap common words for rarer synonyms
("told" -> "instructed"), so within a group the member whose distinctive words are
most common in English (wordfreq) reads as the original.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from statistics import mean

import numpy as np

SHINGLE_WORDS = 3
NUM_PERM = 256
SEED = 7
SCHEME = "affine32"  # datasketch 2's default, named: cached signatures must be read back the same way
MIN_CONTAINMENT = 0.15  # measured: paraphrase pair 0.27, unrelated same-topic pairs <= 0.07
MIN_SHARED_SHINGLES = 12  # about two sentences: one shared stock phrase is not a copy
# LSH candidate threshold (Jaccard). Containment 0.15 between texts of equal length is
# Jaccard 0.08; the seeds' paraphrase pair has Jaccard 0.16. Lower finds more candidates,
# each verified exactly, at the price of more comparisons.
LSH_JACCARD = 0.08
ALIGNED_SENTENCE_JACCARD = 0.3  # sentences this alike are the same sentence, reworded


@dataclass
class Fingerprint:
    """What duplicate grouping needs of a document: computed once, cached with it."""

    text_hash: str
    shingles: int
    signature: np.ndarray  # MinHash hash values, uint64[NUM_PERM]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str) -> set[str]:
    words = _words(text)
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def fingerprint(text: str) -> Fingerprint:
    from datasketch import MinHash  # imports scipy: keep it off the query path

    shingles = _shingles(text)
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return Fingerprint(text_hash(text), len(shingles), m.hashvalues.astype(np.uint64))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(shared shingles, containment), estimated from the two signatures."""
    if not a.shingles or not b.shingles:
        return 0.0, 0.0
    jaccard = float(np.mean(a.signature == b.signature))
    overlap = jaccard * (a.shingles + b.shingles) / (1 + jaccard)
    return overlap, min(1.0, overlap / min(a.shingles, b.shingles))


def is_near_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
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


class _UnionFind:
    def __init__(self, names: list[str]) -> None:
        self.parent = {n: n for n in names}

    def find(self, n: str) -> str:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _near_duplicate_pairs(prints: dict[str, Fingerprint]) -> list[tuple[str, str]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=LSH_JACCARD, num_perm=NUM_PERM)
    pairs: list[tuple[str, str]] = []
    for name in sorted(prints):
        fp = prints[name]
        if not fp.shingles:
            continue
        m = MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=fp.signature, scheme=SCHEME)
        pairs += [(other, name) for other in lsh.query(m) if is_near_duplicate(prints[other], fp)]
        lsh.insert(name, m)
    return pairs


def _original(members: list[str], texts: dict[str, str], prints: dict[str, Fingerprint]) -> str:
    distinct = {prints[m].text_hash: m for m in sorted(members, reverse=True)}  # first name per text
    if len(distinct) == 1:
        return min(members)  # identical copies: the first by name

    def score(m: str) -> float:
        return mean(plainness(texts[m], texts[o]) for o in distinct.values() if prints[o].text_hash != prints[m].text_hash)

    best = max(sorted(distinct.values()), key=score)
    return min(m for m in members if prints[m].text_hash == prints[best].text_hash)


def group_near_duplicates(texts: dict[str, str], prints: dict[str, Fingerprint] | None = None
                          ) -> dict[str, tuple[str, bool]]:
    """Map file -> (group id, is_original) for files that have a duplicate or near-duplicate."""
    prints = prints or {f: fingerprint(t) for f, t in texts.items()}
    names = sorted(texts)
    groups = _UnionFind(names)
    first_with_text: dict[str, str] = {}
    for name in names:
        first = first_with_text.setdefault(prints[name].text_hash, name)
        if first != name:
            groups.join(first, name)
    unique = {first: prints[first] for first in first_with_text.values()}
    for a, b in _near_duplicate_pairs(unique):
        groups.join(a, b)
    members: dict[str, list[str]] = {}
    for name in names:
        members.setdefault(groups.find(name), []).append(name)
    result: dict[str, tuple[str, bool]] = {}
    for group in members.values():
        if len(group) < 2:
            continue
        original = _original(group, texts, prints)
        for m in group:
            result[m] = ("dup:" + original, m == original)
    return result
