"""Whether to answer: a small logistic model over evidence features that mean the same on any corpus.

One score threshold fitted on five articles does not transfer: over 2,000 articles there is
always a sentence sharing words with the question. So the decision reads what the evidence
says relative to the question and to this corpus, not raw score levels alone:

- the best sentence's score, cosine and IDF-weighted share of the question's content terms,
  and that share over the sentence's neighbours and article title;
- how far the best sentence stands above the next one (a margin, as a ratio);
- whether an answer-type span of the asked kind was found (spaCy, `span.py`): its absence
  is evidence against answering, a span beside the question's words evidence for it;
- whether the question's presuppositions or names are unmet near it;
- how much of the question's IDF mass the corpus does not know at all, past half of it (a
  question whose content words the corpus barely covers is off topic);
- how far the best raw match falls short of clearly beating what unrelated probe questions
  reach on this very index (`probes.py`: computed once at ingest, a few numbers in the
  generation);
- whether one of the best 3 sentences states the asked relation (`relation.py`): its answer-type span's
  dependency link to what is asked, and what is asked covered in the span's clause. Most traps
  on a large corpus have a sentence on exactly the asked topic with an entity of the asked type
  (a bid sentence with an amount): only the syntax says the amount is not the bid.

On top of the fitted model, two rules. Off topic (`off_topic`): the question's best candidate
sentence matches it, in meaning (cosine, not words), no better than the probes' best sentences
match unrelated questions (`OFF_TOPIC_MATCH` null spreads above their median), and its article
and the best-scored sentence's open (their headline rows) on something further from the question
still (`OFF_TOPIC_ARTICLE`): over 2,000 articles a general-knowledge question ("What is the highest
mountain in Africa?") always finds a sentence sharing its words ("mountainous", "South Africa"),
so word overlap and the score it lifts say nothing; a follow-up is about what the conversation
found and is never read so. And if the answer's span plays another role in the quoted
sentence than the one asked about (`slot.py`: the speaker of "said" for "who wrote…", the worth
of another noun, the date of a past event for "when will…"), the probability is 0.

The last two are hinges, zero for a question in the corpus's vocabulary that matches well
above the null: they can only argue for refusing, so a fit cannot use them to tell traps
from answers on one corpus in a way that inverts on the next. Each feature with a known
direction (`DIRECTION`) is dropped from the fit if its coefficient comes out the wrong way.

The relation and the slot need spaCy, so they are read only for a question the cheaper features
leave answerable (`Model.decide`; the relation only if the model uses it): a plainly off-topic
question never loads it.

The coefficients are fitted by `python -m eval.calibrate --fit` and shipped as
`confidence_model.json` next to this module; nothing is fitted at run time. The shipped fit reads
five of these features (`INPUTS` in `eval/calibrate.py`: the score, the two span features, unmet
presuppositions and the null hinge): with the others, a fit on one corpus refuses fewer traps or
more answerable questions on the other.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.models import CONTEXT_MARK, DocumentMeta, Sentence, core_question
from assistant.retrieve.evidence import Evidence, first_row_of_article, raw_match
from assistant.retrieve.terms import TermStats, content_terms

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("confidence_model.json")
MODEL_VERSION = 1
MIN_SPREAD = 0.02  # a null distribution narrower than this is read as this wide
NULL_HINGE = 0.5  # a match this many null spreads above the probes' median is clearly not unrelated
UNKNOWN_HINGE = 0.5  # share of the question's IDF mass the corpus may lack before it counts
SPAN_MISSING = {"answer-type", "answer-unverified"}
SPAN_LINKED = {"answer-span", "answer-linked"}
UNMET = {"speaker", "predicate", "names", "time"}
RELATION_SENTENCES = 3  # the best few sentences, as many as an answer quotes: does any state the relation?
RELATION_UNREAD = 1.0  # the relation before spaCy reads it: the most it could be (the gate stays optimistic)
SLOT_UNREAD = 0.0  # the slot check before spaCy reads it: filled (the gate stays optimistic)
# Off topic: the best cosine within this many null spreads above the probes' median best cosine (at
# most their 90th percentile)...
OFF_TOPIC_MATCH = 1.0
# ...and the quoted article's headline this many spreads below that median (further from the question
# than a typical unrelated question's best sentence)
OFF_TOPIC_ARTICLE = -1.0


@dataclass(frozen=True)
class Features:
    """Everything the refusal model reads, each on a corpus-independent scale."""

    top_score: float  # the best sentence's evidence score (after answer-type reranking)
    top_dense: float  # its cosine with the question
    top_lexical: float  # IDF-weighted share of the question's terms in it
    near_coverage: float  # the same share over it, its neighbours and its article's title
    second_ratio: float  # the next sentence's score over the best's (1: no margin)
    span_linked: float  # a span of the asked type stands by the question's words
    span_missing: float  # the question asks for a type this sentence lacks
    unmet: float  # a presupposition of the question is not stated near it
    unknown_share: float  # IDF-weighted share of the question's terms the corpus lacks, past UNKNOWN_HINGE
    below_null: float  # how far the best raw match is from clearly beating unrelated questions' (hinge)
    relation_coverage: float  # one of the best 3 sentences states the asked relation (`relation.py`), in [0, 1]
    slot_unfilled: float = 0.0  # the quoted sentence's answer plays another role than the asked one (`slot.py`): refuse
    off_topic: float = 0.0  # the question matches nothing here better than unrelated questions do (`off_topic`): refuse

    def vector(self, names: Sequence[str]) -> list[float]:
        values = asdict(self)
        return [float(values[n]) for n in names]

    def favourable(self, boost: float) -> list[Features]:
        """The feature sets span reading could still produce: the gate before loading spaCy."""
        lifted = min(1.0, self.top_score * boost)
        return [Features(**{**asdict(self), "top_score": lifted, "span_linked": linked, "span_missing": 0.0,
                             "relation_coverage": RELATION_UNREAD, "slot_unfilled": SLOT_UNREAD})
                for linked in (0.0, 1.0)]


# +1: more means more likely right to answer; -1: less; absent: either way
DIRECTION = {"top_score": 1, "top_dense": 1, "near_coverage": 1, "span_linked": 1, "span_missing": -1, "unmet": -1,
             "unknown_share": -1, "below_null": -1, "relation_coverage": 1, "slot_unfilled": -1, "off_topic": -1}


@dataclass(frozen=True)
class Confidence:
    probability: float  # that the question is answerable from the evidence
    answer: bool
    features: Features


def _coverage(terms: list[str], text: str, stats: TermStats) -> float:
    present = set(content_terms(text))
    total = sum(stats.idf(t) for t in set(terms))
    return sum(stats.idf(t) for t in set(terms) if t in present) / total if total else 0.0


def known_share(terms: list[str], stats: TermStats) -> float:
    """IDF-weighted share of the terms that occur anywhere in the corpus (unknown terms weigh most)."""
    total = sum(stats.idf(t) for t in set(terms))
    return sum(stats.idf(t) for t in set(terms) if stats.known(t)) / total if total else 0.0


def neighbourhood_text(sentences: Sequence[Sentence], row: int, meta: DocumentMeta | None) -> str:
    s = sentences[row]
    near = [sentences[r].text for r in (row - 1, row + 1) if 0 <= r < len(sentences) and sentences[r].file == s.file]
    return " ".join([*(near[:1]), s.text, *near[1:], (meta.title or "") if meta else ""])


def null_z(value: float, profile: dict | None) -> float:
    """(value - median) / spread of the probes' best raw match on this index; 0 without a profile."""
    if not profile:
        return 0.0
    spread = max(profile["match_p90"] - profile["match_p50"], MIN_SPREAD)
    return (value - profile["match_p50"]) / spread


