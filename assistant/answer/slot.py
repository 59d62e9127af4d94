"""Does the short answer fill the slot the question asks about, or another role in its sentence?

On a large corpus most traps that still get an answer find a sentence on the asked topic with an
entity of the asked type that plays another part in it: "Who wrote the X virus?" finds the
anti-virus firm that *said* something about the virus; "Which judge…?" a defendant the sentence
never calls a judge; "How much is the kit deal worth?" an amount that is the worth of something
else. Read from spaCy's dependency parse of the question and of the quoted sentence:

- speaker: a who-question about a deed is not answered by the subject of a reporting verb ("X
  said") when the sentence never uses the asked verb;
- role: "Which judge…?" (one person) is not answered by a person the sentence neither calls a
  judge, nor describes at all, nor says did the asked deed;
- possessor: "Whose party…?" is answered by the owner of the party ("X's party", "the party of X");
- owner of an amount: "How much is X worth?" is not answered by "Y worth £4m" when Y is none of
  the question's words;
- name: "What is the name of X's game/wife…?" needs a name in the sentence that the question
  does not already give;
- tense: "When will X be held?" is not answered by the date of a past event;
- attribute: "What is the N of M?" needs a sentence stating something of N, not one using N only
  as the object of a preposition ("at the speed of light").

Each check is a reason (a short string) or None, read for the question's first ask on the
sentence the answer would quote (the best one). A failed check refuses (`Model.probability` in
`confidence.py`): a rule, not a fitted input, since one corpus alone rarely shows the pattern and a
fit on it would learn nothing to carry to the other; on both dev sets no check fires on a right
answer (eval/README.md, "Slot check"). A question of none of these shapes is not parsed against
the sentence (`applies`), and the refusal model reads the slot only for a question its cheaper
features leave answerable, so an off-topic question never loads spaCy for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.answer.span import (
    ShortSpan,
    derived,
    named_in_question,
    same_word,
    spans_for,
    words_of,
)
from assistant.models import core_question
from assistant.retrieve.answer_types import PERSON_NOUNS
from assistant.retrieve.question import NAME_NOUNS
from assistant.retrieve.terms import content_terms

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from assistant.retrieve.nlp import Annotation
    from assistant.retrieve.question import Ask

# Verbs that report speech or thought: their subject is a source, not a doer of the asked deed.
REPORTING = frozenset("say tell add claim state comment announce report warn insist stress explain argue note "
                      "confirm suggest believe think predict estimate reckon fear".split())
NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
PERSON_LABELS = frozenset({"PERSON"})
DOER_LABELS = frozenset({"PERSON", "ORG"})
AMOUNT_LABELS = frozenset({"MONEY", "PERCENT", "QUANTITY"})
VALUE_WORDS = frozenset({"worth", "value", "valued"})  # "Y worth £4m", "valued at £4m": the amount is Y's
NAME_NOUN = "name"
LIST_WH = frozenset({"name", "list"})  # "Name the X who…": the asked deed is in a clause, not the main verb
TIME_LABELS = frozenset({"DATE", "TIME"})
FUTURE = frozenset({"will", "'ll", "shall"})
SELF = frozenset("he she it they we i his her its their our my him them us me".split())
OWNER_PREPOSITIONS = frozenset({"of", "from", "by"})
HONORIFICS = frozenset("mr mrs ms miss dr sir dame lord lady".split())
CACHE = 512


def _asks_doer(ask: Ask) -> bool:
    return bool(ask.labels & DOER_LABELS) and ask.wh not in LIST_WH


def _asks_amount(ask: Ask) -> bool:
    return bool(ask.labels & AMOUNT_LABELS) and ask.labels <= AMOUNT_LABELS | {"CARDINAL"}


def applies(ask: Ask, question_words: set[str]) -> bool:
    """Could any check fire for this ask? (Read before parsing anything.)"""
    return _asks_doer(ask) or ask.wh == "whose" or _asks_amount(ask) or NAME_NOUN in question_words \
        or bool(ask.labels & TIME_LABELS) \
        or (ask.wh == "what" and ask.head is not None and not ask.labels) \
        or ("of" in question_words and bool(question_words & {"is", "are", "was", "were"}))


def _word(token: Token) -> str:
    return token.lemma_.lower()


def _same(a: str, b: str) -> bool:
    return same_word(a, b) or derived(a, b)


def _in_sentence(word: str, doc: Doc) -> bool:
    return any(_same(_word(t), word) for t in doc if t.is_alpha)


def _question_verb(q: Doc) -> Token | None:
    """The question's main verb, if it is a full verb ("wrote"), not a copula or an auxiliary."""
    root = next((t for t in q if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ != "VERB" or _word(root) in ("be", "do", "have"):
        return None
    return root


def _span_root(doc: Doc, span: ShortSpan) -> Token | None:
    found = doc.char_span(span.start, span.end, alignment_mode="expand")
    return found.root if found is not None and len(found) else None


def speaker(ask: Ask, q: Doc, doc: Doc, root: Token) -> str | None:
    """ "Who wrote the virus?" is not answered by the firm that *said* something about it."""
    verb = _question_verb(q)
    if verb is None or _word(verb) in REPORTING or not _asks_doer(ask):
        return None
    if root.dep_ in ("nsubj", "nsubjpass") and _word(root.head) in REPORTING \
            and not _in_sentence(_word(verb), doc) and not _self_report(root.head):
        return "speaker"
    return None


def _self_report(verb: Token) -> bool:
    """Does the speaker report a deed of its own ("X said he had bought…", "X said its engineers…")?
    Then the speaker may well be the doer, in other words than the question's."""
    subjects = [s for c in verb.children if c.dep_ in ("ccomp", "xcomp") for s in c.children
                if s.dep_ in ("nsubj", "nsubjpass")]
    return any(t.lower_ in SELF for s in subjects for t in (s, *[p for p in s.children if p.dep_ == "poss"]))


def _described(root: Token) -> bool:
    """Does the sentence say what the person is: a noun or affiliation in the name's own phrase
    ("Treasury Secretary Janet Yellen", "X from the embassy"), the noun it stands in apposition to
    or heads a list for ("singers including X"), or its predicate ("X is a judge")? An honorific
    ("Mr") or another name is no description."""
    near = [c for c in root.children if c.dep_ in ("compound", "appos", "amod", "prep")]
    near += [root.head] if root.dep_ in ("appos", "pobj", "conj") else []
    near += [c for c in root.head.children if c.dep_ in ("attr", "acomp")] if root.dep_ == "nsubj" else []
    return any(t.pos_ == "NOUN" or t.pos_ == "PROPN" and t.lower_ not in HONORIFICS and t.ent_type_ != "PERSON"
               for t in near if t.i != root.i)


def role(ask: Ask, q: Doc, doc: Doc, root: Token) -> str | None:
    """ "Which judge is presiding…?" (one person) is not answered by a person the sentence neither
    calls by the asked noun, nor describes at all, nor says did the asked deed (a defendant). Read
    only for a span standing apart from the question's words ("Smith's late goal" for "Which player
    scored the winning goal?" stands by one)."""
    if ask.head is None or ask.labels != PERSON_LABELS or ask.several or _in_sentence(ask.head, doc):
        return None
    verb = _question_verb(q)
    if verb is not None and _in_sentence(_word(verb), doc) or _described(root):
        return None
    return "role"


def possessor(ask: Ask, doc: Doc, root: Token) -> str | None:
    """ "Whose party…?" is answered by the party's owner, not by another name near the party."""
    if ask.wh != "whose" or ask.head is None:
        return None
    if root.dep_ == "poss" or root.dep_ == "compound" and _same(_word(root.head), ask.head):
        return None  # "X's party", "the X party" (or "X's brainchild" for "whose idea")
    if root.dep_ == "pobj" and root.head.lower_ in OWNER_PREPOSITIONS:
        return None  # "the party of X", "a statement from X", "a party thrown by X"
    return "possessor"


def amount_owner(ask: Ask, doc: Doc, root: Token, asked: set[str]) -> str | None:
    """ "How much is the deal worth?" is not answered by "subsidies worth £4m": the amount is the
    worth of a noun the question does not use."""
    if not _asks_amount(ask):
        return None
    token = root
    for _ in range(3):
        if token.head.i == token.i:
            return None
        token = token.head
        if _word(token) in VALUE_WORDS:
            owner = token.head if token.dep_ in ("amod", "acl", "npadvmod", "advmod") else None
            if owner is not None and owner.pos_ in ("NOUN", "PROPN") and not any(
                    _same(_word(owner), a) for a in asked):
                return "owner"
            return None
    return None


def tense(ask: Ask, q: Doc, doc: Doc, root: Token) -> str | None:
    """ "When will X be held?" is not answered by the date of a past event ("The last one took place
    in 2019"): the span's verb is in the past and the sentence speaks of no future."""
    if not ask.labels & TIME_LABELS or not any(t.dep_ == "aux" and t.lower_ in FUTURE for t in q):
        return None
    verb = root.head
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    if verb.tag_ == "VBD" and not any(t.lower_ in FUTURE | {"would"} for t in doc):
        return "tense"
    return None


def _valued(noun: Token) -> bool:
    """Is something stated of the noun where it stands: an apposition or clause ("the capital,
    Canberra", "with the aim of raising money"), or a figure in its phrase ("with a population of
    5 million")?"""
    return any(c.dep_ in ("appos", "acl", "relcl", "ccomp") for c in noun.children) \
        or any(t.like_num for t in noun.subtree) \
        or any(o.dep_ == "pcomp" or o.pos_ == "VERB" for c in noun.children if c.dep_ == "prep" for o in c.children)


def attribute(ask: Ask, q: Doc, doc: Doc) -> str | None:
    """ "What is the speed of light?" asks for a value stated of the noun; a sentence that uses the
    noun only as the object of a preposition ("moved at the speed of light") states none."""
    root = next((t for t in q if t.dep_ == "ROOT"), None)
    if ask.wh != "what" or ask.head is None or ask.labels or root is None or _word(root) != "be":
        return None
    uses = [t for t in doc if t.pos_ == "NOUN" and _same(_word(t), ask.head)]
    if uses and all(t.dep_ == "pobj" and t.head.lower_ != "of" and not _valued(t) for t in uses):
        return "attribute"
    return None


def _of_phrase(q: Doc) -> tuple[Token, Token] | None:
    """ "What is the capital of Australia?", "Who is the prime minister of Japan?": the noun the
    question asks about and the noun its "of" phrase names, when the main verb is "be"."""
    root = next((t for t in q if t.dep_ == "ROOT"), None)
    if root is None or _word(root) != "be":
        return None
    for noun in root.children:
        if noun.dep_ in ("attr", "nsubj") and noun.pos_ == "NOUN":
            for prep in noun.children:
                if prep.dep_ == "prep" and prep.lower_ == "of":
                    owner = next((o for o in prep.children if o.dep_ == "pobj"), None)
                    if owner is not None:
                        return noun, owner
    return None


def unstated(ask: Ask, q: Doc, doc: Doc, context: str) -> str | None:
    """ "What is the N of M?" is answered by a sentence that speaks of N, and of M there or in the
    sentences around it: a general-knowledge question ("the capital of Australia", "the prime
    minister of Japan") otherwise finds a sentence that only shares the name ("Australia's largest
    copper miner") or the noun ("the Labour Party's longest-serving prime minister"). The noun is
    looked for only when a name answers (a role, a place): "the purpose of the meeting" is stated
    in other words. Not for an amount: the figure states the price ("comes … for $99")."""
    phrase = _of_phrase(q)
    if phrase is None or _asks_amount(ask):
        return None
    noun, owner = phrase
    if _word(noun) == NAME_NOUN or _word(noun) in NAME_NOUNS:
        return None  # the name is what answers "What is the name/title of X?" (`name_missing` reads it)
    if ask.labels & NAME_LABELS and not _in_sentence(_word(noun), doc):
        return "unstated-noun"  # a role or place noun; "the purpose of the meeting" is stated in other words
    owner_words = {_word(t) for t in owner.subtree if t.pos_ in ("PROPN", "NOUN") and t.dep_ != "poss"}
    around = {w.lower() for w in words_of(context)} | {_word(t) for t in doc}
    if owner_words and not any(any(_same(w, a) for a in around) for w in owner_words):
        return "unstated-owner"
    return None


def _names_person(name: Token) -> bool:
    """ "the maiden name of X's wife Audrey", "the name of the minister": the named thing is a person
    (a person noun, or a noun the question gives a person's name in apposition)."""
    owners = [o for p in name.children if p.dep_ == "prep" and p.lower_ == "of" for o in p.children
              if o.dep_ == "pobj"]
    return any(_word(o) in PERSON_NOUNS or any(c.ent_type_ == "PERSON" for c in o.children if c.dep_ in (
        "appos", "compound")) for o in owners)


def name_missing(q: Doc, doc: Doc, ann: Annotation, query_words: set[str], ask: Ask) -> str | None:
    """ "What is the name of …?": some name in the sentence the question does not give."""
    name = next((t for t in q if _word(t) == NAME_NOUN and t.pos_ == "NOUN"), None)
    if name is None:
        return None
    if _names_person(name):
        labels = PERSON_LABELS
    elif ask.labels and ask.head not in NAME_NOUNS:
        labels = NAME_LABELS | {"NAME"}  # "the name of the game": a title
    else:
        return None  # "What name is given to the mix…?": a coined term may be written in lower case
    for e in (*ann.entities, *ann.names):
        if e.label in labels and not named_in_question(e.text, query_words, ask.named, e.label):
            return None
    return "name"


def reasons(ask: Ask, q: Doc, doc: Doc, ann: Annotation, query: str, context: str = "") -> list[str]:
    """Every slot check the sentence fails for one ask (`context`: the sentences around it)."""
    words = words_of(query)
    asked = {s for w in ask.terms | {ask.head or ""} for s in (w, *content_terms(w)) if s}
    spans = spans_for(ask, ann, query) if ask.labels else []
    root = _span_root(doc, spans[0]) if spans else None
    out = [r for r in (name_missing(q, doc, ann, words, ask), attribute(ask, q, doc),
                       unstated(ask, q, doc, context)) if r]
    if root is not None:
        out += [r for r in (speaker(ask, q, doc, root), possessor(ask, doc, root),
                            amount_owner(ask, doc, root, asked), tense(ask, q, doc, root),
                            None if spans[0].linked else role(ask, q, doc, root)) if r]
    return out


@lru_cache(maxsize=CACHE)
def _question_doc(question: str) -> Doc:
    from assistant.retrieve.spacy_pipeline import parse

    return parse(question)


@lru_cache(maxsize=CACHE)
def unfilled(query: str, sentence: str, context: str = "",
             doc_of: Callable[[str], Doc] | None = None) -> tuple[str, ...]:
    """The slot checks `sentence` fails for the question's first ask (loads spaCy if one applies);
    `context`: its neighbourhood (the sentences around it, the article's headline); `doc_of`: the
    sentence's stored parse (`AnnotationCache.doc`), else it is parsed here."""
    from assistant.retrieve.nlp import annotation_of
    from assistant.retrieve.question import parse_question
    from assistant.retrieve.spacy_pipeline import pipeline, plain_letters

    question = core_question(query)
    ask = parse_question(question).first
    if not applies(ask, words_of(question)):
        return ()
    # same offsets as the sentence: spans map onto tokens
    doc = doc_of(sentence) if doc_of is not None else pipeline()(plain_letters(sentence))
    return tuple(reasons(ask, _question_doc(question), doc, annotation_of(doc, sentence), query, context))
