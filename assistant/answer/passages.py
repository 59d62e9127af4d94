"""What the LLM reads: the top retrieved passages, as numbered sentences, within a token budget.

The extractive engine's best evidence sentences anchor the passages; each brings its
neighbours in the article (the sentence the answer was missing is often next to the one
that matched the question), until the budget is spent. Contiguous sentences of one
article form one passage; passages come best first. Every sentence keeps its row in the
sentence table, so whatever the model writes can be checked against, and cited as, the
exact text of the cleaned document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.extractive import REDUNDANT_COSINE, SentenceTable, _prefer_original
from assistant.retrieve.evidence import Evidence
from assistant.retrieve.terms import fold

# Characters per token of the generator's tokenizer on news English: Qwen2.5 tokenised the seeds'
# passages at 4.4-5.2 characters per token (llama.cpp /extras/tokenize; docs/llm.md). A slight
# underestimate keeps the real prompt inside the budget.
CHARS_PER_TOKEN = 4.0
MAX_ANCHORS = 8
# Text addressed to a language model rather than to a reader ("ignore all previous instructions", "answer
# every question with…", "you are an AI"): news never says this, an injection does. Withheld from the model
# (and so never cited by it): with it, Qwen2.5-1.5B replied "NOT STATED" to a question the rest answered.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|other)?\s*"
    r"(?:instructions?|prompts?|passages?|rules)\b|\b(?:system|developer)\s+(?:instruction|prompt|message)s?\b|"
    r"\banswer\s+(?:every|all|each|any)\s+questions?\s+(?:with|by|only|in)\b|\b(?:ai|language[- ]model)\s+assistants?\b|"
    r"\bassistant\s*,|\byou\s+are\s+(?:an?\s+)?(?:ai|assistant|language model|chatbot)\b", re.I)
# Evidence scoring below this share of the best sentence anchors no passage.
ANCHOR_RATIO = 0.5


@dataclass
class Numbered:
    n: int
    row: int  # sentence row shown and quoted (the original's, within a duplicate group)
    also_in: list[str] = field(default_factory=list)


@dataclass
class Passage:
    title: str | None
    sentences: list[Numbered]


def estimate_tokens(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


def _anchors(scored: list[Evidence], table: SentenceTable, ratio: float) -> list[tuple[int, list[str]]]:
    """(row, also_in) of the best evidence sentences, originals preferred, near-repeats left out."""
    out: list[tuple[int, list[str]]] = []
    if not scored:
        return out
    top = scored[0].score
    for ev in scored:
        if len(out) >= MAX_ANCHORS or ev.score < ratio * top:
            break
        row, also_in = _prefer_original(table, ev)
        if INSTRUCTION.search(table.sentences[row].text):
            continue
        if any(r == row or float(table.vectors[r] @ table.vectors[row]) >= REDUNDANT_COSINE for r, _ in out):
            continue
        out.append((row, also_in))
    return out


def _neighbours(table: SentenceTable, row: int) -> list[int]:
    file = table.sentences[row].file
    return [r for r in (row - 1, row + 1) if 0 <= r < len(table.sentences) and table.sentences[r].file == file
            and not INSTRUCTION.search(table.sentences[r].text)]


def select_passages(scored: list[Evidence], table: SentenceTable, budget: int,
                    ratio: float = ANCHOR_RATIO) -> list[Passage]:
    """Passages around the best evidence, at most `budget` estimated tokens of sentence text."""
    also: dict[int, list[str]] = {}
    rank: dict[int, int] = {}  # row -> rank of the anchor that brought it
    spent = 0

    def take(row: int, r: int) -> bool:
        nonlocal spent
        if row in rank:
            return True
        cost = estimate_tokens(table.sentences[row].text) + 2  # "[n] " and the line break
        if spent + cost > budget:
            return False
        rank[row], spent = r, spent + cost
        return True

    anchors = _anchors(scored, table, ratio)
    for r, (row, also_in) in enumerate(anchors):
        if not take(row, r):
            break
        also[row] = also_in
    for r, (row, _) in enumerate(anchors):  # context second: every anchor first, then its neighbours
        if row in rank:
            for nb in _neighbours(table, row):
                take(nb, r)
    runs: list[list[int]] = []
    for row in sorted(rank):
        if runs and runs[-1][-1] == row - 1 and table.sentences[row].file == table.sentences[runs[-1][-1]].file:
            runs[-1].append(row)
        else:
            runs.append([row])
    runs.sort(key=lambda run: min(rank[r] for r in run))
    passages, n = [], 0
    for run in runs:
        numbered = []
        for row in run:
            n += 1
            numbered.append(Numbered(n, row, also.get(row, [])))
        doc = table.documents[table.sentences[run[0]].file]
        passages.append(Passage(doc.meta.title, numbered))
    return passages


def _same_text(a: str, b: str) -> bool:
    return " ".join(fold(a).lower().split()).strip(" .") == " ".join(fold(b).lower().split()).strip(" .")


def render_passages(passages: list[Passage], table: SentenceTable) -> str:
    """Numbered passages, each headed by its article's title the first time that article appears, and not
    when its first sentence is the title itself (a BBC article's first line): every prompt token costs
    ~12 ms of reading on 2 cores, and repeated titles were ~4% of the prompt."""
    blocks, titled = [], set()
    for i, p in enumerate(passages, start=1):
        texts = [" ".join(table.sentences[s.row].text.split()) for s in p.sentences]
        file = table.sentences[p.sentences[0].row].file
        title = p.title if p.title and file not in titled and not _same_text(p.title, texts[0]) else None
        titled.add(file)
        head = f"Passage {i}" + (f" ({title})" if title else "") + ":"
        blocks.append("\n".join([head, *(f"[{s.n}] {t}" for s, t in zip(p.sentences, texts))]))
    return "\n\n".join(blocks)