def below_null(value: float, profile: dict | None) -> float:
    return max(0.0, NULL_HINGE - null_z(value, profile)) if profile else 0.0


def dense_z(value: float, profile: dict | None) -> float | None:
    """(cosine - median) / spread of the probes' best cosine on this index; None without those numbers."""
    if not profile or "dense_p50" not in profile:
        return None
    return (value - profile["dense_p50"]) / max(profile["dense_p90"] - profile["dense_p50"], MIN_SPREAD)


# How to embed the query (called only if needed: a headline that is no candidate) and every sentence row's vector
Embedding = tuple[Callable[[], np.ndarray], np.ndarray]


def _headline_dense(scored: list[Evidence], sentences: Sequence[Sentence], row: int,
                    cosine: Callable[[int], float] | None = None) -> float | None:
    """The question's cosine with the headline row of the article holding `row`: as scored if it is a
    candidate, else from `cosine` (the query's vector against a row), else unknown."""
    first = first_row_of_article(sentences, row)
    found = next((e.dense for e in scored if e.row == first), None)
    return cosine(first) if found is None and cosine is not None else found


def _cosine(embedding: Embedding | None) -> Callable[[int], float] | None:
    """The query's cosine with any sentence row, the query embedded once, on first use."""
    if embedding is None:
        return None
    embed, vectors = embedding
    query: list[np.ndarray] = []

    def cosine(row: int) -> float:
        if not query:
            query.append(embed())
        return float(vectors[row] @ query[0])

    return cosine


