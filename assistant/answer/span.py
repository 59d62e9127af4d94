"""The short answer inside a cited sentence, and what its absence says about the sentence.

A question that asks for a person, a place, an amount or a date is answered by an entity
of that type which the question does not already name ("Who met Raimondo?" is not answered
by "Raimondo"). A candidate sentence without one cannot answer, however much it shares
with the question; one whose entity sits next to the question's words beats one whose
entity is elsewhere in the sentence. Only the best few candidates are parsed (spaCy costs
a few ms a sentence), so candidates past them count as unverified.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace

from assistant.answer.counts import counts, counts_otherwise, merge_amounts, with_counted
from assistant.models import core_question
from assistant.retrieve.annotation_cache import AnnotationCache
from assistant.retrieve.answer_types import AMOUNTS, LOOSE, PERSON_NOUNS, RANKS, TIMES, kind_of
from assistant.retrieve.evidence import Evidence
from assistant.retrieve.nlp import Annotation, Entity
from assistant.retrieve.question import TIME_UNITS, Ask, QuestionParse, parse_question
from assistant.retrieve.terms import fold, is_stopword
from assistant.retrieve.titles import TITLES

MISSING_SPAN_PENALTY = 0.3  # no entity of the asked type: the sentence does not answer
LINKED_SPAN_BOOST = 1.1  # the asked type stands by the question's words: evidence for answering
PREFER_LINKED_RATIO = 0.6  # a sentence with the span by the question's words may replace a better-scored one
EXTRA_RATIO = 0.3  # a candidate past the first few is parsed only if it scores this close to the best one
SHARED_STEM = 0.8  # "complaint" / "complain", "director" / "direct": one word, other inflection
MIN_STEM = 5
NOMINAL_SUFFIXES = {"ment", "ing", "al", "ance", "ence", "ion", "ation", "ure"}  # English derivation, not a lexicon
WORD = re.compile(r"\w+")
ABBREVIATION = re.compile(r"(?:[A-Z]\.){2,}")
POSSESSIVE = re.compile(r"[\u2019']s\b")
NUMERIC = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|"
                     r"thousand|million|billion|half|first|second|third|fourth|fifth)\b", re.I)
CALENDAR_WORDS = tuple(w.lower() for w in (*calendar.month_name, *calendar.day_name) if w)
FIGURE_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}\b")
AGE = {"age", "old", "aged"}  # "how old": a span stating an age
YEAR_FIGURE = re.compile(r"\b\d{4}s?\b|['\u2019]\d{2}s?\b")  # "1976", "1980s", "'76"
CAPITALISED = re.compile(r"\b[A-Z][\w\u2019'.-]*")
PLACE_LABELS = {"GPE", "LOC", "FAC"}
MEASURES = {"MONEY", "PERCENT", "QUANTITY"}  # "how much": an amount of something named in the question
# Light verbs and generic nouns: "How much of the money goes to X?" names no particular deal or fee
GENERIC = {"go", "get", "make", "take", "come", "give", "have", "do", "be", "end", "money", "amount", "sum"}
NAME_LABELS = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"}  # the small model confuses these with each other
LOCATIVE = {"in", "at"}
MODIFIER_ROLES = {"compound", "amod", "poss", "nmod"}
FORMER = {"former", "ex", "outgoing", "erstwhile"}  # "its former chief executive, X": no longer the one asked for
PAST_ASKING = {"former", "formerly", "previous", "ex", "was", "were", "did", "had", "then", "once", "used"}
DEMONYM_PREFIX = 4  # "Chinese" names "China", "Russian" "Russia"


@dataclass(frozen=True)
class ShortSpan:
    text: str
    label: str  # an entity label, or "REASON"
    start: int  # character offsets inside the sentence
    end: int
    linked: bool  # attached to, or beside, a word of the question
    headed: bool = False  # attached to, or beside, the noun the question asks about ("chipmakers Intel")
    asked: bool = False  # beside a word of what is asked (its verb, its nouns), not only a name it asks about
    by_name: bool = False  # beside a name the question gives ("the meeting with Tai in Detroit")
    titled: bool = False  # the asked noun stands for it in the syntax ("Scottish club Rangers" for "which club")
    doer: bool = False  # "who <verb>…": the subject of the asked verb, or its agent ("was written by X")
    # hangs from the asked verb (True) or another one (False: "Singers including Boy George are recording…"
    # for "Who wrote the song?"); None when the question or the span has no verb frame to compare
    on_verb: bool | None = None
    given_name: bool = False  # a naming verb gives it as the name of something ("a system dubbed X")
    of_actor: bool = False  # the deed of the name the question asks about ("Biogen Idec shed 43%" for "how much did
    # Biogen Idec lose?", not "Elan lost 70%" in the same sentence)

    @property
    def states(self) -> bool:
        """Beside what is asked, and not as part of another deed: the span answers the ask."""
        return self.asked and self.on_verb is not False


def words_of(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(POSSESSIVE.sub("", fold(text)))}


def same_word(a: str, b: str) -> bool:
    """One word in two inflections or derivations, as lemmas ("complain", "complaint")."""
    if a == b:
        return True
    short = min(len(a), len(b))
    if short >= 3 and abs(len(a) - len(b)) == 1 and (a.startswith(b) or b.startswith(a)):
        return True  # the lemmatiser's "fin" for "fined"
    if short < MIN_STEM:
        return False
    common = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), short)
    return common >= SHARED_STEM * short


def derived(a: str, b: str) -> bool:
    """Is one word the other with a suffix that makes a noun of a verb ("pay" / "payment",
    "settle" / "settlement", "sign" / "signing")? The asked relation is often stated as a noun."""
    short, long = sorted((a, b), key=len)
    stem = short[:-1] if short.endswith("e") and long[len(short) - 1 : len(short)] != "e" else short
    return len(stem) >= 3 and long.startswith(stem) and long[len(stem):] in NOMINAL_SUFFIXES


def touches(near: frozenset[str], words: set[str]) -> bool:
    """Does any of the question's words stand by the span (`Entity.near`)?"""
    return bool(near & words) or any(same_word(n, w) or derived(n, w) for n in near for w in words)


