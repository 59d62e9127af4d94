"""What a follow-up's "it"/"its" and its ellipsis stand for, read from spaCy's parse.

"Which play was banned?" … "Who wrote it?": "it" is the play the answer named ("The Vagina
Monologues"). "How many awards did Sideways win?" … "Who was its director?": "its" is the
thing the question named. The name goes into the query's context, not in place of the
pronoun: articles go on to say "the play", and a name in the question itself is one every
answering sentence is expected to repeat. An answer that describes the asked thing instead of
naming it ("the French spirits firm") stands for the name the article gave just before; without
a short answer, the name playing the asked part in the answer's sentence is the thing. "When
was that?" after "What was X?" asks about X. "At what price did Brent crude close?" … "And US
light crude?": the fragment takes the place of the phrase it parallels, so retrieval and
the answer reader see a whole question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.models import core_question
from assistant.retrieve.spacy_pipeline import parse, plain_letters

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from assistant.chat.followup import Turn

OPENERS = ("what about", "how about", "and", "but", "also", "so")
WH_TAGS = {"WDT", "WP", "WP$", "WRB"}
MARKER = re.compile(r"\s*\[\d+\]\.?")
ANSWER_CHARS = 400  # the answer's first sentence or two: where what it named is
ANTECEDENT_CHARS = 300  # how far back an article names what a description stands for: a sentence or two
NOT_NAMES = {"GPE", "LOC", "NORP", "DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"}
SUBJECT = {"nsubj", "nsubjpass"}


def _parse(text: str) -> Doc:
    return parse(plain_letters(text))


def proper_runs(doc: Doc) -> list[Span]:
    """Runs of proper nouns ("Zafi.D", "Independent Spirit Awards"), a capitalised "The" kept."""
    runs: list[Span] = []
    start = None
    for t in doc:
        before_name = t.i + 1 < len(doc) and doc[t.i + 1].pos_ == "PROPN"
        joined = start is not None and before_name and (
            (not doc[t.i - 1].whitespace_ and t.is_punct)  # "Zafi.D"
            or (t.text[:1].isupper() and t.pos_ in ("DET", "ADP", "CCONJ")))  # "Meet The Fockers"
        if t.pos_ == "PROPN" or joined:
            if start is None:
                start = t.i - 1 if t.i > 0 and doc[t.i - 1].text == "The" else t.i
            continue
        if start is not None:
            runs.append(doc[start : t.i])
            start = None
    if start is not None:
        runs.append(doc[start:])
    return runs


def _in_wh_phrase(span: Span) -> bool:
    """Part of what the question asked for ("How many *Independent Spirit Awards*"), not its topic."""
    chunk = next((c for c in span.doc.noun_chunks if c.start <= span.root.i < c.end), span)
    return any(t.tag_ in WH_TAGS for t in chunk) or any(c.tag_ in WH_TAGS for c in span.root.children)


def _person(span: Span) -> bool:
    return any(e.label_ == "PERSON" for e in span.ents)


def _topic(question: str) -> str | None:
    """The thing a question is about: its proper name outside the wh-phrase, the subject first,
    a name the parser calls a person last ("it" rarely stands for one)."""
    doc = _parse(question)
    runs = [r for r in proper_runs(doc) if not _in_wh_phrase(r) and r.root.dep_ != "amod"
            and not any(e.label_ == "NORP" for e in r.ents)]  # "Ugandan authorities": not a thing
    if not runs:
        return None
    runs.sort(key=lambda r: (_person(r), r.root.dep_ not in ("nsubj", "nsubjpass"), r.start))
    return question[runs[0].start_char : runs[0].end_char]


def _answer_body(turn: Turn) -> str:
    text = MARKER.sub(" ", turn.answer)
    if turn.short_answer and text.startswith(turn.short_answer):
        text = text[len(turn.short_answer) :]
    return text.strip(" .")[:ANSWER_CHARS]


def _named_beside(head: str, text: str) -> str | None:
    """The proper name the answer gives right after (or in apposition to) the asked noun:
    "banned *the play* The Vagina Monologues"."""
    doc = _parse(text)
    for run in proper_runs(doc):
        before = [t for t in doc[max(0, run.start - 2) : run.start] if t.pos_ != "DET"]
        if (before and before[-1].lemma_.lower() == head) or run.root.head.lemma_.lower() == head \
                and run.root.dep_ == "appos":
            return text[run.start_char : run.end_char]
    return None


def _word_after_which(question: str) -> str | None:
    """ "Which play have…": the small model may tag the asked noun a verb; after "which" it is the noun."""
    doc = _parse(question)
    at = next((t.i for t in doc if t.lower_ == "which"), None)
    nxt = [t for t in doc[at + 1 : at + 3] if t.pos_ != "ADJ"] if at is not None else []
    return nxt[0].lemma_.lower() if nxt and nxt[0].is_alpha and nxt[0].pos_ != "AUX" else None


def _asked_noun(question: Doc, head: str) -> Token | None:
    return next((t for t in question if t.lemma_.lower() == head and t.pos_ in ("NOUN", "PROPN")), None)


def _describing(question: Doc, head: str) -> set[str]:
    """The words describing the asked noun ("Which *French* company")."""
    noun = _asked_noun(question, head)
    return {c.lower_ for c in noun.children if c.dep_ in ("amod", "compound") and c.is_alpha} if noun else set()


def _antecedent(article: str, sentence: str, asked: str) -> str | None:
    """The last name the article gives in the `ANTECEDENT_CHARS` before `sentence`, places,
    nationalities and the previous question's own names left out: what a description stands for."""
    at = article.find(sentence[:60])
    if at <= 0:
        return None
    before = _parse(article[max(0, at - ANTECEDENT_CHARS) : at])
    unnamed = {t.i for e in before.ents if e.label_ in NOT_NAMES for t in e}
    asked_words = {w.lower() for w in re.findall(r"\w+", asked)}
    for run in reversed(proper_runs(before)):
        words = [t for t in run if t.pos_ == "PROPN"]
        if words and not any(t.i in unnamed or t.lower_ in asked_words for t in words):
            return before.text[run.start_char : run.end_char]
    return None


