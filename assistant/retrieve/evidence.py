"""Score sentences inside retrieved chunks as evidence for a question.

A sentence's support mixes meaning (MiniLM cosine with the question) and wording
(IDF-weighted share of the question's content terms it contains). Terms the corpus
never uses count against every sentence, which is what sinks questions about things
the articles never mention. A sentence that lacks the kind of answer the question
asks for (a number for "how many", a date for "when") is marked down, and so is one
whose neighbourhood does not state what the question takes for granted
(`presuppositions.py`): that is what refuses trap questions built from real names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.models import DocumentMeta, Sentence, core_question
from assistant.retrieve.presuppositions import Neighbourhood, Presuppositions, analyse, unmet
from assistant.retrieve.terms import TermStats, content_terms, fold, is_stopword

DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
ANSWER_TYPE_PENALTY = 0.3
UNMET_PRESUPPOSITION_PENALTY = 0.3  # the sentence's context doesn't state what the question takes for granted
NEIGHBOURS_BEFORE, NEIGHBOURS_AFTER = 2, 1
# Taking any word out of a question moves unrelated sentences by up to ~0.02 cosine;
# a sentence that says the verb in other words ("resumed" for "restarted") loses more.
PARAPHRASE_MARGIN = 0.03
NON_SENTENCE_PENALTY = 0.85  # headlines, captions: no verb-bearing full stop
MIN_SENTENCE_WORDS = 4

CARDINAL = re.compile(r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                      r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozens?)\b", re.I)
CALENDAR = re.compile(r"\b(?:\d{4}|January|February|March|April|May|June|July|August|September|October|"
                      r"November|December|Jan|Feb|Aug|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|"
                      r"Friday|Saturday|Sunday|yesterday|today|tomorrow)\b")
LOCATIVE = re.compile(r"\b(?:in|at|on|over|off|near|from|to|into|across|around|outside|inside|within|between|via)"
                      r"\s+(?:the\s+)?([A-Z][\w-]+)")
DURATION = re.compile(r"\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                      r"forty|fifty|hundred|several|few|many|some|for|half)[\s-]+(?:and a half\s+)?"
                      r"(?:hours?|minutes?|days?|weeks?|months?|years?|decades?)\b", re.I)
VENUE = re.compile(r"\b[A-Z][\w'-]*(?:\s+(?:of\s+the\s+)?[A-Z][\w'-]*)*\s+(?:Hall|Hotel|House|Palace|Guesthouse|"
                   r"Center|Centre|Building|Tower|Museum|Stadium|Square|Residence|Compound|Pavilion)\b|"
                   r"\b(?:Hall|Palace|Museum|House) of\s+(?:the\s+)?[A-Z]")
RANK = re.compile(r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)|"
                  r"no\.\s*\d+|number\s+(?:one|two|three|\d+)|top|highest|senior-most|lowest|last)\b", re.I)
QUANTITY = re.compile(r"\d|%|\$|\u20ac|\u00a3|\u00a5|\bper ?cent\b|\b(?:half|double|triple|twice)\b", re.I)
CALENDAR_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b|"
                           r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|"
                           r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:yesterday|today|tomorrow)\b")
CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b(?:noon|midnight|morning|"
                   r"afternoon|evening|night)\b", re.I)
YEAR = re.compile(r"\b(?:1[5-9]|20)\d{2}\b")
RELATIVE_TIME = re.compile(r"\b(?:last|next|this|earlier|later)\s+(?:year|week|month|day)|\bago\b|\bsince\b", re.I)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
COUNTED_NOUN = re.compile(r"\bhow (?:many|much)\s+([a-z]+)", re.I)
ANAPHORIC_START = re.compile(r"^(?:[\"\u201c]?)(?:The (?:last|first|next|same|latter|former) such|Such|This|That|"
                             r"These|Those|It|Its|He|She|His|Her|They|Their|Both|The two (?:sides|men|leaders|officials))\b")
PRONOUN_ATTRIBUTED_QUOTE = re.compile(r"[\u201d\"],?\s+(?:he|she|they)\s+(?:said|says|told|added|insisted|stressed|"
                                      r"noted|continued|explained|wrote)\b")
# Question patterns (lowercased) -> the kind of answer they ask for; the first match wins.
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(pattern)) for kind, pattern in (
    ("quantity", r"\b(?:what|which) (?:[a-z]+ )?(?:percentage|rate|amount|sum|price|cost|figure|total|value)\b"),
    ("duration", r"\bhow long\b"),
    ("number", r"\bhow (?:many|much|old)\b|\bwhat (?:number|share)\b"),
    ("date", r"\b(?:what|which) date\b"),
    ("day", r"\b(?:what|which) day\b"),
    ("year", r"\b(?:what|which) year\b"),
    ("time", r"^\s*when\b|\b(?:what|which) (?:months?|time)\b|\bwhen (?:did|was|were|will|is)\b"),
    ("name", r"^\s*(?:who|whom)\b|\bwhose\b"),
    ("venue", r"\b(?:what|which) (?:[a-z]+ )?(?:building|hotel|venue|hall|palace|residence|restaurant|compound|"
              r"guesthouse|room)\b"),
    ("rank", r"\bwhere (?:do|does|did|would|will)\b.*\b(?:rank|stand)\b|\bwhat rank\b"),
    # "Where does X rank?" asks for a position, not a place
    ("place", r"^\s*where\b(?!\s+(?:do|does|did|would|will)\s+.*?\b(?:rank|stand|fit|lead|go from here)\b)|"
              r"\b(?:what|which) (?:[a-z]+ )?(?:city|town|capital|country|nation|province|state|region)\b"),
))
CONTEXT_DISCOUNT = 0.9
UNKNOWN_NAME_PENALTY = 0.55  # the question names something the articles never mention
COMMON_WORD_ZIPF = 4.5  # capitalised but everyday words ("America") don't count as names


@dataclass
class Evidence:
    sentence: Sentence
    score: float
    dense: float
    lexical: float
    row: int  # index into the snapshot's sentence list / vectors
    marked_down: tuple[str, ...] = ()  # why the score was cut: "answer-type", "speaker", "names", …


def expected_answer_type(question: str) -> str | None:
    """The kind of answer the question asks for (first matching pattern), or None."""
    q = question.lower()
    return next((kind for kind, pattern in ANSWER_TYPES if pattern.search(q)), None)


def has_answer_type(kind: str | None, text: str, question: str = "") -> bool:
    if kind == "duration":  # "four hours", "three-year", "for years"
        return bool(DURATION.search(text))
    if kind == "quantity":  # rates, prices, amounts are written in figures ("25%", "$300 billion")
        return bool(QUANTITY.search(text))
    if kind == "number":
        if not CARDINAL.search(text):
            return False
        counted = COUNTED_NOUN.search(question)
        # the counted thing, singular or plural ("four-day trip" answers "how many days")
        return counted is None or re.sub(r"(?:ie)?s$", "", counted.group(1).lower()) in text.lower()
    if kind == "date":  # a calendar date ("Aug. 28", "28 August", "2023-08-28"), not just "Monday"
        return bool(CALENDAR_DATE.search(text))
    if kind == "day":
        return bool(CALENDAR.search(text))
    if kind == "year":
        return bool(YEAR.search(text))
    if kind == "time":
        return bool(CALENDAR.search(text) or RELATIVE_TIME.search(text) or CLOCK.search(text))
    if kind == "name":
        return bool(NAME.search(text))
    if kind == "place":
        return names_a_new_place(text, question)
    if kind == "rank":  # "fourth", "No. 2", "second-ranking", "top"
        return bool(RANK.search(text))
    if kind == "venue":  # a named building: "the Great Hall of the People", "the Diaoyutai State Guesthouse"
        return bool(VENUE.search(text))
    return True


def names_a_new_place(text: str, question: str) -> bool:
    """Does the text put something somewhere the question doesn't already name ("in Vienna", "on Twitter")?
    "Chinese" in the question also covers "China" (a shared 4-letter start: demonyms)."""
    asked = {w.lower()[:4] for w in re.findall(r"[A-Za-z]+", fold(question))}
    for m in LOCATIVE.finditer(fold(text)):
        place = m.group(1)
        if not CALENDAR.fullmatch(place) and place.lower()[:4] not in asked:
            return True
    return False


def unknown_names(question: str, stats: TermStats) -> list[str]:
    """Names and numbers in the question that no indexed sentence contains."""
    from assistant.index.keyword import stemmer

    unknown = []
    for m in re.finditer(r"(?<!^)(?<![.?!]\s)\b([A-Z]\w+|\d[\d,.]*)", question.strip()):
        word = fold(m.group(1)).lower().rstrip(".,")  # "Biden-Xi": each part on its own
        if is_stopword(word) or stats.known(stemmer().stemWord(word)):
            continue
        if word[0].isdigit():
            unknown.append(m.group(1))
            continue
        from wordfreq import zipf_frequency  # slow to import: only for words the corpus lacks

        if zipf_frequency(word, "en") < COMMON_WORD_ZIPF:
            unknown.append(m.group(1))
    return unknown


def lexical_support(query_terms: list[str], text: str, stats: TermStats) -> float:
    if not query_terms:
        return 0.0
    present = set(content_terms(text))
    total = sum(stats.idf(t) for t in set(query_terms))
    return sum(stats.idf(t) for t in set(query_terms) if t in present) / total if total else 0.0


def previous_in_paragraph(sentences: list[Sentence], row: int) -> Sentence | None:
    """The sentence just before, if it is in the same paragraph (line)."""
    if row == 0:
        return None
    prev, s = sentences[row - 1], sentences[row]
    return prev if prev.file == s.file and prev.line_end == s.line_start else None


def leans_on_previous(text: str) -> bool:
    return bool(ANAPHORIC_START.match(text))


def antecedent_row(sentences: list[Sentence], row: int) -> int | None:
    """The sentence this one cannot be read without: the one before it in its paragraph when it
    starts "Such…"/"He…", or the paragraph before when it is a quote that a pronoun attributes
    ("“I'm ready to work…,” he said": news gives the speaker's name one paragraph up)."""
    text = sentences[row].text
    if previous_in_paragraph(sentences, row) is not None and leans_on_previous(text):
        return row - 1
    if row > 0 and sentences[row - 1].file == sentences[row].file and PRONOUN_ATTRIBUTED_QUOTE.search(text):
        return row - 1
    return None


def neighbourhood(sentences: list[Sentence], row: int, meta: dict[str, DocumentMeta],
                  first: int | None = None) -> Neighbourhood:
    """The sentence in its article; `first`: its antecedent row (`antecedent_row`), if it has one."""
    s = sentences[row]
    in_article = [r for r in range(row - NEIGHBOURS_BEFORE, row + NEIGHBOURS_AFTER + 1)
                  if 0 <= r < len(sentences) and r != row and sentences[r].file == s.file]
    before = tuple(sentences[r].text for r in reversed(in_article) if r < row)
    after = tuple(sentences[r].text for r in in_article if r > row)
    quoted = f"{sentences[first].text} {s.text}" if first is not None else s.text
    about = meta.get(s.file) or DocumentMeta()
    return Neighbourhood(s.text, quoted, before, after, about.date, about.title or "", about.outlet or "")


def score_sentences(question: str, query_vector: np.ndarray, rows: list[int], sentences: list[Sentence],
                    vectors: np.ndarray, stats: TermStats, meta: dict[str, DocumentMeta] | None = None,
                    probe_vector: np.ndarray | None = None) -> list[Evidence]:
    """Every candidate sentence scored as evidence, best first. `meta`: each file's title and date;
    `probe_vector`: the question embedded without its verb (`presuppositions.without_predicate`)."""
    if not rows:
        return []
    terms = content_terms(question)
    dense = vectors[rows] @ query_vector
    # a sentence that matches the question less once the verb is gone expresses the verb's meaning
    paraphrased = (dense - vectors[rows] @ probe_vector > PARAPHRASE_MARGIN if probe_vector is not None
                   else np.zeros(len(rows), bool))
    asked = core_question(question)
    kind = expected_answer_type(asked)
    presupposed: Presuppositions = analyse(asked, stats.zipf)
    question_factor = UNKNOWN_NAME_PENALTY if unknown_names(question, stats) else 1.0
    out: list[Evidence] = []
    for row, cos, says_verb in zip(rows, dense, paraphrased):
        s = sentences[row]
        lex = lexical_support(terms, s.text, stats)
        first = antecedent_row(sentences, row)
        if first is not None:
            # "The last such event took place in 2019." means little without the sentence before it
            lex = max(lex, CONTEXT_DISCOUNT * lexical_support(terms, sentences[first].text + " " + s.text, stats))
            cos = max(float(cos), CONTEXT_DISCOUNT * float(vectors[first] @ query_vector))
        score = question_factor * (DENSE_WEIGHT * float(cos) + LEXICAL_WEIGHT * lex)
        marked_down = [] if has_answer_type(kind, s.text, asked) else ["answer-type"]
        score *= ANSWER_TYPE_PENALTY if marked_down else 1.0
        missing = unmet(presupposed, neighbourhood(sentences, row, meta or {}, first), bool(says_verb))
        score *= UNMET_PRESUPPOSITION_PENALTY if missing else 1.0
        if s.heading or len(s.text.split()) < MIN_SENTENCE_WORDS \
                or not s.text.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?")):
            score *= NON_SENTENCE_PENALTY
            missing.append("not-a-sentence")
        out.append(Evidence(s, score, float(cos), lex, row, tuple(marked_down + missing)))
    out.sort(key=lambda e: -e.score)
    return out