def could_hold(ask: Ask, text: str, question_words: set[str]) -> bool:
    """Could the sentence hold a span for the ask at all, read from its surface (no parse)?
    An amount needs a figure or a number word; a name a capitalised word the question lacks."""
    if ask.reason or not ask.labels or ask.naming:
        return True  # (a name a naming verb gives may be lower case: "a system dubbed smart serendipity")
    if ask.labels <= AMOUNTS | RANKS or ask.exact:
        return bool(NUMERIC.search(text))  # "which year": written in figures
    if ask.labels & TIMES:
        return True  # "last week", "on Monday": no cheap test
    return any(not is_stopword(w) and w not in question_words
               for w in (POSSESSIVE.sub("", fold(m.group(0))).lower().rstrip(".") for m in CAPITALISED.finditer(text)))


def named_in_question(text: str, question_words: set[str], names: frozenset[str] = frozenset(),
                      label: str = "") -> bool:
    """Does the question (with its conversation context) already name it: all its words, its
    last word is one of the question's proper names ("Gina Raimondo" when the question says
    "Raimondo"), or a one-word place the question names by its adjective ("China", "Chinese")?"""
    words = WORD.findall(POSSESSIVE.sub("", fold(text)).lower())
    if not words:
        return False
    if set(words) <= question_words or words[-1] in names:
        return True
    if ABBREVIATION.fullmatch(text.strip()) and text.replace(".", "").strip().lower() in question_words:
        return True  # "U.S." when the question says "US"
    if len(words) > 1 and words[0] in names and label != "PERSON":
        return True  # "Guantanamo Bay" when the question says "Guantanamo" (not "John Brown" for "John Smith")
    return len(words) == 1 and len(words[0]) >= DEMONYM_PREFIX \
        and any(w[:DEMONYM_PREFIX] == words[0][:DEMONYM_PREFIX] for w in question_words)


