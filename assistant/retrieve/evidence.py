"""Score sentences inside retrieved chunks as evidence for a question.

A sentence's support mixes meaning (MiniLM cosine with the question) and wording
(IDF-weighted share of the question's content terms it contains). Terms the corpus
never uses count against every sentence, which is what sinks questions about things
the articles never mention. A sentence whose neighbourhood does not state what the
question takes for granted is marked down (`presuppositions.py`): that is what refuses
trap questions built from real names. Whether it holds the kind of answer asked for (a
person for "who", an amount for "how much") is read by spaCy afterwards, for the best
few only (`assistant/answer/span.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.models import CONTEXT_MARK, DocumentMeta, Sentence, core_question
from assistant.retrieve.names import names_all
from assistant.retrieve.predicates import asked_predicate
from assistant.retrieve.presuppositions import (
    Neighbourhood,
    Presuppositions,
    analyse,
    question_names,
    unmet,
)
from assistant.retrieve.terms import TermStats, content_terms, english_zipf, fold, is_stopword, term_set

DENSE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.5
UNMET_PRESUPPOSITION_PENALTY = 0.3  # the sentence's context doesn't state what the question takes for granted
NEIGHBOURS_BEFORE, NEIGHBOURS_AFTER = 2, 1
# Taking any word out of a question moves unrelated sentences by up to ~0.02 cosine;
# a sentence that says the verb in other words ("resumed" for "restarted") loses more.
PARAPHRASE_MARGIN = 0.03
NON_SENTENCE_PENALTY = 0.85  # headlines, captions: no verb-bearing full stop
MIN_SENTENCE_WORDS = 4

ANAPHORIC_START = re.compile(r"^(?:[\"\u201c]?)(?:The (?:last|first|next|same|latter|former) such|Such|This|That|"
                             r"These|Those|It|Its|He|She|His|Her|They|Their|Both|The two (?:sides|men|leaders|officials))\b")
PRONOUN_ATTRIBUTED_QUOTE = re.compile(r"[\u201d\"],?\s+(?:he|she|they)\s+(?:said|says|told|added|insisted|stressed|"
                                      r"noted|continued|explained|wrote)\b")
CONTEXT_DISCOUNT = 0.9
CONTEXT_TERM_WEIGHT = 0.5  # a follow-up's conversation words keep the topic; its own words say what is asked
UNKNOWN_NAME_PENALTY = 0.55  # the question names something the articles never mention
COMMON_WORD_ZIPF = 4.5  # capitalised but everyday words ("America") don't count as names
# A name the article's headline or first sentence gives counts, at this weight, for its later
# sentences too: news names its subject once, then writes "he", "the firm", "Mr X"
ARTICLE_NAME_CREDIT = 0.8
NAMING_LEAD_SENTENCES = 2  # body sentences in which an article may first name its subject


@dataclass
class Evidence:
    sentence: Sentence
    score: float
    dense: float
    lexical: float
    row: int  # index into the snapshot's sentence list / vectors
    marked_down: tuple[str, ...] = ()  # why the score was cut: "answer-type", "speaker", "names", …


def raw_match(ev: Evidence) -> float:
    """Meaning and wording alone, before any penalty: what a per-corpus null distribution compares."""
    return DENSE_WEIGHT * ev.dense + LEXICAL_WEIGHT * ev.lexical


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
        # wordfreq's small list (10 ms to read, the large one 0.16 s) decides as its large one does:
        # every word at or above COMMON_WORD_ZIPF there is in the small list, at the same value
        if english_zipf(word) < COMMON_WORD_ZIPF:
            unknown.append(m.group(1))
    return unknown


@dataclass(frozen=True)
class AskedName:
    parts: tuple[str, ...]  # as `specific_names` gives them ("~" marks an everyday word)
    stems: frozenset[str]


def lexical_support(query_terms: list[str], text: str, stats: TermStats, given: tuple[AskedName, ...] = (),
                    context: frozenset[str] = frozenset()) -> float:
    """IDF-weighted share of the question's terms in the text. `given`: names the article's lead
    states, credited at `ARTICLE_NAME_CREDIT` unless the text names someone else with a part of
    them ("Wang Yi" is not Wang Wentao; "Davenport" is Lindsay Davenport). `context`: terms only a
    follow-up's conversation gives, weighted `CONTEXT_TERM_WEIGHT`."""
    if not query_terms:
        return 0.0
    present = term_set(text)
    credited = {t for name in given if not name.stems & present or names_all((name.parts,), text) for t in name.stems}
    weight, total = _term_weights(tuple(query_terms), context, stats)
    found = sum(w * (1.0 if t in present else ARTICLE_NAME_CREDIT if t in credited else 0.0)
                for t, w in weight.items())
    return found / total if total else 0.0


