"""Score sentences inside retrieved chunks as evidence for a question.

A sentence's support mixes meaning (MiniLM cosine with the question) and wording
(IDF-weighted share of the question's content terms it contains). Terms the corpus
never uses count against every sentence, which is what sinks questions about things
the articles never mention. A sentence that lacks the kind of answer the question
asks for (a number for "how many", a date for "when") is marked down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.models import Sentence
from assistant.retrieve.terms import TermStats, content_terms, fold, is_stopword

DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
ANSWER_TYPE_PENALTY = 0.45
NON_SENTENCE_PENALTY = 0.85  # headlines, captions: no verb-bearing full stop
MIN_SENTENCE_WORDS = 4

CARDINAL = re.compile(r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                      r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozens?)\b", re.I)
CALENDAR = re.compile(r"\b(?:\d{4}|January|February|March|April|May|June|July|August|September|October|"
                      r"November|December|Jan|Feb|Aug|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|"
                      r"Friday|Saturday|Sunday|yesterday|today|tomorrow)\b")
YEAR = re.compile(r"\b(?:1[5-9]|20)\d{2}\b")
RELATIVE_TIME = re.compile(r"\b(?:last|next|this|earlier|later)\s+(?:year|week|month|day)|\bago\b|\bsince\b", re.I)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
COUNTED_NOUN = re.compile(r"\bhow (?:many|much)\s+([a-z]+)", re.I)
ANAPHORIC_START = re.compile(r"^(?:[\"\u201c]?)(?:The (?:last|first|next|same|latter|former) such|Such|This|That|"
                             r"These|Those|It|Its|He|She|His|Her|They|Their|Both|The two (?:sides|men|leaders|officials))\b")
CONTEXT_DISCOUNT = 0.9
# "What did X say …?" is answered by what X said: the sentence must attribute a statement to X.
SPEECH_QUESTION = re.compile(r"^\s*[Ww]hat did ((?:[A-Z][\w.\u2019'-]*\s+){1,4})(?:personally\s+)?"
                             r"(?:say|tell|state|announce|claim|write|post|tweet|warn|insist|stress)\b")
SPEECH_VERBS = {"said", "says", "told", "tells", "stated", "announced", "claimed", "wrote", "posted", "tweeted",
                "urged", "called", "warned", "asked", "added", "insisted", "stressed", "noted", "mentioned",
                "instructed", "expressed", "criticized", "defended", "blamed", "referred", "hoped", "declared",
                "described", "continued", "saying", "telling"}
SPEAKER_WINDOW = 3
SUBJECT_PRONOUNS = {"he", "she", "they"}
UNKNOWN_NAME_PENALTY = 0.55  # the question names something the articles never mention
COMMON_WORD_ZIPF = 4.5  # capitalised but everyday words ("America") don't count as names


@dataclass
class Evidence:
    sentence: Sentence
    score: float
    dense: float
    lexical: float
    row: int  # index into the snapshot's sentence list / vectors


def expected_answer_type(question: str) -> str | None:
    q = question.lower()
    if re.search(r"\bhow (?:many|much|long|old)\b|\bwhat (?:number|percentage|share)\b", q):
        return "number"
    if re.search(r"\b(?:what|which) (?:date|day)\b", q):
        return "date"
    if re.search(r"\b(?:what|which) year\b", q):
        return "year"
    if re.search(r"^\s*when\b|\b(?:what|which) (?:month|time)\b|\bwhen (?:did|was|were|will|is)\b", q):
        return "time"
    if re.search(r"^\s*(?:who|whom)\b", q):
        return "name"
    return None


def has_answer_type(kind: str | None, text: str, question: str = "") -> bool:
    if kind == "number":
        if not CARDINAL.search(text):
            return False
        counted = COUNTED_NOUN.search(question)
        return counted is None or counted.group(1).lower()[:4] in text.lower()
    if kind == "date":
        return bool(CALENDAR.search(text))
    if kind == "year":
        return bool(YEAR.search(text))
    if kind == "time":
        return bool(CALENDAR.search(text) or RELATIVE_TIME.search(text))
    if kind == "name":
        return bool(NAME.search(text))
    return True


def asked_speaker(question: str) -> list[str]:
    """The name in "What did <name> say …?", as lowercase words, or [] for other questions."""
    m = SPEECH_QUESTION.match(question)
    return [fold(w).lower().rstrip(".,") for w in m.group(1).split()] if m else []


def attributes_to(text: str, speaker: list[str]) -> bool:
    """Does the sentence report something the speaker said (or a he/she said it stands for)?"""
    raw = text.split()
    words = [fold(w).lower().strip(".,;:\"'\u201c\u201d\u2019") for w in raw]
    # "She said …" (but not "He Lifeng said …", where He is a name)
    pronoun_subject = bool(words) and words[0] in SUBJECT_PRONOUNS and len(raw) > 1 and not raw[1][:1].isupper()
    for i, word in enumerate(words):
        if word not in SPEECH_VERBS:
            continue
        near = words[max(0, i - SPEAKER_WINDOW) : i + 3]
        if any(part in near for part in speaker) or (i < 4 and pronoun_subject):
            return True
        if i > 0 and words[i - 1] in SUBJECT_PRONOUNS and raw[i - 1][:1].islower():
            return True  # "…,” he said": a pronoun that may well stand for the speaker
    return False


def unknown_names(question: str, stats: TermStats) -> list[str]:
    """Names and numbers in the question that no indexed sentence contains."""
    from assistant.index.keyword import stemmer

    unknown = []
    for m in re.finditer(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w-]+|\d[\d,.]*)", question.strip()):
        word = fold(m.group(1)).lower().rstrip(".,")
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


def score_sentences(question: str, query_vector: np.ndarray, rows: list[int], sentences: list[Sentence],
                    vectors: np.ndarray, stats: TermStats) -> list[Evidence]:
    if not rows:
        return []
    terms = content_terms(question)
    dense = vectors[rows] @ query_vector
    kind = expected_answer_type(question)
    speaker = asked_speaker(question)
    question_factor = UNKNOWN_NAME_PENALTY if unknown_names(question, stats) else 1.0
    out: list[Evidence] = []
    for row, cos in zip(rows, dense):
        s = sentences[row]
        lex = lexical_support(terms, s.text, stats)
        before = previous_in_paragraph(sentences, row)
        if before is not None and leans_on_previous(s.text):
            # "The last such event took place in 2019." means little without the sentence before it
            lex = max(lex, CONTEXT_DISCOUNT * lexical_support(terms, before.text + " " + s.text, stats))
            cos = max(float(cos), CONTEXT_DISCOUNT * float(vectors[row - 1] @ query_vector))
        score = question_factor * (DENSE_WEIGHT * float(cos) + LEXICAL_WEIGHT * lex)
        if not has_answer_type(kind, s.text, question) or (speaker and not attributes_to(s.text, speaker)):
            score *= ANSWER_TYPE_PENALTY
        if s.heading or len(s.text.split()) < MIN_SENTENCE_WORDS \
                or not s.text.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?")):
            score *= NON_SENTENCE_PENALTY
        out.append(Evidence(s, score, float(cos), lex, row))
    out.sort(key=lambda e: -e.score)
    return out