def _calendar(text: str) -> bool:
    """Is it a calendar date: a month or weekday name (the standard library's), a year, or a figure
    date ("23/03/2005")?"""
    words = {w.lower() for w in WORD.findall(text) if len(w) >= 3}  # "Sept", "Tues": a name's first letters
    return any(name.startswith(w) for w in words for name in CALENDAR_WORDS) or bool(YEAR_FIGURE.search(text)) or bool(FIGURE_DATE.search(text))


def _retyped(e: Entity, ask: Ask) -> bool:
    """A name the small model typed wrongly ("his club AS Roma" as a person, "died in Auschwitz"
    as an organisation) answers when the sentence's syntax gives it the asked type: it hangs from
    the asked noun itself (not "members of the Independent Feature Project", nor a place a few
    words from "official"), or it is the object of "in"/"at" and the question is a bare "where"."""
    if e.label not in NAME_LABELS or not ask.labels & NAME_LABELS:
        return False
    if ask.head is not None and (e.heads and touches(frozenset(e.heads[:1]), {ask.head})
                                 and e.role not in MODIFIER_ROLES or _titled(e, ask)):
        return True
    return ask.head is None and bool(ask.labels & PLACE_LABELS) and e.role == "pobj" and bool(e.near & LOCATIVE)


def _titled(e: Entity, ask: Ask) -> bool:
    """Does the asked noun stand for the span in the syntax, as a compound before it or in apposition
    ("Scottish club Rangers", "the work's author, playwright Eve Ensler")? For a thing (not a person: a
    judge is no prosecutor), a noun of its answer type does too ("which whisky maker": "Glenmorangie,
    one of Scotland's premier whisky firms")."""
    if ask.head is None:
        return False
    kind = kind_of(ask.head)
    return touches(e.described, {ask.head}) or ask.head not in PERSON_NOUNS and bool(e.described & kind)


def _foreign(e: Entity, ask: Ask, asked: set[str]) -> bool:
    """Does the span state the fact of another name of the kind the question names (a country's
    figure for a question about another country), and of none the question names, or the deed of
    another named subject than the question's?"""
    rivals = [(text, label) for text, label in e.owners if label in ask.kinds]
    if rivals and not any(named_in_question(text, asked, ask.named, label) for text, label in e.owners):
        return True
    # a question whose subject is a name ("How much did Prince make?") is not answered by what
    # another named subject did ("Sir Elton John, who took … $42.7m")
    # (an amount, a date: a name asked for is often the object of someone else's deed)
    return ask.actor and not ask.labels & NAME_LABELS and bool(e.actors) \
        and not any(named_in_question(a, asked, ask.named) for a in e.actors)


def _former_holder(e: Entity, ask: Ask, asked: set[str]) -> bool:
    """Is the span the *former* holder of the role the question asks about ("its former chief
    executive, Mikhail Khodorkovsky" for "Who is the chief executive of Yukos?")? A question asked in
    the past ("Who was…", "Who used to…") or about a former holder is answered by one."""
    role = (ask.terms - ask.named) | ({ask.head} if ask.head else set())  # "who is the chief executive": no head
    return bool(e.heads) and e.heads[0] in role and bool(e.near & FORMER) and not asked & PAST_ASKING


def _other_event(e: Entity, ask: Ask) -> bool:
    """Does the span hang from the asked verb completed by something else ("became Lord Callaghan in
    1987" for "when did he become prime minister")? It dates or places another event."""
    if ask.frame is None or e.frame is None or not e.frame[1]:
        return False
    return same_word(e.frame[0], ask.frame[0]) and not touches(e.frame[1], set(ask.frame[1]))


