"""What a question asks for, read from spaCy's parse: the answer's entity types, whether
it wants several items, and its separate asks.

"How much did profits rise?" wants MONEY/PERCENT; "Which two companies merged?" wants two
ORGs; "Who won the vote, and by how many seats?" is two asks, split where "and" joins a
second wh-phrase. The wh-word and the noun it governs ("which *company*", "what is the
*name* of the *minister*") decide the type; the noun classes below are the usual
answer-type taxonomy of question answering, not words of any corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.retrieve.answer_types import (
    HEAD_CLASSES,
    LOOSE_CLASSES,
    NAMED,
    NORP,
    ORG,
    PERSON,
    PLACES,
    RANKS,
    TIMES,
)
from assistant.retrieve.nlp import (
    CONTENT_POS,
    NAMING_VERBS,
    NOUN_POS,
    QUALIFIER_ROLES,
    SUBJECTS,
    verb_frame,
)
from assistant.retrieve.spacy_pipeline import parse, parse_all


MIN_COMPOUND_HEAD = 4  # "spokes|people", "chair|woman": a compound's first part is a word, not "de|vice"
NAME_NOUNS = {"name", "kind", "type", "sort", "title"}  # "the name of the minister": the answer type is the minister's
WH_TYPES: dict[str, frozenset[str]] = {
    "who": frozenset({PERSON, ORG, NORP}), "whom": frozenset({PERSON, ORG, NORP}),
    "whose": frozenset({PERSON, ORG}), "where": PLACES, "when": TIMES,
    "how much": frozenset({"MONEY", "PERCENT", "QUANTITY"}),  # an amount, not a count ("three")
    "how many": frozenset({"CARDINAL", "QUANTITY", "MONEY"}),
    "how long": TIMES, "how old": frozenset({"DATE", "CARDINAL"}), "how far": frozenset({"QUANTITY"}),
}
DURATION_HEADS = frozenset("term sentence ban suspension spell stint tenure".split())  # "the longest prison term"
TIME_UNITS = frozenset("second minute hour day week month year decade century".split())  # what a duration counts
PRICE_VERBS = {"cost", "charge", "fetch"}  # "what does X cost": the object is a price
POSITION_VERBS = {"rank", "stand", "finish"}  # "Where does X rank?": a position
EXACT_HEADS = {"date", "year"}  # answered by "Aug. 28", "2019", not by "next year"
# "On what grounds…", "For what reason…": a why-question in other words
REASON_HEADS = {"reason", "ground", "cause", "motive", "motivation", "purpose", "basis", "explanation"}
# "What prompted / caused / was behind X?": the asked thing is a cause
CAUSE_VERBS = {"cause", "prompt", "trigger", "spark", "drive", "fuel", "lead", "behind"}
CAUSE_PHRASAL = {("set", "off"), ("bring", "about")}
LIST_VERBS = {"name", "list"}  # imperative asks: "Name the three bands…"
NUMBER_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten".split())}
NAMED_ROLES = {"dobj", "oprd"}  # "What did X call his tactic?": the parser gives either role to either noun
HYPHENS = {"-", "\u2010", "\u2011"}
WH_TAGS = {"WDT", "WP", "WP$", "WRB"}
WH_WORDS = {"who", "whom", "whose", "which", "what", "where", "when", "why"}


@dataclass(frozen=True)
class Ask:
    """One ask of a question."""

    text: str
    wh: str | None  # "who", "which", "how much", "why", "name", …
    head: str | None  # the noun the wh-word asks about ("company")
    labels: frozenset[str] = frozenset()  # entity labels that answer it (empty: no typed answer)
    strict: bool = False  # a sentence without such an entity cannot answer this ask
    count: int | None = None  # "Which two companies" -> 2
    several: bool = False  # a list: a count above one, a plural head, "Who were…"
    reason: bool = False  # "why": the answer is a clause giving a reason
    counted: str | None = None  # "how many seats": the counted noun's lemma
    exact: bool = False  # "what date", "which year": the answer is written in figures
    duration: bool = False  # "how long": a span of time ("three hours"), not a point in it
    named: frozenset[str] = field(default_factory=frozenset)  # lowercased words the question names
    terms: frozenset[str] = field(default_factory=frozenset)  # lemmas of its content words
    # entity labels of the names qualifying what it asks about ("Japan's economy"): a span whose fact is
    # qualified by another name of such a kind ("the US economy") answers another question
    kinds: frozenset[str] = field(default_factory=frozenset)
    # the asked verb and the nouns completing it ("become prime minister"): a span of a sentence using
    # the verb with another complement ("became Lord Callaghan in 1987") dates another event
    frame: tuple[str, frozenset[str]] | None = None
    actor: bool = False  # its main verb's subject is a name ("How much did Prince make?")
    naming: bool = False  # it asks for a name ("What name is given to…", "What is the group called?")
    # `terms` of its own words, not those it takes from an earlier ask of the question
    own: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class QuestionParse:
    text: str
    asks: tuple[Ask, ...]

    @property
    def first(self) -> Ask:
        return self.asks[0]

    @property
    def typed(self) -> bool:
        return any(a.labels or a.reason for a in self.asks)


def _number(token) -> int | None:
    if token.like_num and token.text.isdigit():
        return int(token.text)
    return NUMBER_WORDS.get(token.lower_)


def _inner_hyphen(token) -> bool:
    """A hyphen joining two parts of one word ("T-Mobile", "vote-rigging"): no space on either side."""
    return token.text in HYPHENS and not token.whitespace_ and token.i > 0 \
        and not token.doc[token.i - 1].whitespace_


def _noun_run(tokens: list) -> list:
    """The noun phrase right after a wh-word: "two senior US trade officials" (stops at the verb); a
    hyphen inside a word ("T-Mobile customers") does not end it."""
    run = []
    for t in tokens:
        if t.pos_ in NOUN_POS | {"NUM", "ADJ", "DET"} or t.tag_ == "POS" or t.dep_ in ("compound", "amod") \
                or _inner_hyphen(t):
            run.append(t)
        else:
            break
    return run


def _head(doc, wh_index: int):
    """The noun the wh-word asks about; "what is the name of X" -> X; "kind of exchanges" -> exchanges."""
    run = _noun_run(list(doc[wh_index + 1 :]))
    if not run and wh_index + 1 < len(doc) and doc[wh_index + 1].lemma_ == "be":
        # "What is the capital of…", "What is the name of…": the noun phrase after the copula
        chunk = next((c for c in doc.noun_chunks if c.start == wh_index + 2), None)
        run = list(chunk) if chunk is not None else _noun_run(list(doc[wh_index + 2 :]))
        after = run[-1].i + 1 if run else len(doc)
        if after < len(doc) and doc[after].pos_ not in ("ADP", "PUNCT", "PROPN", "DET", "PRON", "NOUN"):
            run = []  # "What was the premier hinting at": the premier is the subject, not the answer
            # (but "What is the longest prison term Ebbers could get": a clause about the noun)
    nouns = [t for t in run if t.pos_ == "NOUN"] or [t for t in run if t.pos_ == "PROPN"]
    head = nouns[-1] if nouns else None
    while head is not None and head.lemma_.lower() in NAME_NOUNS:
        of = [c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"]
        objects = [c for c in of[0].children if c.dep_ == "pobj"] if of else []
        if not objects:
            break
        head = objects[0]
    return head


def _wh(doc) -> tuple[str | None, int]:
    """The asking word: a list verb that opens the question, else the first wh-word; a bare
    "how" ("criticizing how China treats…, in which fields…") only if no other follows, or if it
    opens the question ("How did X respond when…")."""
    if len(doc) and doc[0].lemma_.lower() in LIST_VERBS and doc[0].pos_ == "VERB":
        return doc[0].lemma_.lower(), 0
    bare_how = None
    for t in doc:
        lower = t.lower_
        if lower == "how" and t.i + 1 < len(doc):
            pair = f"how {doc[t.i + 1].lower_}"
            if pair in WH_TYPES:
                return pair, t.i + 1
            bare_how = bare_how or ("how", t.i)
        elif lower in WH_WORDS:
            if bare_how and bare_how[1] == 0:
                break  # "How did X respond when…": the question opens on "how"; "when" only opens a clause
            return lower, t.i
    return bare_how or (None, -1)


def _labels(wh: str | None, head) -> tuple[frozenset[str], bool]:
    lemma = head.lemma_.lower() if head is not None else None
    if wh == "how many":  # "how many people" asks for a count, not for people; "how many days" for a period
        return WH_TYPES[wh] | (frozenset({"DATE"}) if lemma in TIME_UNITS else frozenset()), True
    if lemma is not None and wh in ("which", "what", "whose", "name", "list", "who", "whom"):
        for labels, nouns in HEAD_CLASSES.items():
            if lemma in nouns or any(lemma.endswith(n) and len(lemma) - len(n) >= MIN_COMPOUND_HEAD
                                     for n in nouns if len(n) >= 4):  # "spokespeople", not "de-vice"
                return labels, labels not in LOOSE_CLASSES
    if wh in WH_TYPES:
        return WH_TYPES[wh], True
    if wh in ("which", "what", "name", "list") and lemma in NAME_NOUNS:
        return NAMED, False
    return frozenset(), False


def _measured_against(far) -> bool:
    """Does "how far" measure a gap from something named ("how far above the offer price"): it modifies a
    preposition with an object, not a place word ("from how far out")?"""
    return far.head.pos_ == "ADP" and any(c.dep_ == "pobj" for c in far.head.children)


def _count(doc, at: int, head) -> int | None:
    """The number between the wh-word and its noun: "Which *two* companies"."""
    if head is None:
        return None
    return next((n for t in doc[at + 1 : head.i] if (n := _number(t)) is not None), None)


def _asks_cause(doc, wh: str | None, at: int, head) -> bool:
    """A why-question in other words: "On what grounds…", "What prompted / was behind X?"."""
    if wh != "what":
        return False
    if head is not None and head.lemma_.lower() in REASON_HEADS:
        return True
    if _equated_with_reason(doc[at]):
        return True
    after = doc[at + 1 : at + 4]
    return doc[at].dep_ in ("nsubj", "nsubjpass") and any(
        t.lemma_.lower() in CAUSE_VERBS or any((t.lemma_.lower(), c.lower_) in CAUSE_PHRASAL for c in t.children)
        for t in after)


def _equated_with_reason(wh) -> bool:
    """ "What does X see as the main reason for…?", "What was given as the cause?": the verb governing the
    wh-word calls it a reason (a reason noun after its "as", or its predicative)."""
    verb = wh.head
    return any(t.lemma_.lower() in REASON_HEADS for c in verb.children
               for t in ((c,) if c.dep_ in ("attr", "oprd") else
                         (o for o in c.children if o.dep_ == "pobj") if c.dep_ == "prep" and c.lower_ == "as" else ()))


def _asks_purpose(doc, wh: str | None, head) -> bool:
    """ "What was X hoping to get out of paying Y?", "What did X hope to achieve by cutting prices?": what an
    intended outcome (a verb completing another, "hoping to get") of a deed (the gerund after a preposition)
    was, i.e. why X did it."""
    if wh != "what" or head is not None:
        return False
    return any(t.dep_ == "xcomp" and t.head.pos_ == "VERB" and any(
        c.dep_ == "prep" and any(g.dep_ == "pcomp" and g.tag_ == "VBG" for p in (c, *c.children) for g in p.children)
        for c in t.children) for t in doc)


def _owner_kinds(doc, head) -> frozenset[str]:
    """Entity labels of the names that qualify a common noun of the question ("Japan's economy",
    "American retail sales"), except a modifier of the asked noun (in "Which US chipmakers…", "US"
    describes the answer; in "what is France's jobless rate", France owns it); a proper noun there that NER leaves untagged
    may be a person or an organisation."""
    kinds: set[str] = set()
    tagged = {t.i: e.label_ for e in doc.ents for t in e}
    for t in doc:
        if t.dep_ not in QUALIFIER_ROLES or t.head.pos_ != "NOUN" or t.pos_ not in NOUN_POS | {"ADJ"} \
                or head is not None and t.head.i == head.i and t.dep_ != "poss":
            continue
        label = tagged.get(t.i)
        if label in NAMED:
            kinds.add(label)
        elif label is None and t.pos_ == "PROPN":
            kinds |= {PERSON, ORG}
    return frozenset(kinds)


def _frame(doc) -> tuple[str, frozenset[str]] | None:
    """The question's main verb with the nouns completing it, without the wh-phrase; None for a copula
    or when nothing but the wh-phrase completes it ("What did the firm buy?")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX") or root.lemma_.lower() in ("be", "do", "have"):
        return None
    wh = {t.i for w in doc if w.tag_ in WH_TAGS for t in (w.head.subtree if w.head.i != root.i else (w,))}
    verb, complement = verb_frame(root, wh)
    return (verb, complement) if complement else None


