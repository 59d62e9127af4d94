"""What a question takes for granted, checked against the evidence around a sentence.

Trap questions reuse the articles' names and topics but presuppose a fact the articles
never state: "What did Blinken discuss with Qin Gang in Beijing in June?" (no such
talks), "What did Katherine Tai tell Wang Wentao?" (the quote is someone else's).
Similarity scores cannot see that: the names match. So the question is read for the
claims it presupposes, and a sentence is evidence only if its neighbourhood states them:

- speaker: "What/Why did X say…", "…, according to X?" need a statement attributed to X
  (a "she said" counts only when X is the first person named in the two sentences before);
- exchange: "What did X and Y agree on?", "Why did X urge…?" ask about an exchange
  (agreeing, deciding, discussing, promising, demanding…): the quoted evidence must report
  it (the verb, a form of it, a noun made from it, or a word of the same small class);
- deed or event: "Which senator accompanied X?", "Where was X shot down?" need the verb,
  or a sentence that matches the question less once the verb is taken out of it (a
  paraphrase: "resumed" for "restarted"). Exchanges get no such leeway: "met" must not
  answer "what did they discuss". Other verbs are left to similarity ("sit down with" and
  "met"); MiniLM word similarity was measured and does not separate paraphrases from traps;
- names: a rare or several-word name in the question (a person, an organisation, a
  landmark; not "Washington" or "Chinese"; titles dropped) must be named near the
  sentence. The articles do name Blinken, but a sentence about Qin Gang's talks with
  Burns says nothing about him. A part of a name counts only where it does not start
  another name ("Alan Clark" does not name Alan Milburn). The article's headline or first
  sentence may state the names for a sentence that opens on its subject ("He", "The
  firm"): news names its subject once; with several names the first must still be near;
- time: a question fixed to a month needs that month near the sentence or in the article's
  date; one fixed to a year is not answered by a sentence dated to another year.

Two further checks (a plan is not an occurrence; the question's "in <Place>" must be named
nearby) were measured across both corpora and the held-out sets and deleted: they refused no
held-out trap the refusal model (`assistant/answer/confidence.py`) does not, and cost BBC
answers (eval/README.md, "Refusal model").

The checks are word-level and deliberately narrow: a missed trap costs one wrong
answer, a false refusal costs a right one, and `eval/` measures both. Reading the
question's verb is `predicates.py`; word readings come from `lexicon.py`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.models import core_question
from assistant.retrieve import lexicon
from assistant.retrieve.names import names_all
from assistant.retrieve.predicates import (
    DETERMINERS,
    PRONOUNS,
    Predicate,
    asked_predicate,
)
from assistant.retrieve.terms import english_zipf, fold
from assistant.retrieve.titles import INSTITUTIONS, TITLES

# Verbs that carry no checkable event of their own ("What did X do?") or are checked elsewhere (speech).
LIGHT_VERBS = {"do", "be", "have", "get", "make", "happen", "mean", "go", "take", "come", "become", "seem", "use"}
SPEECH_LEMMAS = {"say", "tell", "state", "announce", "claim", "write", "post", "tweet", "warn", "insist", "stress"}
# Verbs whose object is the content of an exchange, each with the words that report the same
# kind of exchange. A question built on one of them presupposes that the exchange happened.
EXCHANGE_VERBS: dict[str, frozenset[str]] = {lemma: frozenset(words.split()) for lemma, words in {
    "agree": "agree agreement consensus deal concur settle pact",  # not "accord": "according to"
    "decide": "decide decision resolve resolution agree agreement conclude determine rule",
    "discuss": "discuss discussion talk talks raise exchange debate negotiate negotiation address",
    "negotiate": "negotiate negotiation talk talks bargain deal",
    "promise": "promise pledge vow commit commitment assure assurance guarantee offer ready prepared willing",
    "pledge": "promise pledge vow commit commitment",
    "propose": "propose proposal suggest suggestion offer",
    "offer": "offer propose proposal",
    "sign": "sign signing agreement deal treaty",
    "demand": "demand request ask urge call press insist",
    "request": "request demand ask urge call",
    "ask": "ask request demand urge call press",
    "urge": "urge ask call press demand",
    "accuse": "accuse accusation blame charge allege criticize",
    "threaten": "threaten threat warn warning",
    "approve": "approve approval authorize endorse",
    "reject": "reject rejection refuse dismiss deny",
    "conclude": "conclude conclusion agree agreement",
    "respond": "respond response reply react reaction retort answer",
    "react": "react reaction respond response reply",
    "reply": "reply respond response answer retort",
}.items()}
# Verbs of something taking place, which news reports interchangeably ("held" / "took place")
EVENT_EQUIVALENTS = frozenset("hold host happen occur stage convene take place".split())
REASON_QUESTION = re.compile(r"^\s*why\b", re.I)
# "Where/When was X <done>?" asks for the circumstances of an event, which the evidence must report
CIRCUMSTANCE_QUESTION = re.compile(r"^\s*(?:where|when)\s+(?:was|were)\b", re.I)
PLAN_VERBS = {"expect", "schedule", "set", "plan", "due", "slate", "intend"}
SPEECH_VERBS = {"said", "says", "told", "tells", "stated", "announced", "claimed", "wrote", "posted", "tweeted",
                "urged", "called", "warned", "asked", "added", "insisted", "stressed", "noted", "mentioned",
                "instructed", "expressed", "criticized", "defended", "blamed", "referred", "hoped", "declared",
                "described", "continued", "saying", "telling"}
SPEAKER_WINDOW = 3
SKIPPED_CAPITALS = {"a", "an", "the", "in", "on", "at", "but", "and", "as", "after", "before", "while", "during", "if"}
SUBJECT_PRONOUNS = {"he", "she", "they"}
POSSESSIVE_PRONOUNS = {"his", "her", "its", "their", "it"}
SPEECH_QUESTION = re.compile(r"^\s*(?:[Ww]hat|[Ww]hy|[Ww]hen|[Hh]ow|[Ww]here) did ((?:[A-Z][\w.\u2019'-]*\s+){1,4})"
                             r"(?:personally\s+)?(?:" + "|".join(sorted(SPEECH_LEMMAS)) + r")\b")
# "…, according to Raimondo?" credits the answer to a person ("according to the White House": an
# institution, often the outlet itself, is left alone)
ACCORDING_TO = re.compile(r"\b[Aa]ccording to ((?:[A-Z][\w.\u2019'-]*)(?:\s+[A-Z][\w.\u2019'-]*){0,3})")
CALENDAR_WORDS = {w.lower() for w in (*calendar.day_name, *calendar.month_name) if w}  # "On Monday, Qin…": no one
MONTH = re.compile(r"\b(" + "|".join(calendar.month_name[1:]) + r")\b")
YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w.]*(?:['\u2019]s)?(?:[\s-]+[A-Z][\w.]*)*)")
RARE_NAME_ZIPF = 4.0  # below this a name is specific (Blinken 1.7, Vienna 4.0); above, it is everyday (Washington 5.1)
MIN_SHARED_PREFIX = 5  # "agree"/"agreement", "discuss"/"discussion", but not "state"/"statue"


@dataclass(frozen=True)
class Presuppositions:
    speaker: tuple[str, ...] = ()  # lowercase name parts of X in "What did X say"
    predicate: Predicate | None = None  # the event the evidence must report
    names: tuple[tuple[str, ...], ...] = ()  # specific names, as parts ("~He": an everyday word)
    months: frozenset[str] = field(default_factory=frozenset)
    years: frozenset[str] = field(default_factory=frozenset)
    # lemmas of the common nouns completing the predicate of a question about an event's circumstances
    # ("Where were they caught dropping *leaflets*?"): a sentence stating them with the names around it
    # reports that event in other words ("arrested as they dropped leaflets"); "Who received the apology?"
    # is not answered by any sentence with "apology" (who called for one)
    completion: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Neighbourhood:
    """A candidate sentence with the sentences around it in its article, and the article's date."""

    sentence: str
    quoted: str = ""  # what an answer would quote: the sentence, with its antecedent if it leans on one
    before: tuple[str, ...] = ()  # nearest first
    after: tuple[str, ...] = ()
    document_date: str | None = None
    document_title: str = ""  # names a sentence needn't repeat
    document_outlet: str = ""  # "according to CNN" in a CNN article needs no "CNN said"
    document_lead: str = ""  # the headline and first sentence: who the article is about

    @property
    def text(self) -> str:
        return " ".join((*self.before, self.sentence, *self.after))