@lru_cache(maxsize=256)
def _term_weights(query_terms: tuple[str, ...], context: frozenset[str], stats: TermStats) -> tuple[dict[str, float], float]:
    """Each query term's IDF weight and their sum: the same for every candidate of a question."""
    weight = {t: stats.idf(t) * (CONTEXT_TERM_WEIGHT if t in context else 1.0) for t in set(query_terms)}
    return weight, sum(weight.values())


def part_support(part: str, evidence: list[Evidence], stats: TermStats, terms: dict[int, frozenset[str]],
                 topic: dict[str, set[str]] | None = None) -> list[Evidence]:
    """Evidence scored again against one ask of a question with several ("Who wrote the song, and what
    is it called?"): its meaning for the whole question, its wording for the ask alone, no penalty
    read: which sentence states that part. `topic`: per article, terms credited (at
    `ARTICLE_NAME_CREDIT`) to its sentences: an article that has said "tsunami charity single" need
    not repeat it where it says who wrote the song. `terms`: each row's content terms, filled here
    and shared between the asks."""
    own, _ = query_terms(part)
    weight = {t: stats.idf(t) for t in set(own)}
    total = sum(weight.values())
    out = []
    for ev in evidence:
        present = terms.get(ev.row)
        if present is None:  # (`setdefault` would read the terms again for every ask)
            present = terms[ev.row] = term_set(ev.sentence.text)
        given = (topic or {}).get(ev.sentence.file, set())
        found = sum(w * (1.0 if t in present else ARTICLE_NAME_CREDIT if t in given else 0.0) for t, w in weight.items())
        lex = found / total if total else 0.0
        out.append(Evidence(ev.sentence, DENSE_WEIGHT * ev.dense + LEXICAL_WEIGHT * lex, ev.dense, lex, ev.row))
    return out


def query_terms(query: str) -> tuple[list[str], frozenset[str]]:
    """The query's content terms, and those of them only its conversation context gives ("What else
    might it be used for? (context: Who developed ArtGarden?)"): the follow-up's own words say what
    is asked, the context only keeps the topic."""
    own = content_terms(core_question(query))
    rest = query[len(core_question(query)) + len(CONTEXT_MARK) :].rstrip(")") if CONTEXT_MARK in query else ""
    context = [t for t in content_terms(rest) if t not in own]
    return own + context, frozenset(context)


def name_terms(question: str, presupposed: Presuppositions) -> tuple[AskedName, ...]:
    """The specific names (`specific_names`: "Ray Mallon", not "Chinese") that the question gives
    before its verb: what it asks about ("What nickname did Ray Mallon earn?"), which an article
    about them calls "he" or "the firm"; not what it is asked about ("Which company bid for
    Allied Domecq?": a sentence about the bid must say who bid for whom)."""
    predicate = asked_predicate(question)
    cut = question.find(predicate.word) if predicate else -1
    before = question[:cut] if cut > 0 else question
    out = []
    for parts in presupposed.names:
        if all(part.startswith("~") for part in parts):
            continue  # everyday words only ("South America"): a place named in passing, not a subject
        words = [part.lstrip("~") for part in parts]
        stems = frozenset(content_terms(" ".join(words)))
        if stems and any(re.search(rf"\b{re.escape(w)}\b", before) for w in words):
            out.append(AskedName(parts, stems))
    return tuple(out)


def inherits_subject(antecedent: str, names: tuple[AskedName, ...]) -> bool:
    """Does a sentence opening with "He"/"His" speak of the asked person? Its antecedent names
    them, or names nobody ("His declared income…" after "Robin Cook was paid…" is Cook's)."""
    units = question_names(antecedent)
    return not units or any(set(content_terms(" ".join(parts))) & name.stems for parts in units for name in names)


def first_row_of_article(sentences: list[Sentence], row: int) -> int:
    """The article's first sentence row (articles are contiguous rows): galloping back, then
    bisecting, so a long article costs a few row reads, not one per sentence."""
    file = sentences[row].file
    inside, step = row, 1
    while inside - step >= 0 and sentences[inside - step].file == file:
        inside -= step
        step *= 2
    outside = inside - step  # a row of another article, or -1
    while inside - outside > 1:
        mid = (inside + max(outside, -1)) // 2
        if mid >= 0 and sentences[mid].file == file:
            inside = mid
        else:
            outside = mid
    return inside


