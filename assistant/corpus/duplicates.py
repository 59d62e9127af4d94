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
from typing import Protocol
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
INCREMENTAL_LIMIT = 64  # new texts compared one by one with all signatures; more: rebuild the LSH index
ORIGINAL_COMPARISONS = 8  # members each candidate original is compared with
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


def _lsh_pairs(prints: dict[str, Fingerprint]) -> list[tuple[str, str]]:
    """Near-duplicate pairs (by text hash) over the whole corpus: each text is verified against
    the LSH candidates not already joined to it, so template-like corpora stay linear."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=LSH_JACCARD, num_perm=NUM_PERM)
    joined = _UnionFind(list(prints))
    pairs: list[tuple[str, str]] = []
    for h, fp in prints.items():
        m = MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=fp.signature, scheme=SCHEME)
        for other in lsh.query(m):
            if joined.find(other) != joined.find(h) and is_near_duplicate(prints[other], fp):
                joined.join(other, h)
                pairs.append((min(other, h), max(other, h)))
        lsh.insert(h, m)
    return pairs


def _pairs_with(new: list[str], prints: dict[str, Fingerprint]) -> list[tuple[str, str]]:
    """Near-duplicate pairs of a few new texts against every text, read off the cached
    signatures in one array operation per new text, with the same LSH band test (any band of
    `r` hash values equal) and the same verification as the full pass."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=LSH_JACCARD, num_perm=NUM_PERM)
    names = list(prints)
    matrix = np.stack([prints[h].signature for h in names])
    shingles = np.array([prints[h].shingles for h in names], dtype=np.float64)
    pairs: set[tuple[str, str]] = set()
    for h in new:
        fp = prints[h]
        equal = matrix == fp.signature
        banded = equal[:, : lsh.b * lsh.r].reshape(len(names), lsh.b, lsh.r).all(axis=2).any(axis=1)
        jaccard = equal.mean(axis=1)
        shared = jaccard * (shingles + fp.shingles) / (1 + jaccard)
        contained = np.minimum(1.0, shared / np.minimum(shingles, fp.shingles))
        hits = banded & (shared >= MIN_SHARED_SHINGLES) & (contained >= MIN_CONTAINMENT)
        pairs.update(tuple(sorted((names[i], h))) for i in np.flatnonzero(hits) if names[i] != h)
    return sorted(pairs)


def near_duplicate_scheme() -> str:
    """The parameters remembered pairs depend on: pairs found under others are not reused."""
    return f"{SHINGLE_WORDS}/{NUM_PERM}/{SEED}/{SCHEME}/{LSH_JACCARD}/{MIN_CONTAINMENT}/{MIN_SHARED_SHINGLES}"


class PairMemory(Protocol):
    """The texts and near-duplicate pairs the last grouping saw (kept in the ingest cache),
    so a few changed files are compared with the rest instead of re-indexing every text."""

    def load(self) -> tuple[set[str], list[tuple[str, str]]] | None: ...

    def save(self, seen: set[str], pairs: list[tuple[str, str]]) -> None: ...


def _broken_groups(pairs: list[tuple[str, str]], present: set[str]) -> list[str]:
    """Present members of the remembered groups that lost a member. Their group may have hung
    together only through the lost text, so each is compared with every text again."""
    joined = _UnionFind(sorted({h for pair in pairs for h in pair}))
    for a, b in pairs:
        joined.join(a, b)
    broken = {joined.find(h) for h in joined.parent if h not in present}
    return sorted(h for h in joined.parent if h in present and joined.find(h) in broken)


def near_duplicate_pairs(prints: dict[str, Fingerprint], memory: PairMemory | None = None) -> list[tuple[str, str]]:
    """Pairs of text hashes that are near-duplicates. With a memory of the last run, only the new
    texts and the members of groups that lost a text are compared with all (up to INCREMENTAL_LIMIT
    of them): the same groups as a full pass, since any pair the full pass could join lies inside
    an old group or touches a new text. Otherwise the whole corpus goes through the LSH index again."""
    eligible = {fp.text_hash: fp for _, fp in sorted(prints.items()) if fp.shingles >= MIN_SHARED_SHINGLES}
    remembered = memory.load() if memory else None
    pairs: list[tuple[str, str]] | None = None
    if remembered is not None:
        seen, old_pairs = remembered
        new = [h for h in eligible if h not in seen]
        recheck = _broken_groups(old_pairs, set(eligible))
        if len(new) + len(recheck) <= INCREMENTAL_LIMIT:
            intact = {(a, b) for a, b in old_pairs if a in eligible and b in eligible}
            pairs = sorted(intact | set(_pairs_with(new + recheck, eligible) if new or recheck else ()))
            if seen == eligible.keys() and set(pairs) == set(old_pairs):
                return pairs  # nothing to remember that is not remembered already
    if pairs is None:
        pairs = _lsh_pairs(eligible)
    if memory is not None:
        memory.save(set(eligible), pairs)
    return pairs


class OriginalCache(Protocol):
    """Remembers which text of a group reads as the original (the choice reads every member)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, text_hash: str) -> None: ...


def _original(members: list[str], texts: dict[str, str], prints: dict[str, Fingerprint],
              cache: OriginalCache | None) -> str:
    distinct = {prints[m].text_hash: m for m in sorted(members, reverse=True)}  # first name per text
    if len(distinct) == 1:
        return min(members)  # identical copies: the first by name
    key = hashlib.sha256(" ".join(sorted(distinct)).encode()).hexdigest()
    chosen = cache.get(key) if cache else None
    if chosen not in distinct:
        ordered = sorted(distinct, key=lambda h: distinct[h])

        def score(h: str) -> float:  # against a few other members: a huge group stays linear
            others = [o for o in ordered if o != h][:ORIGINAL_COMPARISONS]
            return mean(plainness(texts[distinct[h]], texts[distinct[o]]) for o in others)

        chosen = max(ordered, key=score)
        if cache:
            cache.put(key, chosen)
    return min(m for m in members if prints[m].text_hash == chosen)


def group_near_duplicates(texts: dict[str, str], prints: dict[str, Fingerprint] | None = None,
                          cache: OriginalCache | None = None,
                          memory: PairMemory | None = None) -> dict[str, tuple[str, bool]]:
    """Map file -> (group id, is_original) for files that have a duplicate or near-duplicate."""
    prints = prints or {f: fingerprint(t) for f, t in texts.items()}
    names = sorted(texts)
    groups = _UnionFind(names)
    first_with_text: dict[str, str] = {}
    for name in names:
        first = first_with_text.setdefault(prints[name].text_hash, name)
        if first != name:
            groups.join(first, name)
    for a, b in near_duplicate_pairs({first: prints[first] for first in first_with_text.values()}, memory):
        groups.join(first_with_text[a], first_with_text[b])
    members: dict[str, list[str]] = {}
    for name in names:
        members.setdefault(groups.find(name), []).append(name)
    result: dict[str, tuple[str, bool]] = {}
    for group in members.values():
        if len(group) < 2:
            continue
        original = _original(group, texts, prints, cache)
        for m in group:
            result[m] = ("dup:" + original, m == original)
    return result
