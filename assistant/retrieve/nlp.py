"""What a spaCy parse says about a sentence: its named entities with the words they hang from
and whose fact they state, its reason clauses and its content lemmas (`Annotation`).

Loading the pipeline and parsing are in `spacy_pipeline.py`; annotations of corpus sentences,
read from the parses stored at ingest, are cached by `annotation_cache.py`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

CURRENCY_TAG = "$"  # Penn tag of "$", "£", "€": spaCy leaves the symbol outside MONEY entities
MAGNITUDE_SUFFIXES = {"m", "bn", "k", "million", "billion", "trillion"}  # "£600m" is tokenised "600", "m"
# Subordinators and prepositions that open a clause giving a reason ("because…", "due to…")
REASON_MARKERS = {"because", "since", "as", "after", "so"}
REASON_PREPOSITIONS = {"because", "due", "owing", "thanks"}
# "in retaliation for …", and purposes: "in a bid to avoid …", "in an effort to …"
REASON_NOUNS = {"retaliation", "response", "protest", "reaction", "bid", "order", "effort", "attempt", "ground"}
EXPLAINING_NOUNS = {"reason", "cause", "explanation"}  # "The main reason is that …": what the copula equates
CAUSE_VERBS = {"cause", "prompt", "force", "trigger", "lead", "spark"}  # "The balloon caused X to cancel"
QUANTIFIERS = {"a", "an", "few", "several", "many", "half", "couple"}
NAMING_VERBS = {"call", "name", "dub", "title", "nickname", "term", "christen", "label"}  # "a system dubbed X"
# Parser labels (ClearNLP scheme, as spaCy's English models use)
NOUN_POS = {"NOUN", "PROPN"}
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
SUBJECTS = {"nsubj", "nsubjpass"}
COMPLEMENTS = {"dobj", "attr", "oprd", "acomp"}  # what completes a verb's meaning: its object or predicative
QUALIFIER_ROLES = {"poss", "compound", "amod", "nmod"}
# Entity labels that name nothing ("annual", "3.7%"): never the owner of a fact
UNNAMED = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}
# Clauses that share their head clause's topic ("…, while jobs growth averaged…", "helped push"); not
# "ccomp": the reporter of a statement does not own its figures
JOINED_CLAUSES = {"advcl", "conj", "xcomp"}


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # PERSON, ORG, GPE, DATE, MONEY, PERCENT, CARDINAL, ...
    start: int  # character offsets in the annotated text
    end: int
    near: frozenset[str]  # lemmas of the words it is attached to (its head chain) and beside
    role: str = ""  # its root's dependency label: "pobj" in "in Detroit", "compound" in "US Trade Representative"
    lemmas: frozenset[str] = frozenset()  # its own words' lemmas ("three-hour" -> three, -, hour)
    proper: bool = False  # its root is a proper noun
    counts: bool = False  # holds a number or quantifier ("three", "a few"): "three hours", not "this week"
    heads: tuple[str, ...] = ()  # lemmas of the words it hangs from, nearest first ("of", "member" in "members of X")
    # (text, label) of the names whose fact it states: in "The US economy grew at … 3.7%", 3.7% is the US's
    owners: tuple[tuple[str, str], ...] = ()
    # the verb it hangs from, with the lemmas of that verb's complement ("became Lord Callaghan of Cardiff
    # in 1987": become, {lord, callaghan, cardiff}); empty when the span stands inside the complement
    frame: tuple[str, frozenset[str]] | None = None
    # names of whoever does what the span's verb says ("Elton John, who took … $42.7m": Elton John)
    actors: tuple[str, ...] = ()
    # lemmas of the common nouns the syntax says it is: "club" in "Scottish club Rangers", "playwright"
    # and "author" in "the work's author, US playwright Eve Ensler"
    described: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Clause:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Annotation:
    """What the parser found in one sentence."""

    text: str
    entities: tuple[Entity, ...]
    reasons: tuple[Clause, ...]  # clauses giving a reason ("because China shot down a balloon")
    lemmas: frozenset[str]  # lowercased lemmas of its content words
    names: tuple[Entity, ...] = ()  # noun phrases with a proper noun, label "NAME": what NER missed


def _window_lemmas(doc: Doc, start: int, end: int, width: int) -> set[str]:
    return {t.lemma_.lower() for t in doc[max(0, start - width) : min(len(doc), end + width)]
            if t.pos_ in CONTENT_POS}


def _head_chain(span: Span, depth: int = 3) -> set[str]:
    """Lemmas of the words the span hangs from, and of the subject of the first verb among them:
    in "Quarterly profits ... jumped 76%", 76% belongs to the profits, however far before it."""
    lemmas, token, subject_read = set(), span.root, False
    for _ in range(depth):
        if token.head.i == token.i:
            break
        token = token.head
        lemmas.add(token.lemma_.lower())
        if token.pos_ in ("VERB", "AUX") and not subject_read:
            subject_read = True
            for child in token.children:
                if child.dep_ in SUBJECTS and child.pos_ in NOUN_POS and not span.start <= child.i < span.end:
                    lemmas |= {t.lemma_.lower() for t in (child, *child.children)
                               if t is child or t.dep_ in ("amod", "compound")}  # "quarterly profits"
            if token.dep_ == "advcl" and token.tag_ == "VBN" and not any(c.dep_ in SUBJECTS for c in token.children):
                break  # a participle clause ("Born in 1912 …, he became a clerk") is an event of its own
    return lemmas


def _qualifiers(noun) -> set[int]:
    """Token indexes of the names that qualify a common noun: "the US economy", "the UK's jobless rate"."""
    if noun.pos_ != "NOUN":
        return set()
    return {t.i for c in noun.children if c.dep_ in QUALIFIER_ROLES and c.pos_ in NOUN_POS | {"ADJ"}
            for t in c.subtree}


def _owners(doc: Doc, span: Span, depth: int = 4) -> tuple[tuple[str, str], ...]:
    """Named entities that qualify whose fact the span states: the names qualifying the common nouns it
    hangs from, and those qualifying the subject of the first verb it hangs from (and of the clauses
    that verb's clause is joined to, not of a verb reporting it). In "The US economy grew at … 3.7%",
    3.7% is the US's; a name standing alone as a subject ("the Court of Appeal quashed…") is an
    actor, not a qualifier, and is not read."""
    inside = set(range(span.start, span.end))
    found: set[int] = set()
    token = span.root
    for _ in range(depth):
        if token.head.i == token.i:
            break
        token = token.head
        if token.pos_ in NOUN_POS:
            found |= _qualifiers(token)
        elif token.pos_ in ("VERB", "AUX"):
            while True:  # a clause joined to another ("…, while jobs growth averaged 178,000") shares its topic
                for child in token.children:
                    if child.dep_ in SUBJECTS and not {t.i for t in child.subtree} & inside:
                        found |= _qualifiers(child)
                if token.dep_ not in JOINED_CLAUSES or token.head.pos_ not in ("VERB", "AUX"):
                    break
                token = token.head
            break
    return tuple((e.text, e.label_) for e in doc.ents if e.label_ not in UNNAMED
                 and any(t.i in found for t in e) and not any(t.i in inside for t in e))


def verb_frame(verb, skip: set[int] = frozenset()) -> tuple[str, frozenset[str]]:
    """A verb's lemma and the nouns of what completes it: its object, attribute or
    predicative ("become *prime minister*", "was named *best actress*"), tokens in `skip` left out."""
    complement = {t.lemma_.lower() for c in verb.children if c.dep_ in COMPLEMENTS for t in c.subtree
                  if (t.pos_ in NOUN_POS or t.i == c.i and t.pos_ in CONTENT_POS) and t.i not in skip}
    # its head word and its nouns, not their modifiers: "best musical" is not "best actress"
    return verb.lemma_.lower(), frozenset(complement)


def _frame(span: Span, depth: int = 4) -> tuple[str, frozenset[str]] | None:
    """The frame (`verb_frame`) of the first verb the span hangs from, if the span is not part of
    its complement (then the span is what completes the verb, not a circumstance of it)."""
    token, path = span.root, [span.root]
    for _ in range(depth):
        if token.head.i == token.i:
            return None
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            if path[-1].dep_ in COMPLEMENTS:
                return None
            return verb_frame(token, set(range(span.start, span.end)))
        path.append(token)
    return None


def _actors(doc: Doc, span: Span, depth: int = 4) -> tuple[str, ...]:
    """The names standing as the subject of the first verb the span hangs from (of its head clause,
    for a joined one without its own), or as the antecedent of a relative pronoun subject, or
    qualifying a common-noun subject ("Metallica's tour"); not the span itself."""
    inside = set(range(span.start, span.end))
    token = span.root
    for _ in range(depth):
        if token.head.i == token.i:
            return ()
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            break
    else:
        return ()
    while True:
        subjects = [c for c in token.children if c.dep_ in SUBJECTS]
        if subjects or token.dep_ not in JOINED_CLAUSES or token.head.pos_ not in ("VERB", "AUX"):
            break
        token = token.head
    found: set[int] = set()
    for subject in subjects:
        if subject.tag_ in ("WP", "WDT") and token.dep_ == "relcl":
            subject = token.head  # "Sir Elton John, who took…" (whose subtree holds the clause, so the span)
            if subject.i in inside:
                continue
        elif any(t.i in inside for t in subject.subtree):
            continue
        found |= {subject.i} | _qualifiers(subject)
    return tuple(e.text for e in doc.ents if e.label_ not in UNNAMED and any(t.i in found for t in e))


def _described(span: Span) -> frozenset[str]:
    """The common nouns standing for the span itself: noun compounds before its root ("club Rangers"),
    and the nouns it is in apposition with, up and down the chain ("author, playwright Eve Ensler")."""
    nouns, token = set(), span.root
    nouns |= {c.lemma_.lower() for c in token.children if c.dep_ in ("compound", "appos") and c.pos_ == "NOUN"}
    nouns |= _named_as(token)
    # "Glenmorangie, one of Scotland's premier whisky firms": the kind is the noun after "one of"
    nouns |= {o.lemma_.lower() for c in token.children if c.dep_ == "appos" and c.pos_ == "NUM"
              for p in c.children if p.dep_ == "prep" and p.lower_ == "of"
              for o in p.children if o.dep_ == "pobj" and o.pos_ == "NOUN"}
    while token.dep_ == "appos" and token.head.i != token.i:
        token = token.head
        if token.pos_ == "NOUN":
            nouns.add(token.lemma_.lower())  # its head only: in "energy drink company", a drink is no company
    return frozenset(nouns)


def _named_as(token) -> set[str]:
    """What a naming verb says the token names: "name" and the named noun, for the complement of "a system
    dubbed X" (system) or "Called X, the alliance will…" (alliance); empty for any other token."""
    verb = token.head
    if token.dep_ != "oprd" or verb.lemma_.lower() not in NAMING_VERBS:
        return set()
    if verb.dep_ == "acl" and verb.head.pos_ == "NOUN":
        return {"name", verb.head.lemma_.lower()}
    subjects = [c for c in verb.head.children if c.dep_ in SUBJECTS and c.pos_ == "NOUN"] if verb.dep_ == "advcl" else []
    return {"name", *(c.lemma_.lower() for c in subjects)}


def _widen(doc: Doc, span: Span) -> tuple[int, int]:
    """Token bounds of an entity with a leading currency symbol and a trailing "m"/"bn" put back."""
    start, end = span.start, span.end
    if start > 0 and doc[start - 1].tag_ == CURRENCY_TAG:
        start -= 1
    if end < len(doc) and doc[end].lower_ in MAGNITUDE_SUFFIXES and not doc[end - 1].whitespace_:
        end += 1
    return start, end


def _entity(doc: Doc, span: Span, label: str, window: int, role: str) -> Entity:
    near = _window_lemmas(doc, span.start, span.end, window) | _head_chain(span)
    first = span.root
    while first.dep_ == "conj" and first.head is not first:
        first = first.head  # a later item of a list stands where its first item stands:
    if first is not span.root:  # "won awards for stars Paul Giamatti, Thomas Haden Church and Virginia Madsen"
        near |= _window_lemmas(doc, first.i, first.i + 1, window) | _head_chain(doc[first.i : first.i + 1])
    counts = any(t.tag_ == "CD" or t.lower_ in QUANTIFIERS for t in span)  # "three", not "the second day"
    heads, token = [], span.root
    while token.head is not token and len(heads) < 2:
        token = token.head
        heads.append(token.lemma_.lower())
    return Entity(span.text, label, span.start_char, span.end_char, frozenset(near), role,
                  frozenset(t.lemma_.lower() for t in span), span.root.pos_ == "PROPN", counts, tuple(heads),
                  _owners(doc, span), _frame(span), _actors(doc, span), _described(span))


def _conjuncts(doc: Doc, ent: Span, tagged: set[int]) -> list[Span]:
    """Proper nouns coordinated with an entity that NER left untagged ("Intel and Micron")."""
    out = []
    for token in ent.root.conjuncts:
        if token.pos_ != "PROPN" or any(t.i in tagged for t in token.subtree):
            continue  # tagged already, or a title before a tagged name ("Trade Representative Katherine Tai")
        left = min([c.i for c in token.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"] + [token.i])
        out.append(doc[left : token.i + 1])
    return out


def entities(doc: Doc, window: int = 4) -> tuple[Entity, ...]:
    """Named entities (amounts with their currency) and the untagged names coordinated with them,
    which get the label of the entity they are listed with."""
    out = []
    tagged = {t.i for ent in doc.ents for t in ent}
    for ent in doc.ents:
        label = ent.label_
        if label == "CARDINAL" and ent.start > 0 and doc[ent.start - 1].tag_ == CURRENCY_TAG:
            label = "MONEY"  # "£7,455" tagged as the number alone
        start, end = _widen(doc, ent) if label == "MONEY" else (ent.start, ent.end)
        out.append(_entity(doc, doc[start:end], label, window, ent.root.dep_))
        out += [_entity(doc, c, ent.label_, window, "conj") for c in _conjuncts(doc, ent, tagged)]
    return tuple(sorted(out, key=lambda e: e.start))


def _before_verb(doc: Doc, token) -> bool:
    """ "due to open this weekend": a schedule, not a reason ("due to the strike")."""
    nxt = doc[token.i + 2] if token.i + 2 < len(doc) and doc[token.i + 1].lower_ == "to" else None
    return nxt is not None and nxt.pos_ in ("VERB", "AUX")


def reason_clauses(doc: Doc) -> tuple[Clause, ...]:
    """Adverbial clauses introduced by a reason marker ("because…", "as…", "after…"),
    "because of / due to / on … grounds" phrases, as the parser attaches them, and what "the reason is" equates."""
    out = []
    for token in doc:
        lower = token.lower_
        if token.dep_ == "mark" and lower in REASON_MARKERS and token.head.dep_ in ("advcl", "ccomp", "conj"):
            tokens = list(token.head.subtree)
        elif lower in REASON_PREPOSITIONS and token.dep_ in ("prep", "amod", "advmod", "mark", "pcomp") \
                and not _before_verb(doc, token):
            tokens = list(token.subtree) + [t for c in token.children for t in c.subtree]
            tokens = [t for t in doc[min(t.i for t in tokens) : max(t.i for t in tokens) + 1]]
        elif token.dep_ == "pobj" and token.lemma_.lower() in REASON_NOUNS and token.head.dep_ == "prep":
            tokens = list(token.head.subtree)  # "in retaliation for the visit"
        elif token.dep_ == "nsubj" and token.lemma_.lower() in EXPLAINING_NOUNS and token.head.lemma_ == "be":
            tokens = [t for c in token.head.children if c.dep_ in ("ccomp", "attr") for t in c.subtree]
            if len(tokens) < 2:
                continue  # "The reason is unclear" gives none
        elif token.lemma_.lower() in CAUSE_VERBS and token.pos_ == "VERB" \
                and any(c.dep_ in ("nsubjpass", "auxpass") for c in token.children):
            # passive: the cause is the agent or the clause ("was caused by a row over pay", "were
            # triggered when the EIA said…")
            tokens = [t for c in token.children if c.dep_ in ("agent", "advcl") for t in c.subtree]
            if len(tokens) < 2:
                continue
        elif token.lemma_.lower() in CAUSE_VERBS and token.pos_ == "VERB":
            subjects = [c for c in token.children if c.dep_ == "nsubj"]
            chunks = [c for c in doc.noun_chunks if subjects and c.start <= subjects[0].i < c.end]
            tokens = list(chunks[0]) if chunks else []  # the cause is the subject: "The balloon"
            if len(tokens) < 2:
                continue
        else:
            continue
        first = min(t.i for t in tokens)
        last = max(t.i for t in tokens)
        while last > first and doc[last].is_punct:
            last -= 1
        if last - first >= 1:  # a reason names something: "because of the balloon", not "because"
            span = doc[first : last + 1]
            out.append(Clause(span.text, span.start_char, span.end_char))
    return tuple(out)


def proper_phrases(doc: Doc, window: int = 4) -> tuple[Entity, ...]:
    """Proper names NER left untagged, label "NAME": the part of a noun chunk after its last
    tagged token, if it ends in a proper noun ("economic tsar He Lifeng" -> "He Lifeng",
    "the 14th China-U.S. Tourism Leadership Summit" -> "U.S. Tourism Leadership Summit")."""
    tagged = {t.i for ent in doc.ents for t in ent}
    out = []
    for chunk in doc.noun_chunks:
        first = max([t.i + 1 for t in chunk if t.i in tagged] + [chunk.start])
        while first < chunk.end and (doc[first].pos_ in ("DET", "PUNCT", "ADJ", "NUM") or doc[first].is_punct):
            first += 1
        names = [t.i for t in doc[first : chunk.end] if t.pos_ == "PROPN"]
        if not names or chunk.root.pos_ != "PROPN" or chunk.root.i in tagged:
            continue
        span = doc[names[0] : chunk.end]
        out.append(_entity(doc, span, "NAME", window, span.root.dep_))
    return tuple(out)


def naming_complements(doc: Doc, window: int = 4) -> tuple[Entity, ...]:
    """What a naming verb names, where NER tagged nothing there: "a system dubbed *smart serendipity*"."""
    tagged = {t.i for ent in doc.ents for t in ent}
    out = []
    for token in doc:
        if token.dep_ != "oprd" or token.head.lemma_.lower() not in NAMING_VERBS or token.i in tagged:
            continue
        first = min(t.i for t in token.subtree)  # its modifiers and it, not a clause after it ("…, which is…")
        first += 1 if doc[first].pos_ == "DET" else 0
        if first <= token.i:
            out.append(_entity(doc, doc[first : token.i + 1], "NAME", window, token.dep_))
    return tuple(out)


def annotation_of(doc: Doc, original: str) -> Annotation:
    """The annotation of `original`, parsed as `doc` (its `plain_letters`; same offsets)."""
    def restore(e):
        return replace(e, text=original[e.start : e.end])

    lemmas = frozenset(t.lemma_.lower() for t in doc if t.pos_ in CONTENT_POS)
    return Annotation(original, tuple(map(restore, entities(doc))), tuple(map(restore, reason_clauses(doc))),
                      lemmas, tuple(map(restore, proper_phrases(doc) + naming_complements(doc))))


@lru_cache(maxsize=1)
def annotation_version() -> str:
    """Names the code that reads a parse (this module): annotations stored by other code
    (`index/parses.py`) are never read."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()