def _on_verb(e: Entity, ask: Ask) -> bool | None:
    """Does the span hang from the asked verb ("written by Mike Read" for "Who wrote the song?") rather than
    another one ("Singers including Boy George are recording a charity single")? None when the question
    or the span has no verb frame to compare."""
    if ask.frame is None or e.frame is None:
        return None
    return same_word(e.frame[0], ask.frame[0]) or derived(e.frame[0], ask.frame[0])


def spans_for(ask: Ask, ann: Annotation, question: str) -> list[ShortSpan]:
    """Spans of the sentence that answer the ask, linked ones first (in sentence order)."""
    if ask.reason:
        return [ShortSpan(c.text, "REASON", c.start, c.end, True) for c in ann.reasons]
    if not ask.labels:
        return []
    asked = words_of(question)
    found = []
    # names NER missed, after what it found; only where the type is one it tags unreliably
    # (for "who" they would let every sentence with a capitalised word answer)
    # (and, for any named type, a name the asked noun stands for: "Scottish club Rangers")
    loose = ask.labels & LOOSE and not ask.strict
    names = [n for n in ann.names if loose or ask.labels & NAME_LABELS and _titled(n, ask)]
    counts_asked = bool(ask.counted) and any(e.label in ask.labels and counts(e, ask.counted) for e in ann.entities)
    for e in (*ann.entities, *names):
        if e.label not in ask.labels | {"NAME"} and not _retyped(e, ask) \
                or named_in_question(e.text, asked, ask.named, e.label):
            continue
        if e.label == "NAME" and (found or not e.proper) and not _titled(e, ask) \
                and not (ask.naming and "name" in e.described):
            break  # a name NER missed ("… Tourism Leadership Summit"), not "China's treatment" (but what a
            # naming verb names answers a question for a name: "He called it his 'masochism strategy'")
        if e.label == "NAME" and set(WORD.findall(e.text.lower())) <= TITLES:
            continue  # "Vice Premier" is a title, not a name
        if ask.duration and not (e.lemmas & TIME_UNITS and e.counts):
            continue  # "how long": "three-hour", "3 years", not "last November" or "this week"
        # "how many seats" is not answered by another count, but may be by a count of things called otherwise
        # (`counts_otherwise`) by the ask's own words (checked below; not those another ask lends it)
        recounted = bool(ask.counted) and not counts(e, ask.counted)
        if recounted and (counts_asked or not counts_otherwise(e)):
            continue
        if e.role in MODIFIER_ROLES and (e.label in PLACE_LABELS | {"NORP"} or "FAC" in ask.labels) \
                or e.role == "npadvmod" and e.label in PLACE_LABELS | {"NORP"}:
            continue  # "US Trade Representative", "the Chinese side", "Treasury Secretary", "the
            # German-based firm": a modifier, not a place, a party or a building
        if _foreign(e, ask, asked):
            continue  # "The US economy grew 3.7%" does not give Japan's growth
        if ask.exact and not any(c.isdigit() for c in e.text):
            continue  # "what date", "which year": a calendar date or year, not "next year"
        if ask.head == "year" and not YEAR_FIGURE.search(e.text):
            continue  # "which year": "1976", "the 1980s", not "his 93rd birthday"
        if ask.head == "date" and not _calendar(e.text):
            continue  # "what date": "23 March", "2005", not "from 60 to 65" (which NER calls a date)
        before = ann.text[: e.start].lower().split()[-1:]  # "aged 86": the parser may hang 86 elsewhere
        if ask.wh == "how old" and not (e.lemmas | set(e.heads[:1]) | set(before)) & AGE:
            continue  # an age ("at the age of 43", "the 30-year-old", "aged 86"), not the year of the event
        if _other_event(e, ask) or _former_holder(e, ask, asked):
            found.append(ShortSpan(e.text, e.label, e.start, e.end, False))  # another complement, or holder
            continue
        relation = (ask.terms - ask.named) | ({ask.head} if ask.head else set())
        verb = _on_verb(e, ask)
        on_relation = touches(e.near, relation)
        end = with_counted(ann.text, e.end, ask.counted)
        by_name = touches(e.near, set(ask.named))
        titled = _titled(e, ask)
        doer = bool(verb) and ask.wh == "who" and (e.role == "nsubj" or e.heads[:1] == ("by",))
        of_actor = ask.actor and any(named_in_question(a, asked, ask.named) for a in e.actors)
        if recounted and not touches(e.near, set(ask.own - ask.named) - GENERIC):
            continue  # (and one that is, counting something else, is linked but never beside what is asked)
        found.append(ShortSpan(ann.text[e.start : end], e.label, e.start, end, on_relation or by_name or titled,
                               ask.head is not None and touches(e.near, {ask.head}),
                               (on_relation or titled) and not recounted, by_name,
                               titled, doer, verb, "name" in e.described, of_actor))
    if "PERCENT" in ask.labels and any(s.label == "PERCENT" for s in found):
        found = [s for s in found if s.label != "CARDINAL"]  # a rate is a percentage where one is given
    found = merge_amounts(found, ann.text) if ask.labels & AMOUNTS else found
    # a bare "where"/"when" names no noun of its answer: of spans equally by what is asked, the one by
    # the name it gives ("Where was Tai to meet him?": "the meeting with Tai in Detroit")
    # the asked noun standing for a span ("club Rangers") says more than its words nearby
    return sorted(found, key=lambda s: (not s.titled, not s.doer, not s.of_actor, not s.asked, not s.linked,
                                        ask.head is None and not s.by_name))