def asked_speaker(question: str) -> tuple[str, ...]:
    """Name parts of X in "What did X say…?", "…, according to X?" or "According to X, …", without titles
    ("Premier")."""
    m = SPEECH_QUESTION.match(question) or ACCORDING_TO.search(question)
    if not m or re.search(r"['\u2019]s$", m.group(1)):
        return ()  # "according to Beijing's embassy spokesman": the speaker is the spokesman, unnamed
    parts = [fold(w).lower().rstrip(".,") for w in m.group(1).split()]
    parts = [re.sub(r"['\u2019]s$", "", p) for p in parts]
    return tuple(p for p in parts if p not in TITLES | INSTITUTIONS) or tuple(parts)


def question_names(question: str) -> tuple[tuple[str, ...], ...]:
    """Names in the question, each as its parts without titles: "Foreign Minister Qin Gang" ->
    ("Qin", "Gang"); hyphens split ("Biden-Xi")."""
    units = []
    for m in NAME.finditer(question.strip()):
        for piece in m.group(1).split("-"):
            parts = tuple(re.sub(r"['\u2019]s$", "", fold(w)).strip(".") for w in piece.split())
            parts = tuple(p for p in parts if len(p) > 1 and p.lower() not in TITLES | INSTITUTIONS)
            if parts:
                units.append(parts)
    return tuple(units)


