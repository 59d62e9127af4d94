"""Keep only what the evidence supports, and cite what supports it: the guard between a generator and the user.

Each generated sentence ("claim") is attributed to the evidence sentence (or pair of
sentences) that supports it best — markers the model wrote are a hint, never trusted
or required — and it survives only if, against that evidence,
- it names no person, place, organisation, number or time ("last month") that the
  evidence lacks (this stops "Samsung" when the article says "Huawei", or "2013" when it
  says "this year"); a name part the question gave in full may complete a name ("Qin Gang"),
- every multi-word name or title in it ("US Commerce Secretary Wang Wentao") stands word
  for word in one evidence sentence, and two names or numbers it puts side by side are not
  far apart in the sentence that has both (facts moved between clauses: "officials met in
  Berlin" when Berlin belongs to another meeting),
- no name it makes the doer of a verb is only ever the one acted upon in the evidence
  ("Raimondo said he was ready…" over "Li Qiang told Raimondo he was ready…"; `roles.py`), and it
  has no "I", "we", "you"… outside quotation marks (a speaker's words lifted out of their quote),
- it adds no negation the evidence lacks, and
- its support score passes the threshold. The score mixes wording (the share of the
  claim's stemmed content words found in the evidence) and meaning (the best MiniLM
  cosine between the claim and an evidence sentence).

The text checks live in `specifics.py`. Everything here is pure logic over text and vectors; the encoder is passed in, so
the guard can be tested without a model server.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np

from assistant.answer.reply import Claim
from assistant.answer.roles import (has_verb, opens_with_common_word, reversed_roles, setting_words, swapped_doers,
                                    unquoted_speech)
from assistant.answer.specifics import (NUMBER_WORDS, adds_negation, asked_names, broken_names, given_months,
                                        number_beside, question_name_parts, repeated_names, separate_facts,
                                        specific_keys, unbound_pairs, unsupported_specifics)
from assistant.models import core_question
from assistant.retrieve.terms import content_terms

LEXICAL_WEIGHT = 0.5
DENSE_WEIGHT = 0.5
# At least this share of a claim's content words must be in its cited evidence, whatever its cosine.
MIN_LEXICAL = 0.5

# A marker the model wrote adds this to its sentence's support when ranking: a hint that breaks near-ties.
HINT_BONUS = 0.05
# The best-supporting evidence sentences tried for a claim, alone and then in pairs.
CANDIDATES = 4

# Function words that count toward neither side of the lexical share (content_terms keeps some of them).
EXTRA_STOPWORDS = frozenset("""
has have had been being would could should can may might must shall do does did done also about from after
before than so very he she him her his hers they them its we our us which who whom whose what while because due
one some any all more most other another both each such only just even still yet however although though
""".split())



@dataclass(frozen=True)
class Source:
    """One numbered evidence sentence shown to the generator."""

    n: int
    text: str
    vector: np.ndarray | None = None  # L2-normalised sentence vector
    doc: str = ""  # the article and sentence row it comes from, when known: a sentence and the next
    row: int = -1  # one often tell one event ("He Lifeng met Raimondo." / "He said at the Great Hall…")

    def next_to(self, other: Source) -> bool:
        return bool(self.doc) and self.doc == other.doc and abs(self.row - other.row) == 1


@dataclass
class Verdict:
    claim: Claim
    kept: bool
    score: float
    lexical: float = 0.0
    dense: float = 0.0
    cited: list[int] = field(default_factory=list)  # markers that exist, in the claim's order
    reason: str = ""


# ---------------------------------------------------------------------------- support
@lru_cache(maxsize=1)
def _extra_stems() -> frozenset[str]:
    from assistant.index.keyword import stemmer

    return frozenset(stemmer().stemWords(sorted(EXTRA_STOPWORDS)))


def claim_terms(text: str) -> list[str]:
    extra = _extra_stems()
    return [t for t in content_terms(text) if t not in extra]


@lru_cache(maxsize=8192)
def _source_terms(text: str) -> frozenset[str]:
    return frozenset(content_terms(text))


def lexical_support(claim: str, evidence: Sequence[str]) -> float:
    """Share of the claim's content words (stemmed, stopwords out) that the evidence contains. A bare number
    ("4" to "How many days…?") has none: it is as supported as its number, which `unsupported_specifics` checks
    ("four-day trip")."""
    terms = set(claim_terms(claim))
    if terms and all(any(c.isdigit() for c in t) for t in terms):
        return 1.0
    if not terms:
        return 0.0
    present = frozenset().union(*(_source_terms(e) for e in evidence))
    return len(terms & present) / len(terms)


def support_score(lexical: float, dense: float) -> float:
    return LEXICAL_WEIGHT * lexical + DENSE_WEIGHT * max(0.0, dense)


def problem(claim: str, texts: Sequence[str], lexical: float, score: float, threshold: float,
            allowed: frozenset[str] | set[str] = frozenset(), asked: frozenset[str] | set[str] = frozenset(),
            given: frozenset[str] | set[str] = frozenset()) -> str:
    """Why `texts` do not support the claim, or "" if they do. `given`: the names and numbers of the
    question itself (not its context), whose pairs it may restate."""
    if missing := unsupported_specifics(claim, texts, allowed, asked, opens_with_common_word(claim)):
        return "names or numbers not in the evidence: " + ", ".join(missing)
    if broken := broken_names(claim, texts, allowed):
        return "names or titles put together differently from the evidence: " + ", ".join(broken)
    if twice := repeated_names(claim, texts):
        return "names one thing twice where the evidence names it once: " + ", ".join(twice)
    if far := unbound_pairs(claim, texts, given=given):
        return "joins facts from different parts of the evidence: " + ", ".join(f"{a}/{b}" for a, b in far)
    if lifted := unquoted_speech(claim):
        return "a speaker's words without their speaker: " + ", ".join(lifted)
    if flipped := reversed_roles(claim, texts):
        return "makes the doer a name the evidence has only as the one acted upon: " + " ".join(flipped)
    if adds_negation(claim, texts):
        return "adds a negation the evidence lacks"
    if lexical < MIN_LEXICAL:
        return f"too few of its words are in the evidence ({lexical:.2f})"
    if score < threshold:
        return f"support {score:.2f} below {threshold:.2f}"
    return ""


def attribute(claim: Claim, vector: np.ndarray, sources: dict[int, Source], threshold: float,
              allowed: frozenset[str] | set[str] = frozenset(), asked: frozenset[str] | set[str] = frozenset(),
              given: frozenset[str] | set[str] = frozenset(), asks: tuple[str, np.ndarray] | None = None) -> Verdict:
    """The claim judged against the evidence that supports it best: one sentence, else two.

    Every source is scored (wording + meaning); the best few are tried alone, then in pairs, then
    each with its neighbours in the article (a pair only if the second adds words the first lacks,
    and, unless one follows the other in an article, only if no two names side by side in the
    claim come one from each); the first that passes every check is what the sentence cites. A
    marker the model wrote only breaks near-ties. `asks` (the claim read with the question: text,
    vector) ranks the sources instead of the claim alone: a bare answer ("Wang Wentao") stands in
    many sentences, and the one that also says what is asked ("Commerce Minister Wang Wentao") is
    the one that supports it.
    """
    if not sources:
        return Verdict(claim, False, 0.0, reason="no evidence")
    lex = {n: lexical_support(claim.text, [s.text]) for n, s in sources.items()}
    cos = {n: float(np.dot(vector, s.vector)) if s.vector is not None else 0.0 for n, s in sources.items()}
    single = {n: support_score(lex[n], cos[n]) for n in sources}
    if asks is not None:
        single = {n: support_score(lexical_support(asks[0], [s.text]), float(np.dot(asks[1], s.vector))
                                   if s.vector is not None else 0.0) for n, s in sources.items()}
    single = {n: v + (HINT_BONUS if n in claim.markers else 0.0) for n, v in single.items()}
    ranked = sorted(sources, key=lambda n: (-single[n], n))[:CANDIDATES]
    options = [(n,) for n in ranked] + [tuple(sorted(p)) for p in combinations(ranked, 2)]
    # ...and each with its neighbour in the article, ranked or not: the sentence before often names whom the
    # best one calls "he" ("Vice Premier He Lifeng referred to…" / "“I'm ready…,” he said")
    options += [pair for n in ranked for m in sources if sources[m].next_to(sources[n])
                if (pair := tuple(sorted((n, m)))) not in options]
    first: Verdict | None = None
    for option in options:
        texts = [sources[n].text for n in option]
        lexical = lex[option[0]] if len(option) == 1 else lexical_support(claim.text, texts)
        if len(option) > 1 and lexical <= max(lex[n] for n in option):
            continue
        dense = max(cos[n] for n in option)
        score = round(support_score(lexical, dense), 4)
        reason = problem(claim.text, texts, lexical, score, threshold, allowed, asked, given)
        if not reason and len(option) > 1 and not sources[option[0]].next_to(sources[option[1]]):
            split = separate_facts(claim.text, texts)  # two sentences apart tell two events
            if split and sources[option[0]].doc and sources[option[0]].doc == sources[option[1]].doc:
                # ...unless one of the two is the setting the question gives, restated ("… at the Independent
                # Spirit Awards", named in another sentence of the same article): the answer part stands alone
                setting = setting_words(claim.text, asked)
                split = [(a, b) for a, b in split if a not in setting and b not in setting]
            if split:
                reason = "joins facts from two separate sentences: " + ", ".join(f"{a}/{b}" for a, b in split)
        verdict = Verdict(claim, not reason, score, round(lexical, 4), round(dense, 4), list(option), reason)
        if not reason:
            return verdict
        first = first or verdict
    assert first is not None
    return first


def _bare_number(claim: str) -> bool:
    """A count alone ("4", "Six"): no unit says what it counts, unlike "$50,000" or "222%"."""
    terms = claim_terms(claim)
    return (bool(terms) and all(any(c.isdigit() for c in t) for t in terms) or claim.strip(" .").lower()
            in NUMBER_WORDS) and not re.search(r"[$£€¥%]", claim)


def restates_question(claim: str, question: str) -> bool:
    """A claim without a verb whose every content word is in the question answers nothing: to "Which part
    of its business? (context: Huawei Technologies Ltd.; …)" the model wrote "Huawei Technologies Ltd.",
    true to its quote but the previous turn's answer, not this one's. Nor does a claim, verb or not, whose
    every content word is in a follow-up's context: to "What else might it be used to search for later?
    (context: Which gallery is trying it out?; …)" it wrote "The gallery is trying it out." (BBC bc06#3)."""
    terms = set(claim_terms(claim))
    if not terms:
        return False
    if terms <= set(content_terms(question)) and not has_verb(claim):
        return True
    earlier = question[len(core_question(question)):]
    return bool(earlier) and terms <= set(content_terms(earlier))