class SpanFinder:
    """Short answers for one question, over candidate sentences parsed on demand."""

    def __init__(self, query: str, cache: AnnotationCache, candidates: int, extra: int = 0) -> None:
        self.query = query  # with the conversation's context: what it names is not an answer either
        self.question = core_question(query)
        self.parse: QuestionParse = parse_question(self.question)
        self.cache = cache
        self.candidates = candidates  # the best few, always parsed
        self.extra = extra  # further candidates parsed if they could hold a span and score near the best
        self.words = words_of(query)

    @property
    def needed(self) -> bool:
        return self.parse.typed

    def spans(self, text: str, ask: Ask, offset: int = 0) -> list[ShortSpan]:
        """Spans of text[offset:] (the cited sentence, after an antecedent), as offsets into text."""
        found = spans_for(ask, self.cache.annotate([text[offset:]])[0], self.query)
        return [replace(s, start=s.start + offset, end=s.end + offset) for s in found] if offset else found

    def to_parse(self, scored: list[Evidence], asks: list[Ask]) -> tuple[list[int], set[int]]:
        """(indexes of the candidates to parse, indexes that cannot hold a span by their surface).
        The best few are parsed; past them, those that could hold a span and score near the best."""
        cannot = {i for i, ev in enumerate(scored) if not any(could_hold(a, ev.sentence.text, self.words) for a in asks)}
        chosen = [i for i in range(min(self.candidates, len(scored))) if i not in cannot]
        floor = EXTRA_RATIO * scored[0].score if scored else 0.0
        more = [i for i in range(self.candidates, len(scored)) if i not in cannot and scored[i].score >= floor]
        return chosen + more[: self.extra], cannot

    def rerank(self, scored: list[Evidence], ask: Ask | None = None) -> list[Evidence]:
        """Scores cut where the asked span is missing (strict asks); candidates left unparsed are
        unverified and cut too. If the best sentence's span is away from the question's words and
        one not far behind has it beside them, that one is put first; a why-question puts first a
        sentence giving a reason. Without `ask`, a sentence is judged by the ask it answers best."""
        asks = [ask] if ask is not None else list(self.parse.asks)
        strict = any(a.strict for a in asks)
        if not scored or not (strict or any(a.reason or a.naming for a in asks)):
            return scored
        parsed, cannot = self.to_parse(scored, asks)
        annotations = dict(zip(parsed, self.cache.annotate([scored[i].sentence.text for i in parsed])))
        judged: list[tuple[Evidence, int]] = []
        for i, ev in enumerate(scored):
            if i in annotations:
                verdicts = [_verdict(a, annotations[i], self.query) for a in asks]
                if all(v is None for v in verdicts):
                    judged.append((_scale(ev, MISSING_SPAN_PENALTY, "answer-type"), 0))
                # which sentence to quote first is the first ask's to say: a later one's sentence is
                # found for it on its own (`lead.complete`), and one standing by its words elsewhere
                # ("at the end of the day" for "when does the campaign end?") must not displace it
                elif (support := max(v or 0 for v in verdicts)) == 2 and any(
                        (a.strict or a.naming) and v == 2 for a, v in zip(asks, verdicts)):
                    judged.append((_scale(ev, LINKED_SPAN_BOOST, "answer-span"), verdicts[0] or 0))
                else:
                    judged.append((ev, verdicts[0] or 0))  # beside a name only, or a reason: preferred, not lifted
            elif not strict:
                judged.append((ev, 0))
            else:
                judged.append((_scale(ev, MISSING_SPAN_PENALTY, "answer-type" if i in cannot else "answer-unverified"),
                               0))
        judged.sort(key=lambda j: -j[0].score)
        return _linked_first(judged, follow_up=self.query != self.question)