def checked_predicate(question: str) -> Predicate | None:
    """The predicate worth checking: an exchange (any shape), an event whose circumstances
    are asked ("Where was X shot down?"), or the deed in "Which senator accompanied X?"."""
    p = asked_predicate(question)
    if p is None or p.lemma in LIGHT_VERBS | SPEECH_LEMMAS:
        return None
    if p.lemma in EXCHANGE_VERBS:
        return p  # "Why did He Lifeng urge…" presupposes the urging as much as "What did he urge"
    if REASON_QUESTION.match(question):
        return None  # other verbs of why-questions are left to similarity
    if p.shape == "subject":
        return p
    if p.shape == "passive" and CIRCUMSTANCE_QUESTION.match(question) and p.lemma not in PLAN_VERBS:
        return p
    return None


def without_predicate(question: str) -> str | None:
    """The question with its checked verb taken out: embedding both shows whether a sentence
    matches the question *because of* that verb (a paraphrase: "resumed" for "restarted")."""
    p = checked_predicate(core_question(question))
    if p is None or p.lemma in EXCHANGE_VERBS:
        return None  # exchanges are checked by their words only: "met" must not pass for "discussed"
    return re.sub(rf"\b{re.escape(p.word)}\b\s*", "", question, count=1)


def specific_names(question: str, zipf: Callable[[str], float] = english_zipf) -> tuple[tuple[str, ...], ...]:
    """The question's names a sentence must repeat: several words ("Qin Gang", "Great Hall") or one
    rare word ("Blinken"), not an everyday one ("Washington", "Chinese"). Parts that are everyday
    words are marked with a leading "~": they count only where they cannot be a sentence's
    first word ("told He that" names He Lifeng; "He said" does not)."""
    required = []
    for parts in question_names(question):
        if len(parts) > 1 or zipf(parts[0]) < RARE_NAME_ZIPF:
            required.append(tuple(p if zipf(p) < RARE_NAME_ZIPF else f"~{p}" for p in parts))
    return tuple(required)