def article_lead(sentences: list[Sentence], row: int, meta: dict[str, DocumentMeta], count: int = 1) -> str:
    """The article's headline and first `count` body sentences: where news names what the article is
    about (the first sentence may only describe it, "a Windows virus…", the second name it)."""
    file = sentences[row].file
    first = first_row_of_article(sentences, row)
    body: list[str] = []
    for r in range(first, min(first + count + 2, len(sentences))):  # past a headline split as a sentence
        s = sentences[r]
        if s.file != file or len(body) == count:
            break
        if not s.heading:
            body.append(s.text)
    about = meta.get(file) or DocumentMeta()
    return " ".join([about.title or "", *body])


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
                  first: int | None = None, lead: str = "") -> Neighbourhood:
    """The sentence in its article; `first`: its antecedent row (`antecedent_row`), if it has one;
    `lead`: the article's headline and first sentence (`article_lead`)."""
    s = sentences[row]
    in_article = [r for r in range(max(0, row - NEIGHBOURS_BEFORE), min(len(sentences), row + NEIGHBOURS_AFTER + 1))
                  if r != row and sentences[r].file == s.file]
    before = tuple(sentences[r].text for r in reversed(in_article) if r < row)
    after = tuple(sentences[r].text for r in in_article if r > row)
    quoted = f"{sentences[first].text} {s.text}" if first is not None else s.text
    about = meta.get(s.file) or DocumentMeta()
    return Neighbourhood(s.text, quoted, before, after, about.date, about.title or "", about.outlet or "", lead)


def score_sentences(question: str, query_vector: np.ndarray, rows: list[int], sentences: list[Sentence],
                    vectors: np.ndarray, stats: TermStats, meta: dict[str, DocumentMeta] | None = None,
                    probe_vector: np.ndarray | None = None, own_vector: np.ndarray | None = None,
                    topic_files: frozenset[str] = frozenset()) -> list[Evidence]:
    """Every candidate sentence scored as evidence, best first. `meta`: each file's title and date;
    `probe_vector`: the question embedded without its verb (`presuppositions.without_predicate`);
    `own_vector`: a follow-up's own question embedded without its conversation context, which weighs
    half in the meaning of the sentences of `topic_files` (the articles the conversation is about:
    which of their sentences answers is for the question to say; elsewhere "Who wrote it?" alone
    would match any "wrote")."""
    if not rows:
        return []
    terms, context = query_terms(question)
    dense = vectors[rows] @ query_vector
    # a sentence that matches the question less once the verb is gone expresses the verb's meaning
    paraphrased = (dense - vectors[rows] @ probe_vector > PARAPHRASE_MARGIN if probe_vector is not None
                   else np.zeros(len(rows), bool))
    if own_vector is not None and topic_files:
        topical = np.array([sentences[r].file in topic_files for r in rows])
        dense = np.where(topical, (dense + vectors[rows] @ own_vector) / 2, dense)
    asked = core_question(question)
    presupposed: Presuppositions = analyse(asked, stats.zipf)
    question_factor = UNKNOWN_NAME_PENALTY if unknown_names(question, stats) else 1.0
    names = name_terms(asked, presupposed)
    candidates = [sentences[row] for row in rows]
    earliest: dict[str, int] = {}  # per file, its first candidate row: the walk to its lead starts there
    for row, s in zip(rows, candidates):
        earliest[s.file] = min(row, earliest.get(s.file, row))
    leads = {file: article_lead(sentences, row, meta or {}) if presupposed.names else "" for file, row in earliest.items()}
    # a name the article gives in its second sentence still excuses later sentences from repeating it,
    # but earns them no lexical credit (that stays with the name the very first sentence gives)
    named_leads = {file: article_lead(sentences, row, meta or {}, NAMING_LEAD_SENTENCES) if presupposed.names else ""
                   for file, row in earliest.items()}
    given = {file: tuple(n for n in names if names_all((n.parts,), fold(lead))) if names else ()
             for file, lead in leads.items()}  # per file: the asked names its lead states
    out: list[Evidence] = []
    for row, s, cos, says_verb in zip(rows, candidates, dense, paraphrased):
        first = antecedent_row(sentences, row)
        credit = given[s.file]
        if credit and first is not None and not inherits_subject(sentences[first].text, names):
            credit = ()
        lex = lexical_support(terms, s.text, stats, credit, context)
        if first is not None:
            # "The last such event took place in 2019." means little without the sentence before it
            lex = max(lex, CONTEXT_DISCOUNT * lexical_support(terms, sentences[first].text + " " + s.text, stats,
                                                              credit, context))
            cos = max(float(cos), CONTEXT_DISCOUNT * float(vectors[first] @ query_vector))
        score = question_factor * (DENSE_WEIGHT * float(cos) + LEXICAL_WEIGHT * lex)
        missing = unmet(presupposed, neighbourhood(sentences, row, meta or {}, first, named_leads[s.file]), bool(says_verb))
        score *= UNMET_PRESUPPOSITION_PENALTY if missing else 1.0
        if s.heading or len(s.text.split()) < MIN_SENTENCE_WORDS \
                or not s.text.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?")):
            score *= NON_SENTENCE_PENALTY
            missing.append("not-a-sentence")
        out.append(Evidence(s, score, float(cos), lex, row, tuple(missing)))
    out.sort(key=lambda e: -e.score)
    return out