def _named_thing(doc, wh: str | None, at: int):
    """ "What is the group called?", "What was the virus dubbed?", "What did X call his tactic?": a question
    for a name, asked with a naming verb. Returns what is named (the passive verb's subject noun, the active
    verb's other complement) or the passive verb."""
    if wh != "what" or doc[at].dep_ in SUBJECTS:
        return None
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_.lower() not in NAMING_VERBS:
        return None
    if not any(c.dep_ == "auxpass" for c in root.children):
        # active: "What did X call his tactic?", the wh-word one complement of the verb, the named thing the other
        if doc[at].head.i != root.i or doc[at].dep_ not in NAMED_ROLES:
            return None
        return next((c for c in root.children if c.dep_ in NAMED_ROLES and c.i != at and c.pos_ == "NOUN"), None)
    return next((c for c in root.children if c.dep_ in SUBJECTS and c.pos_ == "NOUN"), root)


def _ask(doc, text: str, referent=None) -> Ask:
    """One ask; `referent`: the noun an earlier ask of the question completes its verb with, which a
    pronoun here stands for ("Who wrote the song, and what is it called?": the song)."""
    wh, at = _wh(doc)
    head = _head(doc, at) if wh in ("which", "what", "whose", "name", "list", "how many") else None
    named_thing = _named_thing(doc, wh, at) if head is None else None
    if named_thing is not None and named_thing.pos_ == "NOUN":
        head = named_thing  # "What is the group called?" asks which group, by its name
    elif named_thing is not None and referent is not None \
            and any(c.dep_ in SUBJECTS and c.pos_ == "PRON" for c in named_thing.children):
        head = referent  # "what is it called?" after "Who wrote the song": the song's name
    lemma = head.lemma_.lower() if head is not None else None
    labels, strict = _labels(wh, head)
    if named_thing is not None:
        # a name of any kind, NER tagging names loosely; the kind the named thing is, first
        labels, strict = (labels | NAMED if head is not None and head.doc is not doc else labels or NAMED), False
    if wh == "how far" and _measured_against(doc[at]):
        labels = labels | {"PERCENT"}  # "How far above the offer price…": an extent, as a share of it
    if wh == "where" and any(t.lemma_.lower() in POSITION_VERBS for t in doc):
        labels = RANKS  # "Where does X rank?" asks for a position, not a place
    if wh == "what" and head is None and doc[at].dep_ in ("dobj", "attr", "npadvmod") \
            and doc[at].head.lemma_.lower() in PRICE_VERBS:
        labels, strict = frozenset({"MONEY"}), True  # "What does the service cost a month?"
    if head is not None and head.doc is not doc:
        head = None  # the referent's kind is read; its words are another ask's
    count = _count(doc, at, head)
    plural_head = head is not None and head.tag_ in ("NNS", "NNPS") and wh != "how many"
    plural_who = wh in ("who", "whom") and any(t.lower_ in ("were", "are") for t in doc[at + 1 : at + 3])
    content = [t for t in doc if t.pos_ in CONTENT_POS - {"NUM"} and t.tag_ not in WH_TAGS and t.is_alpha
               and t.dep_ not in ("aux", "auxpass") and t.lemma_.lower() not in ("do", "be")
               and t.lower_ not in ("how", "much", "many") and (head is None or t.i != head.i)]
    return Ask(text=text, wh=wh, head=lemma, labels=labels, strict=strict, count=count,
               several=(count or 0) > 1 or plural_head or plural_who,
               reason=wh == "why" or _asks_cause(doc, wh, at, head) or _asks_purpose(doc, wh, head),
               counted=lemma if wh == "how many" else None, exact=lemma in EXACT_HEADS,
               duration=wh == "how long" or lemma in DURATION_HEADS,
               named=_named_words(doc),
               terms=frozenset(t.lemma_.lower() for t in content),
               kinds=_owner_kinds(doc, head), frame=_frame(doc),
               actor=any(t.dep_ in SUBJECTS and t.head.dep_ == "ROOT" and t.pos_ == "PROPN" for t in doc),
               naming=named_thing is not None or lemma == "name",
               own=frozenset(t.lemma_.lower() for t in content))


