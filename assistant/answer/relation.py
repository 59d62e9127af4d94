"""Does the sentence we would quote state the relation the question asks about?

Most traps on a large corpus are not off topic: "How much did X end up bidding for Y?" finds a
sentence about exactly that bid with an amount in it (Y's market value), so score, term
coverage and the answer type all look like an answer. What differs is the syntax: the amount
is not attached to the asked verb, and the clause that holds it says nothing of bidding. So,
read from spaCy's dependency parse of a candidate sentence:

- link: how many dependency arcs separate the answer-type span (`span.spans_for`) from the
  nearest word of what is asked (its verb, its nouns, the asked-about noun);
- clause coverage: the IDF-weighted share of what is asked (the question's content words
  other than its names, which the presupposition checks read) inside the clause that holds
  the span: its verb with its arguments, not the clauses hung off it.

A question that asks for no typed answer is read by its best clause's coverage alone. The
value is in [0, 1]; a strict ask whose sentence holds no span of the asked type reads 0.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.answer.span import same_word
from assistant.models import core_question
from assistant.retrieve.terms import TermStats, content_terms

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from assistant.retrieve.question import Ask

MAX_ARCS = 4  # a span this many arcs or more from every asked word is not linked to it
CLAUSE_DEPS = {"advcl", "ccomp", "relcl", "acl", "conj", "parataxis", "csubj"}  # clauses hung off a clause
VERB_POS = {"VERB", "AUX"}
OPEN_COMPLEMENT = {"xcomp", "aux", "auxpass"}  # verbs that belong to their head's clause
UNJUDGED = 0.5  # a question without content words: the relation cannot be read
CACHE = 512  # (question, sentence) pairs remembered: a conversation re-reads the same best sentence


def _stem(token: Token) -> str | None:
    found = content_terms(token.lemma_)  # "met" and the question's "meet" stem alike once lemmatised
    return found[0] if found else None


def _distances(doc: Doc, sources: Iterable[int], limit: int) -> dict[int, int]:
    """Arcs from the nearest source token to every token within `limit` arcs (the tree as undirected)."""
    seen = {i: 0 for i in sources}
    queue = deque(seen)
    while queue:
        i = queue.popleft()
        if seen[i] >= limit:
            continue
        token = doc[i]
        for nxt in (token.head, *token.children):
            if nxt.i not in seen:
                seen[nxt.i] = seen[i] + 1
                queue.append(nxt.i)
    return seen


def _clause_of(token: Token) -> Token:
    """The verb heading the clause a token stands in (the sentence's root if none); "tried to buy X"
    is one clause, headed by "tried"."""
    # (spaCy makes a new Token object per access: tokens are compared by index)
    while (token.pos_ not in VERB_POS or token.dep_ in OPEN_COMPLEMENT) and token.head.i != token.i:
        token = token.head
    return token


def clause_tokens(verb: Token) -> set[int]:
    """The clause a verb heads: its subtree without the clauses hung off it or off its nouns
    ("a photograph of X wearing Y appears in Z": Z's clause is "a photograph of X appears in Z"); a conjoined verb
    without its own subject borrows the first verb's ("X joined in 2003 and scored 20 goals")."""
    out: set[int] = set()
    stack = [verb]
    while stack:
        t = stack.pop()
        out.add(t.i)
        stack += [c for c in t.children if not (c.dep_ in CLAUSE_DEPS and c.pos_ in VERB_POS)]
    if verb.dep_ == "conj" and not any(c.dep_.startswith("nsubj") for c in verb.children):
        out |= {t.i for c in verb.head.children if c.dep_.startswith("nsubj") for t in c.subtree}
    if verb.dep_ in ("relcl", "acl"):
        out.add(verb.head.i)  # "the firm, which was bought by Y": the noun the clause describes
    return out


def _coverage(weights: dict[str, float], found: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for s, w in weights.items() if s in found) / total if total else 0.0


def asked_weights(ask: Ask, stats: TermStats) -> dict[str, float]:
    """IDF weights of the stems of what is asked: its content words, not its names (all of its
    words when it is made of names only) nor the asked-about noun ("which company"), which
    names the answer's kind rather than something the sentence must say."""
    words = set(ask.terms) - set(ask.named) or set(ask.terms) | set(ask.named)
    stems = {s for w in words for s in content_terms(w)}
    return {s: max(stats.idf(s), 0.0) for s in stems}


def _matches(stems: list[str | None], asked: set[str]) -> list[str | None]:
    """The asked stem each token stands for, if any: the same word, or another form of it
    ("complaint" for "complain", "agreement" for "agree")."""
    return [next((a for a in asked if s == a or same_word(s, a)), None) if s else None for s in stems]


def _link(doc: Doc, span_tokens: list[int], hits: list[str | None]) -> float:
    """1 when the span is one arc from an asked word, falling to 0 at MAX_ARCS."""
    reach = _distances(doc, span_tokens, MAX_ARCS)
    arcs = [d for i, d in reach.items() if i not in span_tokens and hits[i]]
    return max(0.0, 1.0 - (min(arcs) - 1) / (MAX_ARCS - 1)) if arcs else 0.0


def _span_value(doc: Doc, start: int, end: int, weights: dict[str, float], hits: list[str | None],
                reason: bool) -> float:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return 0.0
    tokens = [t.i for t in span]
    root = span.root
    # a reason clause answers for the clause it hangs off ("postponed after the balloon …"): the
    # parser attached it there, so it is linked by construction
    verb = _clause_of(root.head if reason and root.head.i != root.i else root)
    clause = clause_tokens(verb) | set(tokens)
    coverage = _coverage(weights, {hits[i] for i in clause if hits[i]})
    link = 1.0 if reason else _link(doc, tokens, hits)
    return (link + coverage) / 2


def _best_clause(doc: Doc, weights: dict[str, float], hits: list[str | None]) -> float:
    verbs = [t for t in doc if t.pos_ in VERB_POS] or [t for t in doc if t.head.i == t.i]
    return max((_coverage(weights, {hits[i] for i in clause_tokens(v) if hits[i]}) for v in verbs), default=0.0)


def ask_value(ask: Ask, doc: Doc, annotation, query: str, stats: TermStats) -> float | None:
    """How well the parsed sentence states what one ask asks for (see the module's docstring);
    None when it asks nothing the corpus knows, so the sentence cannot be judged."""
    from assistant.answer.span import spans_for

    weights = {s: w for s, w in asked_weights(ask, stats).items() if w > 0}
    if not weights:
        return None
    stems = [_stem(t) for t in doc]
    if not (ask.labels or ask.reason):
        return _best_clause(doc, weights, _matches(stems, set(weights)))
    spans = spans_for(ask, annotation, query)
    if not spans:  # a reason the parser did not attach, or a loosely typed ask: read as untyped
        return 0.0 if ask.strict else _best_clause(doc, weights, _matches(stems, set(weights)))
    head = set(content_terms(ask.head)) if ask.head else set()
    hits = _matches(stems, set(weights) | head)
    return max(_span_value(doc, s.start, s.end, weights, hits, ask.reason) for s in spans)


@lru_cache(maxsize=CACHE)
def _cached(query: str, sentence: str, stats: TermStats) -> float:
    from assistant.retrieve.nlp import annotation_of
    from assistant.retrieve.question import parse_question
    from assistant.retrieve.spacy_pipeline import pipeline, plain_letters

    asks = parse_question(core_question(query)).asks
    doc = pipeline()(plain_letters(sentence))  # same offsets as the sentence: spans map onto tokens
    annotation = annotation_of(doc, sentence)
    values = [v for a in asks if (v := ask_value(a, doc, annotation, query, stats)) is not None]
    return sum(values) / len(values) if values else UNJUDGED


def relation_coverage(query: str, sentence: str, stats: TermStats) -> float:
    """Whether `sentence` states the relation `query` asks about, in [0, 1] (loads spaCy)."""
    return round(_cached(query, sentence, stats), 4)