COMPLETION_WORDS = 4  # words after the verb read for its object ("Tony Blair's apology")


def completion(question: str, predicate: Predicate | None) -> frozenset[str]:
    """Lemmas of the common nouns right after the predicate, before any preposition: its object. A
    name there ("accompanied Blinken") is no completion: every sentence about the person has it."""
    if predicate is None:
        return frozenset()
    after = question[question.find(predicate.word) + len(predicate.word) :] if predicate.word in question else ""
    nouns: set[str] = set()
    for word in lexicon.words(after)[:COMPLETION_WORDS]:
        found = lexicon.readings(word.lower())
        if "ADP" in found or "SCONJ" in found or word.lower() == "to":
            break
        if word[:1].islower() and "NOUN" in found and word.lower() not in DETERMINERS | PRONOUNS:
            nouns |= set(found["NOUN"])
    return frozenset(nouns)


def _states_completion(p: Presuppositions, text: str) -> bool:
    return any(set(lexicon.readings(w.lower()).get("NOUN", ())) & p.completion for w in lexicon.words(text))


def analyse(question: str, zipf: Callable[[str], float] = english_zipf) -> Presuppositions:
    predicate = checked_predicate(question)
    return Presuppositions(speaker=asked_speaker(question), predicate=predicate,
                           names=specific_names(question, zipf),
                           months=frozenset(m.lower() for m in MONTH.findall(question)),
                           years=frozenset(YEAR.findall(question)),
                           completion=completion(question, predicate) if predicate and predicate.shape == "passive"
                           else frozenset())


# ---- checks against a neighbourhood -----------------------------------------------------
def attributes_to(sentence: str, speaker: tuple[str, ...], before: tuple[str, ...] = ()) -> bool:
    """Does the sentence report something the speaker said? A pronoun ("she said") stands for
    the speaker only if the speaker is the first person named in one of the two sentences before
    ("He Lifeng referred to exchanges with Janet Yellen. “…,” he said": He Lifeng, not Yellen)."""
    raw = sentence.split()
    words = [fold(w).lower().strip(".,;:\"'\u201c\u201d\u2019") for w in raw]
    named_nearby = any(_first_named(text) in speaker for text in before[:2])
    # "She said …" (but not "He Lifeng said …", where He is a name)
    pronoun_subject = bool(words) and words[0] in SUBJECT_PRONOUNS and len(raw) > 1 and not raw[1][:1].isupper()
    for i, word in enumerate(words):
        if word not in SPEECH_VERBS:
            continue
        near = words[max(0, i - SPEAKER_WINDOW) : i + 3]
        if any(part in near for part in speaker):
            return True
        pronoun_before = i > 0 and words[i - 1] in SUBJECT_PRONOUNS and raw[i - 1][:1].islower()
        if named_nearby and ((i < 4 and pronoun_subject) or pronoun_before):
            return True  # "…,” she said", right after the speaker was named
    return False


def _first_named(text: str) -> str | None:
    """The sentence's first name (a lowercased word): the likely subject a following "he"/"she"
    refers to. Titles, function words and dictionary words ("Yesterday", "The") are skipped."""
    for word in lexicon.words(fold(text)):
        bare = re.sub(r"['\u2019]s$", "", word)
        lower = bare.lower()
        if bare[:1].isupper() and bare.isalpha() and lower not in TITLES | INSTITUTIONS | DETERMINERS \
                and lower not in PRONOUNS | SKIPPED_CAPITALS | CALENDAR_WORDS and not lexicon.readings(bare):
            return lower
    return None


def _lower_words(text: str) -> set[str]:
    return {w.lower() for w in lexicon.words(text)}


def reports_event(lemma: str, text: str) -> bool:
    """Is the verb (any form), a noun built on it ("agreement"), or a word of its class in the text?"""
    wanted = EXCHANGE_VERBS.get(lemma, frozenset()) | {lemma}
    if lemma in EVENT_EQUIVALENTS:
        wanted |= EVENT_EQUIVALENTS
    prefix = lemma[:MIN_SHARED_PREFIX] if len(lemma) >= MIN_SHARED_PREFIX else None
    for word in _lower_words(text):
        lemmas = {word} | {l for ls in lexicon.readings(word).values() for l in ls}
        if lemmas & wanted or (prefix and word.startswith(prefix)):
            return True
    return False