def _described_not_named(turn: Turn, question: str, head: str, read: Callable[[str], str] | None) -> str | None:
    """ "Which French company…?" answered by "…suggested that *the French spirits firm* is
    considering a bid": the answer describes the asked thing in the question's own words, in the
    part the question gives it (the subject), instead of naming it, so a name elsewhere in that
    sentence is not it; the article named it just before."""
    if read is None or not turn.files:
        return None
    asked = _parse(question)
    noun = _asked_noun(asked, head)
    described = _describing(asked, head)
    if noun is None or not described:
        return None
    body = _answer_body(turn)
    doc = _parse(body)
    first = next(doc.sents, None)  # the sentence the answer was read from
    if first is None:
        return None
    at = body.find(turn.short_answer or "\0", first.start_char, first.end_char)
    short = doc.char_span(at, at + len(turn.short_answer or ""), alignment_mode="expand") if at >= 0 else None
    if short is not None and _role(short.root) == _role(noun):
        return None  # the short answer plays the asked part itself
    for chunk in first.noun_chunks:
        if chunk[0].lower_ == "the" and {t.lower_ for t in chunk} & described and not _named_here(chunk) \
                and _role(chunk.root) == _role(noun):
            return _antecedent(read(turn.files[0]) or "", first.text, question)
    return None


def _named_here(chunk: Span) -> bool:
    """Does the description carry a name: "the French firm Pernod", "the firm, Pernod,", "the
    smartphone business of Huawei", "Pernod, the French firm"?"""
    doc = chunk.doc
    root = chunk.root
    return any(t.pos_ == "PROPN" for t in root.subtree) \
        or (chunk.end < len(doc) and doc[chunk.end].pos_ == "PROPN") \
        or (root.dep_ == "appos" and root.head.pos_ == "PROPN")


def answered_thing(turn: Turn, read: Callable[[str], str] | None = None) -> str | None:
    """The named thing `turn`'s answer gave when its question asked for a thing ("Which film…"):
    what "its" after it most surely stands for. `read` gives a cited article's text (for the name
    an answer's description stands for)."""
    from assistant.retrieve.question import PERSON, parse_question

    question = core_question(turn.query)
    ask = parse_question(question).first
    head = ask.head or _word_after_which(question)
    if turn.abstained or ask.wh not in ("which", "what") or head is None or PERSON in ask.labels:
        return None
    if named := _described_not_named(turn, question, head, read):
        return named
    short = turn.short_answer
    if short and any(c.isupper() for c in short) and not any(c.isdigit() for c in short):
        return short
    body = _answer_body(turn)
    return _named_beside(head, body) or _new_name(question, head, body)


def _role(token: Token) -> str:
    return "subject" if token.dep_ in SUBJECT else token.dep_


def _new_name(question: str, head: str, body: str) -> str | None:
    """The name that plays, in the answer's first full sentence, the part the asked noun plays in
    the question ("Which film held the top spot?" -> "*Comedy Meet The Fockers* has held on to the
    top spot"): the subject for a subject. A name the question gives, a place or nationality, and a
    name that only qualifies something ("Allied Domecq shares") are not it."""
    asked_doc = _parse(question)
    noun = _asked_noun(asked_doc, head)
    if noun is None:
        return None
    doc = _parse(body)
    sentence = next((s for s in doc.sents if s.root.pos_ in ("VERB", "AUX")), None)
    if sentence is None:
        return None
    unnamed = {t.i for e in doc.ents if e.label_ in NOT_NAMES for t in e}
    asked = {t.lower_ for t in asked_doc}
    for run in proper_runs(doc):
        words = [t for t in run if t.pos_ == "PROPN"]
        if run.start < sentence.start or run.end > sentence.end or _role(run.root) != _role(noun):
            continue
        if words and not any(t.i in unnamed or t.lower_ in asked for t in words):
            return body[run.start_char : run.end_char]
    return None