def _named_words(doc) -> frozenset[str]:
    """The words the question names: its proper nouns, and the words of the names NER finds where the
    tagger read a common noun ("did Reyes think": a NOUN, but a name)."""
    inside = {t.i for e in doc.ents if e.label_ in NAMED for t in e if t.pos_ in NOUN_POS and t.is_title}
    return frozenset(t.lower_ for t in doc if t.pos_ == "PROPN" or t.i in inside)


def _completing_noun(doc):
    """The noun completing the main verb of an ask ("Who wrote *the song*?"), or None."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    return next((c for c in root.children if c.dep_ in ("dobj", "nsubjpass") and c.pos_ == "NOUN"), None) \
        if root is not None else None


def split_points(doc) -> list[int]:
    """Token indexes of an "and"/"but" that joins a second ask: a wh-word follows it
    ("Who won the vote, and by how many seats?")."""
    points = []
    for t in doc:
        if t.dep_ == "cc" and t.lower_ in ("and", "but") and t.i > 1:
            following = doc[t.i + 1 : t.i + 4]
            if any(w.tag_ in WH_TAGS for w in following) and any(w.tag_ in WH_TAGS for w in doc[: t.i]):
                points.append(t.i)
    return points


# "…, and which firm…", "… but how many…": where `split_points` mostly splits, read from the words alone
WH_ALTERNATIVES = "|".join(sorted(WH_WORDS | {"how"}))
ASK_JOINT = re.compile(rf"\s*,?\s*\b(?:and|but)\s+(?=(?:\S+\s+){{0,2}}(?:{WH_ALTERNATIVES})\b)", re.IGNORECASE)
WH_WORD = re.compile(rf"\b(?:{WH_ALTERNATIVES})\b", re.IGNORECASE)


def likely_asks(question: str) -> list[str]:
    """The asks `parse_question` will most likely cut the question into, guessed before it is
    parsed, so that their parses can start with the question's own (`spacy_pipeline.parse_ahead`);
    a wrong guess costs a background parse, never an answer."""
    joints = [m for m in ASK_JOINT.finditer(question) if WH_WORD.search(question, 0, m.start())]
    if not joints:
        return []
    bounds = [0, *(x for m in joints for x in (m.start(), m.end())), len(question)]
    return [question[a:b].strip(" ,;?") + "?" for a, b in zip(bounds[::2], bounds[1::2])]


@lru_cache(maxsize=512)
def parse_question(question: str) -> QuestionParse:
    doc = parse(question)
    points = split_points(doc)
    if not points:
        return QuestionParse(question, (_ask(doc, question),))
    bounds = [0, *points, len(doc)]
    asks = []
    referent = None
    parts = [doc[a + (1 if a else 0) : b].text.strip(" ,;?") + "?" for a, b in zip(bounds, bounds[1:])]
    for part, part_doc in zip(parts, parse_all(parts)):
        asks.append(_ask(part_doc, part, referent))
        referent = referent or _completing_noun(part_doc)
    first_terms = asks[0].terms | asks[0].named
    # a later ask leans on the first one's words ("…, and by how many seats?" is about the vote)
    asks = [asks[0]] + [Ask(**{**a.__dict__, "terms": a.terms | first_terms}) for a in asks[1:]]
    return QuestionParse(question, tuple(asks))
