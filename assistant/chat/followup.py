"""Turn a follow-up question into a standalone query, without a language model.

Personal pronouns are replaced by the person the conversation is about. Candidate
names are the people spaCy finds in the previous question and answer; a name scores for
standing after a title ("Minister Wang Wentao"), for having several parts, and, when the
previous question asked *for* someone ("Who is…", "Which minister…"), for standing next
to the words the question used; a name the cited articles give the other gender is
skipped (`gender.py`). An elliptical fragment ("And US light crude?") is rewritten into
the previous question, "it" is named in the context (`referents.py`; "its" after an answered
"Which company…?" by that company alone), "When was that?" after "What was X?" asks about X,
and other references ("that", "there", "And why?") carry the previous questions along so
retrieval keeps the topic. A follow-up also prefers the articles the previous answer
cited (`cited_before`, `prefer_files`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.chat.referents import OPENERS
from assistant.models import CONTEXT_MARK, core_question
from assistant.retrieve.stopwords import STOPWORDS

PERSON_PRONOUNS = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
OTHER_REFERENCES = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there|then|the same)\b", re.I)
THING_PRONOUNS = re.compile(r"\b(it|its)\b", re.I)
POSSESSIVE_IT = re.compile(r"\bits\b", re.I)
BINDABLE = {"it", "its", "they", "them", "their"}
ELLIPSIS_START = re.compile(rf"^\s*({'|'.join(OPENERS)})\b", re.I)
ENTITY_QUESTION = re.compile(r"^\s*(who|whom|which|what is the name)\b", re.I)
WORD = re.compile(r"[^\W\d_][\w\u2019'.-]*")
# entity types a proper noun run is never a person under; the small model's other labels on a name in a
# question are too often wrong ("Mido" PRODUCT, "Lord Callaghan" NORP) to rule it out
NOT_PEOPLE = {"GPE", "LOC", "FAC", "DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"}
OBJECT_FOLLOWERS = {"to", "and", "or", "in", "on", "at", "about", "for", "with", "that", "from", "by", "during",
                    "after", "before", "when", "while", "if", "as", "into", "over"}
CONTEXT_TURNS = 2
ARTICLES_READ = 2  # cited articles read for a person's pronoun
MIN_CONTENT_WORDS = 2  # "With what aim?" names nothing: it continues the conversation
TITLE_WINDOW = 3
NEIGHBOUR_WINDOW = 3


@dataclass
class Turn:
    question: str
    query: str
    answer: str
    abstained: bool
    short_answer: str | None = None  # what the answer led with ("Tears of the Sun"): "it" may be that
    files: list[str] = field(default_factory=list)  # the articles it cited, best first


def cited_before(question: str, history: list[Turn], read: Callable[[str], str] | None = None) -> tuple[str, ...]:
    """The articles the last answered turn cited, if `question` follows up on it: where it most
    likely stays. A question that stands alone is not pulled back to them, unless every name it
    gives is in them (`read` gives an article's text): "How much will J&J pay per share?" after
    "Which firm has Johnson & Johnson agreed to buy?" stays with the article headed "J&J agrees…"."""
    follows = is_follow_up(question) or names_nothing(question)
    for turn in reversed(history[-CONTEXT_TURNS:]):
        if not turn.abstained and turn.files:
            if follows or (read is not None and _named_in(question, [read(f) or "" for f in turn.files])):
                return tuple(turn.files)
            return ()
    return ()


def _named_in(question: str, texts: list[str]) -> bool:
    """Is every capitalised word or figure after the question's first word in one of the texts?"""
    words = [w.strip("?,.!;:'\"’") for w in question.split()[1:]]
    names = [w.removesuffix("'s") for w in words if w and (w[0].isupper() or any(c.isdigit() for c in w))]
    return bool(names) and any(all(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", t) for n in names) for t in texts)


def prefer_files(scored: list, files: tuple[str, ...], boost: float) -> list:
    """Evidence with the sentences of `files` scored up by `boost` (a share), best first again."""
    wanted = set(files)
    for ev in scored:
        if ev.sentence.file in wanted:
            ev.score *= 1.0 + boost
    return sorted(scored, key=lambda e: -e.score)


@dataclass
class _Name:
    text: str
    position: int  # token index of its first word
    after_title: bool
    parts: int
    apposition: bool = False  # followed by a comma: "Li Qiang, China's No. 2 leader"
    after_the: bool = False  # "the United States": a place or body, not a person
    person: bool = False  # a PERSON entity, not merely a proper-noun run


def _norm(word: str) -> str:
    return word.lower().replace("\u2019", "'").rstrip(".,")


def _names(text: str) -> tuple[list[_Name], list[str]]:
    """People's names in a text as spaCy reads it (PERSON entities, and proper-noun runs no other
    entity type claims), with the facts the ranking uses; and the text's tokens."""
    from assistant.chat.referents import proper_runs
    from assistant.retrieve.spacy_pipeline import parse, plain_letters

    if not text.strip():
        return [], []
    doc = parse(plain_letters(text))
    other = {t.i for e in doc.ents if e.label_ in NOT_PEOPLE for t in e}
    spans = [e for e in doc.ents if e.label_ == "PERSON"]
    taken = {t.i for e in spans for t in e}
    for run in proper_runs(doc):
        inside = [t for t in run if t.pos_ == "PROPN"]
        if inside and not any(t.i in other or t.i in taken for t in inside):
            spans.append(run[1:] if run[0].lower_ == "the" else run)
    names = []
    for span in sorted(spans, key=lambda s: s.start):
        if len(span) and span[-1].tag_ == "POS":
            span = span[:-1]  # "Nancy Pelosi's"
        if not len(span) or not any(c.isalpha() for c in span.text):
            continue
        before = doc[span.start - 1] if span.start > 0 else None
        titled = (before is not None and before.pos_ in ("NOUN", "PROPN") and before.head.i in range(span.start, span.end)) \
            or (span.root.dep_ == "appos" and span.root.head.pos_ == "NOUN")
        comma = span.end < len(doc) and doc[span.end].text == ","
        the = before is not None and before.lower_ == "the"
        person = any(e.label_ == "PERSON" for e in span.ents)
        names.append(_Name(text[span.start_char : span.end_char], span.start, titled, len(span), comma, the, person))
    for name, following in zip(names, names[1:]):
        gap = following.position - (name.position + name.parts)
        if name.apposition and following.after_title and gap <= TITLE_WINDOW:
            name.apposition = False  # "Premier Li, Vice Premier He Lifeng, and …": a list, not an apposition
    return names, [t.text for t in doc]


def _may_answer_person(question: str) -> bool:
    """Could the previous question's answer be a person? Not if it asked for a typed answer of
    another kind ("Which English side did Mido join?": "he" is still Mido, not a name in the answer)."""
    from assistant.retrieve.question import PERSON, parse_question

    asks = parse_question(question).asks
    labels = frozenset().union(*(a.labels for a in asks))
    if not labels:  # untyped: "Which side…" asks for a thing; "What did he say?" may name anyone
        return not any(a.wh in ("which", "what") and a.head for a in asks)
    return PERSON in labels


def _names_ranked(previous: Turn) -> list[str]:
    question = core_question(previous.query)
    asked, asked_tokens = _names(question)
    asked_words = {_norm(t) for t in asked_tokens}
    answer_text = "" if previous.abstained else re.split(r"\[\d+\]", previous.answer)[0]
    answered, tokens = _names(answer_text)
    wants_entity = bool(ENTITY_QUESTION.match(previous.question))
    if not _may_answer_person(question):
        # "Which games maker…?" (read as asking for a firm) answered "Peter Molyneux": the answer is a
        # person all the same when the short answer is wholly a name spaCy calls a person
        short = (previous.short_answer or "").strip()
        answered = [n for n in answered if n.person and n.text == short]
    sources = (("asked", asked), ("answered", answered))
    scored: list[tuple[float, int, str]] = []
    for source, names in sources:
        for n in names:
            if n.after_the:
                continue  # pronouns replaced here stand for people
            if source == "answered" and all(_norm(w) in asked_words for w in n.text.split()):
                continue  # the question's own words, not its answer
            score = 2.0 * n.after_title + 1.0 * (n.parts > 1)
            if source == "asked":
                score += 0.5 if wants_entity else 2.5  # what was asked about stays the topic
            elif wants_entity:  # the answer: the name next to the question's words (its title, or an apposition)
                end = n.position + n.parts
                window = tokens[max(0, n.position - NEIGHBOUR_WINDOW) : n.position]
                if n.apposition:
                    window += tokens[end : end + NEIGHBOUR_WINDOW]
                score += 1.5 * sum(_norm(t) in asked_words for t in window)
            scored.append((score, -n.position if source == "answered" else 0, n.text))
    return list(dict.fromkeys(text for *_, text in sorted(scored, reverse=True)))


def _best_name(question: str, previous: Turn, read: Callable[[str], str] | None) -> str | None:
    """The likeliest name for the question's first personal pronoun whose gender the cited
    articles do not contradict ("she" is not a man the article calls "he")."""
    from assistant.chat.gender import gender_of, pronoun_gender

    names = _names_ranked(previous)
    pronoun = PERSON_PRONOUNS.search(question)
    wanted = pronoun_gender(pronoun.group(0)) if pronoun else None
    if not names or wanted is None:
        return names[0] if names else None
    texts = [previous.answer] + [read(f) or "" for f in previous.files[:ARTICLES_READ] if read is not None]
    return next((n for n in names if gender_of(n, texts) in (None, wanted)), None)


def _substitute(question: str, name: str) -> str:
    def repl(m: re.Match) -> str:
        word = m.group(0).lower()
        following = re.match(r"\s+([A-Za-z]+)", question[m.end():])
        possessive_her = word == "her" and following and following.group(1).lower() not in OBJECT_FOLLOWERS
        if word in ("his", "hers") or possessive_her:
            return f"{name}'s"
        return name

    return PERSON_PRONOUNS.sub(repl, question, count=1)


def names_nothing(question: str) -> bool:
    """No name or figure after the first word: "Where did the team publish the results?" leans on
    the conversation for which team; "How much is Chelsea paying Umbro?" does not. Such a question
    keeps to the previous answer's articles but gets no context words: the earlier questions'
    words would outweigh its own ("the last one held": not "agree to hold")."""
    words = question.split()[1:]
    return not any(w[0].isupper() or any(c.isdigit() for c in w) for w in words)


def _refers_outside(question: str) -> bool:
    """A reference the question cannot resolve itself. "it/its/they/them/their" after a name of its
    own points back to that name ("How much is Chelsea paying Umbro for ending *their* deal?");
    "this/that/there/then" and a pronoun before any name point at the conversation."""
    for m in OTHER_REFERENCES.finditer(question):
        if m.group(0).lower() not in BINDABLE or not any(w[0].isupper() for w in question[: m.start()].split()[1:]):
            return True
    return False


def is_follow_up(question: str) -> bool:
    content = [w for w in WORD.findall(question) if w.lower().rstrip(".") not in STOPWORDS]
    return bool(PERSON_PRONOUNS.search(question) or _refers_outside(question)
                or ELLIPSIS_START.match(question) or len(content) < MIN_CONTENT_WORDS)


def _thing_referent(history: list[Turn], read: Callable[[str], str] | None = None) -> str | None:
    from assistant.chat.referents import thing_referent

    for turn in reversed(history[-CONTEXT_TURNS:]):
        if referent := thing_referent(turn, read):
            return referent
    return None


def standalone_query(question: str, history: list[Turn], read: Callable[[str], str] | None = None) -> str:
    """`question` as a query that stands alone; `read` gives a cited article's text (for whether
    the person is a he or a she)."""
    from assistant.chat.referents import answered_thing, demonstrative_named, described_referent, expand_ellipsis

    if not history:
        return question
    if not is_follow_up(question):
        # "Where is the company based?" names nothing: only what "the company" was, no earlier words
        described = described_referent(question, history[-CONTEXT_TURNS:]) if names_nothing(question) else None
        return f"{question}{CONTEXT_MARK}{described})" if described else question

    previous = history[-1]
    if expanded := expand_ellipsis(question, previous):
        # whole again; the replaced phrase must not come back as context. "And his wife?" brings a
        # pronoun of its own: "How old was Lord Callaghan's wife when he died?"
        if PERSON_PRONOUNS.search(question) and (name := _best_name(question, previous, read)):
            expanded = _substitute(expanded, name)
        return expanded
    if (named := demonstrative_named(question, previous)) and (CONTEXT_MARK in named or not is_follow_up(named)):
        return named
    if PERSON_PRONOUNS.search(question) and (name := _best_name(question, previous, read)):
        question = _substitute(question, name)
        if not is_follow_up(question.replace(name, "")):  # "He Lifeng" is no pronoun
            return question
    # "its" after an answer that named the asked thing is that thing's; the earlier questions' other
    # names ("…a bid for Allied Domecq?") would pull towards the wrong owner, so only it is context
    possessor = answered_thing(previous, read) if POSSESSIVE_IT.search(question) else None
    if possessor:
        return f"{question}{CONTEXT_MARK}{possessor})"
    asked = [core_question(t.query) for t in reversed(history[-CONTEXT_TURNS:])]
    # "it" named in the context, not in the question: articles say "the virus", and a name in the
    # question is one every answering sentence would be expected to repeat
    thing = _thing_referent(history, read) if THING_PRONOUNS.search(question) else None
    thing = thing or described_referent(question, history[-CONTEXT_TURNS:])
    if thing and not any(thing in a for a in asked):
        asked.insert(0, thing)
    return f"{question}{CONTEXT_MARK}{'; '.join(asked)})"