def off_topic(query: str, scored: list[Evidence], sentences: Sequence[Sentence], profile: dict | None,
              cosine: Callable[[int], float] | None = None) -> bool:
    """Is the question about nothing on this index? Its best candidate's cosine is at the level of
    unrelated questions' best, and both the best-scored sentence's article and the closest sentence's
    open on another subject (their headline rows; the first must be known, else this is not refused
    here; a follow-up's preferred article may lead without being the topic)."""
    if not scored or CONTEXT_MARK in query:
        return False
    closest = max(scored, key=lambda e: e.dense)
    best = dense_z(closest.dense, profile)
    if best is None or best >= OFF_TOPIC_MATCH:
        return False
    quoted = _headline_dense(scored, sentences, scored[0].row, cosine)
    if quoted is None:
        return False
    nearest = _headline_dense(scored, sentences, closest.row, cosine)
    headline = max(quoted, nearest) if nearest is not None else quoted
    return (dense_z(headline, profile) or 0.0) < OFF_TOPIC_ARTICLE


def features(query: str, scored: list[Evidence], stats: TermStats, sentences: Sequence[Sentence],
             meta: dict[str, DocumentMeta], profile: dict | None,
             relation: Callable[[str, str], float] | None = None,
             slot: Callable[[str, str, str], Sequence[str]] | None = None,
             embedding: Embedding | None = None) -> Features:
    """The model's features for a question's scored evidence (best first). `relation(query,
    sentence)` reads the relation and `slot(query, sentence, context)` the slot checks that fail (spaCy);
    without them they count as `RELATION_UNREAD` and `SLOT_UNREAD`. `embedding`: the query's vector
    (lazily) and the sentence vectors, for an article headline that is not a candidate (`off_topic`)."""
    terms = content_terms(core_question(query))
    unknown = max(0.0, (1.0 - known_share(terms, stats)) - UNKNOWN_HINGE)
    if not scored:
        return Features(0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, unknown, below_null(0.0, profile), 0.0)
    topic_off = float(off_topic(query, scored, sentences, profile, _cosine(embedding)))
    top = scored[0]
    marks = set(top.marked_down)
    second = scored[1].score / top.score if len(scored) > 1 and top.score > 0 else 0.0
    context = neighbourhood_text(sentences, top.row, meta.get(top.sentence.file))
    near = _coverage(terms, context, stats)
    best_raw = max(raw_match(e) for e in scored)
    return Features(top_score=top.score, top_dense=top.dense, top_lexical=top.lexical, near_coverage=near,
                    second_ratio=min(1.0, second), span_linked=float(bool(marks & SPAN_LINKED)),
                    span_missing=float(bool(marks & SPAN_MISSING)), unmet=float(bool(marks & UNMET)),
                    unknown_share=unknown, below_null=below_null(best_raw, profile),
                    relation_coverage=max(relation(query, e.sentence.text) for e in scored[:RELATION_SENTENCES])
                    if relation else RELATION_UNREAD,
                    slot_unfilled=float(bool(slot(query, top.sentence.text, context))) if slot and not topic_off
                    else SLOT_UNREAD, off_topic=topic_off)


@dataclass(frozen=True)
class Model:
    """A logistic regression over standardised features, with the cutoff it was shipped with."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    cutoff: float

    def probability(self, f: Features) -> float:
        """P(answering is right); 0 when the answer fills another role than the asked one or the
        question is off topic (rules, not fitted inputs: they fire on no right answer of either dev
        set, see eval/README)."""
        if f.slot_unfilled or f.off_topic:
            return 0.0
        z = self.intercept + sum(c * (x - m) / s for c, x, m, s in zip(self.coef, f.vector(self.names), self.mean,
                                                                            self.scale))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @property
    def reads_relation(self) -> bool:
        """Is the relation (three spaCy parses a question) worth reading for this model?"""
        return "relation_coverage" in self.names

    def judge(self, f: Features) -> Confidence:
        p = self.probability(f)
        return Confidence(round(p, 4), p >= self.cutoff, f)

    def could_answer(self, f: Features, boost: float) -> bool:
        """Could reading answer-type spans still lift the question over the cutoff?"""
        return any(self.probability(g) >= self.cutoff for g in f.favourable(boost))

    def decide(self, cheap: Features, full: Callable[[], Features], boost: float) -> Confidence:
        """The verdict, reading the parsed features (`full`: the slot check, and the relation if the
        model uses it; spaCy) only if the cheap features leave the question answerable."""
        if not self.could_answer(cheap, boost):
            return self.judge(cheap)
        return self.judge(full())

    @classmethod
    def from_json(cls, data: dict) -> Model:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"confidence model version {data.get('version')} (expected {MODEL_VERSION})")
        unknown = set(data["features"]) - set(Features.__dataclass_fields__)
        if unknown:
            raise ValueError(f"confidence model uses unknown features: {sorted(unknown)}")
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]),
                   float(data["intercept"]), float(data["cutoff"]))

    def to_json(self, **extra) -> dict:
        return {"version": MODEL_VERSION, "features": list(self.names), "mean": list(self.mean),
                "scale": list(self.scale), "coef": list(self.coef), "intercept": self.intercept,
                "cutoff": self.cutoff, **extra}


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> Model:
    """The shipped model (read once per process)."""
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))
