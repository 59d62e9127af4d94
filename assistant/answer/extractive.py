"""The default engine: answer with the source sentences themselves, each cited.

No generator model runs here that is fit to answer, so the answer is composed of
1-3 evidence sentences. A sentence joins the best one only if it scores nearly as
well and says something new; where near-duplicate articles carry the same sentence,
the original's wording is cited and the copy is listed as "also in".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import lead
from assistant.index.snapshot import DocumentStore
from assistant.models import ABSTAIN_TEXT, Citation, Sentence, ShortAnswer
from assistant.retrieve.evidence import Evidence, antecedent_row

if TYPE_CHECKING:
    from assistant.answer.span import SpanFinder

SAME_STATEMENT_COSINE = 0.8  # a paraphrased copy of a sentence still scores ~0.9 against its source
REDUNDANT_COSINE = 0.9
CORROBORATION_COSINE = 0.7  # another article telling the same fact in its own words


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    abstained: bool
    short_answers: list[ShortAnswer] = field(default_factory=list)  # spans inside the quotes, text's first line
    # What a refusal model can read, the same on any corpus: the best evidence score, its margin
    # over the next candidate sentence, and whether a span of the asked type was found (None:
    # the question asks for no typed answer)
    score: float = 0.0
    margin: float = 0.0
    span_found: bool | None = None


@dataclass
class SentenceTable:
    """Every indexed sentence with its vector, for finding the same statement elsewhere.
    `documents` is the index's document store: per-file look-ups, never a scan."""

    sentences: Sequence[Sentence]
    vectors: np.ndarray
    documents: DocumentStore

    def rows_of(self, files: set[str]) -> list[int]:
        return [r for f in sorted(files) for r in self.documents.sentence_range(f)]

    def group_members(self, file: str) -> set[str]:
        group = self.documents[file].duplicate_group
        if group is None:
            return set()
        return set(self.documents.group_members(group)) - {file}

    def identical_copies(self, file: str) -> list[str]:
        return self.documents.identical_copies(file) if self.documents[file].duplicate_group else []


def _same_statement(table: SentenceTable, row: int, files: set[str]) -> list[int]:
    rows = table.rows_of(files)
    if not rows:
        return []
    sims = table.vectors[rows] @ table.vectors[row]
    return [r for r, s in zip(rows, sims) if s >= SAME_STATEMENT_COSINE]


def _prefer_original(table: SentenceTable, ev: Evidence) -> tuple[int, list[str]]:
    """(row to cite, files that also carry the statement) within a duplicate group."""
    file = ev.sentence.file
    mates = table.group_members(file)
    matches = _same_statement(table, ev.row, mates)
    also = sorted({table.sentences[r].file for r in matches} | set(table.identical_copies(file)))
    if table.documents[file].is_original or not matches:
        return ev.row, also
    originals = [r for r in matches if table.documents[table.sentences[r].file].is_original]
    if not originals:
        return ev.row, also
    best = max(originals, key=lambda r: float(table.vectors[r] @ table.vectors[ev.row]))
    cited = table.sentences[best].file
    return best, sorted((set(also) - {cited}) | {file} | set(table.identical_copies(cited)))


def choose(evidence: list[Evidence], table: SentenceTable, max_sentences: int, companion_ratio: float,
           corroboration_ratio: float) -> list[Evidence]:
    """The best sentence, plus sentences nearly as good, plus other articles' versions of
    the same fact (a slightly lower bar: agreement across sources is worth showing)."""
    chosen: list[Evidence] = []
    for ev in evidence:
        if len(chosen) >= max_sentences:
            break
        if chosen:
            if "not-a-sentence" in ev.marked_down:
                continue  # a heading or fragment says nothing the quoted sentences do not; only ever the best
            top = chosen[0]
            corroborates = (ev.sentence.file != top.sentence.file
                            and float(table.vectors[ev.row] @ table.vectors[top.row]) >= CORROBORATION_COSINE)
            if ev.score < (corroboration_ratio if corroborates else companion_ratio) * top.score:
                continue
        redundant = any(float(table.vectors[ev.row] @ table.vectors[c.row]) >= REDUNDANT_COSINE
                        or ev.sentence.file in table.group_members(c.sentence.file)
                        and float(table.vectors[ev.row] @ table.vectors[c.row]) >= SAME_STATEMENT_COSINE
                        for c in chosen)
        if not redundant:
            chosen.append(ev)
    return chosen


def compose(evidence: list[Evidence], table: SentenceTable, threshold: float, max_sentences: int,
            companion_ratio: float, corroboration_ratio: float, finder: SpanFinder | None = None,
            confident: bool = True, scorer: lead.PartScorer | None = None) -> Composition:
    """The quotes that answer, each cited; with `finder` (a question asking for a typed answer),
    led by the short spans that answer it, and completed with the sentences of further list
    items and asks (each scoring at least `threshold`; `scorer` scores sentences by one ask's own words,
    to find the sentence stating each part of a question). Not `confident` (the refusal model,
    `confidence.py`, says the evidence does not answer): an abstention."""
    score = evidence[0].score if evidence else 0.0
    margin = score - evidence[1].score if len(evidence) > 1 else score
    typed = finder is not None and finder.needed
    if not evidence or not confident:
        return Composition(ABSTAIN_TEXT, [], True, score=score, margin=margin)
    chosen = choose(evidence, table, max_sentences, companion_ratio, corroboration_ratio)
    owners: dict[int, int] = {}
    if finder is not None:
        chosen, owners = lead.complete(chosen, evidence, finder, threshold, max_sentences, scorer)
    citations, parts, focus, cited = _quote(chosen, table)
    text = " ".join(parts)
    shorts: list[ShortAnswer] = []
    if finder is not None:
        shorts = lead.short_answers(finder, citations, focus, {i: cited[r] for i, r in owners.items() if r in cited})
        text = f"{lead.lead_text(shorts)} {text}" if shorts else text
    return Composition(text, citations, False, shorts, score, margin, bool(shorts) if typed else None)


def _quote(chosen: list[Evidence], table: SentenceTable
           ) -> tuple[list[Citation], list[str], list[int], dict[int, int]]:
    """Citations of the chosen sentences (originals preferred, antecedents included), the
    answer text's quoted parts, where in each quote the cited sentence itself starts, and
    each chosen row's citation index."""
    parts: list[str] = []
    focus: list[int] = []
    citations: list[Citation] = []
    quoted: set[int] = set()
    cited: dict[int, int] = {}
    for ev in chosen:
        row, also_in = _prefer_original(table, ev)
        if row in quoted:
            continue  # already inside an earlier quote
        first = antecedent_row(table.sentences, row)  # "Such…", "“…,” he said": quote the sentence before too
        if first is None or first in quoted:
            first = row  # none, or already quoted just before: quote the sentence itself
        quoted.update(range(first, row + 1))
        start, end = table.sentences[first], table.sentences[row]
        doc = table.documents[end.file]
        quote = doc.text[start.start : end.end]
        n = len(citations) + 1
        citations.append(Citation(n=n, file=end.file, title=doc.meta.title, lines=(start.line_start, end.line_end),
                                  chars=(start.start, end.end), quote=quote, score=round(ev.score, 4),
                                  also_in=also_in))
        parts.append(f"{' '.join(quote.split())} [{n}]")  # a quote with its antecedent may span paragraphs
        focus.append(end.start - start.start)
        cited[ev.row] = n - 1
    return citations, parts, focus, cited
