"""The answer's first line: the short spans that answer, each cited, before the quotes.

Also completes the set of quoted sentences where one sentence cannot hold the whole answer:
a list question ("Which two companies…") gets the sentences that state further items, and
a question with two asks gets a sentence for each ask.
"""

from __future__ import annotations

from assistant.answer.span import ShortSpan, SpanFinder
from assistant.models import Citation, ShortAnswer
from assistant.retrieve.evidence import Evidence
from assistant.retrieve.question import Ask
from assistant.retrieve.terms import fold

LIST_RATIO = 0.6  # a sentence adding list items joins if it scores this close to the best one


def _key(text: str) -> str:
    return " ".join(fold(text).lower().split())


def _items(finder: SpanFinder, ask: Ask, evidence: list[Evidence]) -> set[str]:
    return {_key(s.text) for ev in evidence for s in finder.spans(ev.sentence.text, ask) if s.linked}


def complete(chosen: list[Evidence], evidence: list[Evidence], finder: SpanFinder, threshold: float,
             max_sentences: int) -> list[Evidence]:
    """`chosen` plus, for each further ask, its best sentence, and for a list, sentences
    with items not yet quoted (until the asked count is reached)."""
    chosen = list(chosen)
    rows = {ev.row for ev in chosen}
    pool = evidence[: finder.candidates]
    for ask in finder.parse.asks[1:]:
        if any(finder.spans(ev.sentence.text, ask) for ev in chosen):
            continue
        ranked = finder.rerank(pool, ask)
        best = next((ev for ev in ranked if ev.score >= threshold and finder.spans(ev.sentence.text, ask)), None)
        if best is not None and best.row not in rows:
            chosen.append(best)
            rows.add(best.row)
    first = finder.parse.first
    if len(finder.parse.asks) == 1 and first.several and first.labels:
        limit = max(max_sentences, first.count or 0)
        items = _items(finder, first, chosen)
        for ev in pool:
            if len(chosen) >= limit or (first.count and len(items) >= first.count):
                break
            if ev.row in rows or ev.score < LIST_RATIO * chosen[0].score:
                continue
            new = _items(finder, first, [ev]) - items
            if new:
                chosen.append(ev)
                rows.add(ev.row)
                items |= new
    return chosen


def _short(span: ShortSpan, citation: Citation, ask: int) -> ShortAnswer:
    return ShortAnswer(text=span.text, n=citation.n, label=span.label, chars=(span.start, span.end), ask=ask)


def short_answers(finder: SpanFinder, citations: list[Citation], focus: list[int]) -> list[ShortAnswer]:
    """For each ask: its span in the first quote holding one (linked spans first), or for a
    list every linked item across the quotes, up to the asked count. `focus`: where each
    quote's cited sentence starts (after an antecedent quoted with it), where spans are read."""
    out: list[ShortAnswer] = []
    seen: set[str] = set()
    for i, ask in enumerate(finder.parse.asks):
        found = [(s, c) for c, at in zip(citations, focus) for s in finder.spans(c.quote, ask, at)]
        if not found:
            continue
        if not (ask.several and len(finder.parse.asks) == 1):
            linked = [(s, c) for s, c in found if s.linked]
            found = (linked or found)[:1]
        else:  # a list: the items by the asked noun ("chipmakers Intel and Micron"), else linked ones
            found = [(s, c) for s, c in found if s.headed] or [(s, c) for s, c in found if s.linked] or found[:1]
        for span, citation in found:
            if _key(span.text) in seen:
                continue
            seen.add(_key(span.text))
            out.append(_short(span, citation, i))
            if ask.count and sum(1 for s in out if s.ask == i) >= ask.count:
                break
    return out


def lead_text(shorts: list[ShortAnswer]) -> str:
    """"Intel [1], Micron [1]." / "Labour [1]; 66 [2]." (asks separated by semicolons)."""
    asks = sorted({s.ask for s in shorts})
    parts = [", ".join(f"{' '.join(s.text.split())} [{s.n}]" for s in shorts if s.ask == a) for a in asks]
    return "; ".join(parts) + "."


def split_lead(answer_text: str, shorts: list[ShortAnswer]) -> tuple[str, str]:
    """(lead, quotes) of an answer text composed here; no lead if it does not open with one."""
    lead = lead_text(shorts) if shorts else ""
    if lead and answer_text.startswith(lead):
        return lead, answer_text[len(lead) :].strip()
    return "", answer_text


def short_text(shorts: list[ShortAnswer]) -> str | None:
    if not shorts:
        return None
    asks = sorted({s.ask for s in shorts})
    return "; ".join(", ".join(" ".join(s.text.split()) for s in shorts if s.ask == a) for a in asks)