def _names_in_article(names: tuple[tuple[str, ...], ...], near: Neighbourhood) -> bool:
    """Are the names stated by the article's headline or lead, the question's first one (its
    subject, mostly) also by the sentence's own neighbourhood? A lone name needs only the lead:
    news names its subject once, then writes "he" or "the firm"; a trap pairing real names
    ("the Indonesian official that Monsanto bribed") still needs its first one nearby."""
    around = fold(f"{near.text} {near.document_title}")
    lead = fold(near.document_lead)
    if not _about_asked(near.sentence, names) or not all(names_all((name,), f"{around} {lead}") for name in names):
        return False
    return len(names) == 1 or names_all(names[:1], around) or _opens_on(near.sentence, names[-1])


def _opens_on(sentence: str, name: tuple[str, ...]) -> bool:
    """Does the sentence open on the question's last name, its own last word ("Ferguson, who…" for
    "the escaped Carstairs patient Michael Ferguson"): the name a noun phrase of names ends on is
    the one it speaks of, what comes before it only qualifies it."""
    words = sentence.split()
    last = name[-1].lstrip("~").lower()
    return bool(words) and not name[-1].startswith("~") and fold(words[0]).strip(",.;:").lower() == last


def _about_asked(sentence: str, names: tuple[tuple[str, ...], ...]) -> bool:
    """Does the sentence open on the article's subject: a pronoun ("He", "Its"), a description
    ("The former police chief", "The Pumas"), or an asked name? One opening on another name ("Beijing cut off
    talks…") or on a quote ("“I'm ready…,” he said") speaks for someone the lead need not be."""
    words = sentence.split()
    if not words:
        return False
    first = fold(words[0]).strip(",.;:").lower()
    if first in SUBJECT_PRONOUNS | POSSESSIVE_PRONOUNS:
        return True
    if first in DETERMINERS:
        return True  # "The former police chief", "The Pumas", "Some 487,939 people": a description, not a name
    return any(first.startswith(part.lstrip("~").lower()) for name in names for part in name)


def conflicting_time(p: Presuppositions, near: Neighbourhood) -> bool:
    """The sentence dates its event to another month/year, and nothing nearby gives the asked one."""
    context = (near.text + " " + (near.document_date or "")).lower()
    if p.months and not any(m in context for m in p.months):
        return True  # nothing near the sentence, nor the article's date, puts it in the asked month
    if p.years:
        stated = set(YEAR.findall(near.sentence))
        if stated and not stated & p.years and not any(y in context for y in p.years):
            return True
    return False


def unmet(p: Presuppositions, near: Neighbourhood, paraphrased: bool = False) -> list[str]:
    """The presuppositions this neighbourhood does not state (empty: the sentence may answer).
    `paraphrased`: the sentence's similarity to the question depends on the predicate's meaning
    (see `without_predicate`), which stands in for its words except for exchanges."""
    missing = []
    if p.speaker and not attributes_to(near.sentence, p.speaker, near.before) \
            and not any(part in near.document_outlet.lower() for part in p.speaker):
        missing.append("speaker")
    if p.predicate and not reports_event(p.predicate.lemma, near.quoted or near.sentence) \
            and not (paraphrased and p.predicate.lemma not in EXCHANGE_VERBS) \
            and not (p.completion and _states_completion(p, near.quoted or near.sentence)):
        missing.append("predicate")
    if p.names and not names_all(p.names, fold(f"{near.text} {near.document_title} {near.document_outlet}")) \
            and not _names_in_article(p.names, near):
        missing.append("names")  # one name the article's lead gives is its subject: "he", "the firm" later
    if conflicting_time(p, near):
        missing.append("time")
    return missing