def thing_referent(turn: Turn, read: Callable[[str], str] | None = None) -> str | None:
    """What "it" stands for after `turn`: the named thing its answer gave when it asked for a
    thing, else the thing its question was about."""
    return answered_thing(turn, read) or _topic(core_question(turn.query))


def _fragment(question: str) -> str | None:
    """The phrase of an elliptical follow-up ("And US light crude?" -> "US light crude"), if it
    has no verb and no question word of its own."""
    text = question.strip().rstrip("?!. ")
    lower = text.lower()
    opener = next((o for o in OPENERS if lower.startswith(o + " ")), None)
    if opener is None:
        return None
    rest = text[len(opener) :].strip(" ,")
    doc = _parse(rest)
    if not any(t.pos_ not in ("PRON", "DET", "PUNCT") for t in doc) or any(t.tag_ in WH_TAGS for t in doc):
        return None  # "And he?" names nothing to put in; "And why?" asks its own question
    head = doc[0] if doc[0].pos_ == "ADP" else None
    if head is None and any(t.pos_ in ("VERB", "AUX") and t.dep_ == "ROOT" for t in doc):
        return None
    return rest


def _replaceable(doc: Doc, fragment: Doc) -> Span | None:
    """The phrase of the previous question that the fragment parallels: the prepositional phrase
    with the same preposition, else a name of the same entity type, else the subject."""
    first = fragment[0]
    if first.pos_ == "ADP":
        for t in doc:
            if t.lower_ == first.lower_ and t.dep_ in ("prep", "dative", "agent"):
                sub = list(t.subtree)
                return doc[sub[0].i : sub[-1].i + 1]
        return None
    # a date or number parallels one only when it is the whole fragment ("What about the third quarter?")
    whole = {e.label_ for e in fragment.doc.ents if e.start <= fragment.start and e.end >= fragment.end}
    labels = {e.label_ for e in fragment.ents if e.label_ not in ("DATE", "CARDINAL")} | whole
    for e in doc.ents:
        if e.label_ in labels:
            return e
    if whole & {"DATE", "CARDINAL"}:
        return None  # "And last year?" is no subject
    for chunk in doc.noun_chunks:
        if chunk.root.dep_ in ("nsubj", "nsubjpass") and not any(t.tag_ in WH_TAGS or t.pos_ == "PRON"
                                                                  for t in chunk):
            return chunk
    return None


def expand_ellipsis(question: str, previous: Turn) -> str | None:
    """The previous question with the follow-up's fragment in place of the phrase it parallels
    ("At what price did US light crude close…?"), or None when the follow-up is no fragment."""
    rest = _fragment(question)
    if rest is None:
        return None
    before = core_question(previous.query)
    doc = _parse(before)
    fragment = _parse(f"What about {rest}?")[2:-1]  # a bare name is typed better inside a sentence
    span = _replaceable(doc, fragment) if len(fragment) else None
    if span is None:
        return None
    return before[: span.start_char] + rest + before[span.end_char :]


def described_referent(question: str, history: list[Turn]) -> str | None:
    """What "the ambassador" stands for: the answer to an earlier "Which US ambassador…?" — the
    definite noun is the one that question asked for."""
    from assistant.retrieve.question import parse_question

    nouns = {t.lemma_.lower() for t in _parse(question)
             if t.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ == "the" for c in t.children)}
    for turn in reversed(history):
        asked = core_question(turn.query)
        head = parse_question(asked).first.head or _word_after_which(asked)
        if head in nouns and turn.short_answer and not turn.abstained:
            return turn.short_answer
    return None


def _asked_phrase(question: str) -> str | None:
    """The noun phrase whose identity a copular question asked: "What was Pernod's last big
    acquisition?" -> "Pernod's last big acquisition"."""
    doc = _parse(question)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be" or not any(c.tag_ in ("WP", "WP$") for c in root.children):
        return None
    phrase = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass", "attr")
                   and c.tag_ not in WH_TAGS and c.pos_ in ("NOUN", "PROPN")), None)
    if phrase is None:
        return None
    sub = list(phrase.subtree)
    return question[sub[0].idx : sub[-1].idx + len(sub[-1])]


def demonstrative_named(question: str, previous: Turn) -> str | None:
    """ "When was that?" after "What was Pernod's last big acquisition?": the demonstrative subject
    stands for what the previous question asked about -> "When was Pernod's last big acquisition?".
    None when the follow-up has no such subject or the previous question asked about no phrase."""
    doc = _parse(question)
    that = next((t for t in doc if t.lower_ in ("that", "this") and t.pos_ == "PRON"
                 and t.dep_ in ("nsubj", "nsubjpass")), None)
    if that is None:
        return None
    phrase = _asked_phrase(core_question(previous.query))
    if phrase is None:
        return None
    context = previous.query[len(core_question(previous.query)) :]
    return question[: that.idx] + phrase + question[that.idx + len(that) :] + context