def _verdict(ask: Ask, ann: Annotation, question: str) -> int | None:
    """None: no span of the asked type; else how its best span is linked to the question: 2
    beside what is asked, 1 only beside a name the question gives, 0 not at all (an ask that
    types its answer loosely neither cuts nor lifts a sentence; a reason lifts it)."""
    if ask.reason:
        return 2 if ann.reasons else 0
    if not ask.strict:  # a name asked for: a name the sentence gives the asked thing ("a system dubbed X") lifts
        return 2 if ask.naming and any(s.given_name for s in spans_for(ask, ann, question)) else 0
    spans = spans_for(ask, ann, question)
    if spans and ask.labels <= MEASURES and core_question(question) == question and ask.terms - ask.named - GENERIC \
            and not any(s.asked for s in spans):
        return None  # an amount beside the firm's name but not the asked worth ("222% rise in profit" for
        # "how much is the kit deal worth?") answers something else; follow-ups ("how much did he get?")
        # say too little to tell
    return (2 if spans[0].asked else int(spans[0].linked)) if spans else None


def _linked_first(judged: list[tuple[Evidence, int]], follow_up: bool = False) -> list[Evidence]:
    """A sentence whose span stands by the question's words, scoring nearly as well as the best
    one whose span stands less close to them, takes the best one's place (and its score: the
    evidence is the same set, only the sentence to quote changes). A best sentence whose span
    stands by a name the question gives yields only to one of its own article, and so does the best
    sentence for a follow-up ("Who wrote it?": the play's article, not any "wrote" elsewhere)."""
    out = [ev for ev, _ in judged]
    if not judged or judged[0][1] == 2:
        return out
    best, best_support = judged[0]
    for i, (ev, support) in enumerate(judged[1:], start=1):
        if ev.score < PREFER_LINKED_RATIO * best.score:
            break
        if support > best_support and "not-a-sentence" not in ev.marked_down \
                and (best_support == 0 and not follow_up  # a headline states no fact
                     or ev.sentence.file == best.sentence.file):
            promoted = replace(ev, score=best.score, marked_down=(*ev.marked_down, "answer-linked"))
            return [promoted, *out[:i], *out[i + 1 :]]
    return out


def _scale(ev: Evidence, factor: float, reason: str) -> Evidence:
    return replace(ev, score=ev.score * factor, marked_down=(*ev.marked_down, reason))