def check_claims(claims: Sequence[Claim], sources: dict[int, Source],
                 encode: Callable[[list[str]], np.ndarray], threshold: float, question: str = "",
                 context: Sequence[str] = ()) -> list[Verdict]:
    """A verdict for every claim; `encode` gives L2-normalised vectors (the evidence encoder).

    `question` lets an answer complete a name the question gave in full ("Qin Gang"), and restate
    a name it gives that the passages (or `context`: their articles' titles) have.
    """
    if not claims:
        return []
    texts = [s.text for s in sources.values()]
    # per sentence: "Peter Molyneux" over "Mr Molyneux has been behind…", though another passage says "Peter"
    allowed = set().union(*(question_name_parts(question, [t]) for t in texts)) if question else frozenset()
    asked = asked_names(question, [*texts, *context]) if question else set()
    own = core_question(question)  # a follow-up's context is earlier turns, not this question
    given = specific_keys(own)
    asked |= given_months(own)  # "…in May" restates the question's month
    bare = [f"{own} {c.text}" if own and not has_verb(c.text) else "" for c in claims]
    vectors = encode([c.text for c in claims] + [b for b in bare if b])
    asks = iter(vectors[len(claims):])
    verdicts = [attribute(c, v, sources, threshold, allowed, asked, given, (b, next(asks)) if b else None)
                for c, v, b in zip(claims, vectors, bare)]
    for v in verdicts:
        if v.kept and question and restates_question(v.claim.text, question):
            v.kept, v.reason = False, "restates the question without answering it"
        elif v.kept and question and _bare_number(v.claim.text) and not number_beside(
                v.claim.text, [sources[n].text for n in v.cited], set(content_terms(own))):
            v.kept, v.reason = False, "a bare number its sentence does not tie to what is asked"
        elif v.kept and (swapped := swapped_doers(v.claim.text, [sources[n].text for n in v.cited],
                                                  [*texts, *context])):
            v.kept, v.reason = False, "gives another's words or deed to " + ", ".join(swapped)
    return verdicts
