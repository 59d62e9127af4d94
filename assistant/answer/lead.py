"""The answer's first line: the short spans that answer, each cited, before the quotes.

Also completes the set of quoted sentences where one sentence cannot hold the whole answer:
a list question ("Which two companies…") gets the sentences that state further items, and
a question with two asks gets a sentence for each ask.
"""

from __future__ import annotations

from assistant.answer.span import ShortSpan, SpanFinder, words_of
from assistant.models import Citation, ShortAnswer
from assistant.retrieve.evidence import Evidence
from assistant.retrieve.question import Ask
from assistant.retrieve.terms import fold

LIST_RATIO = 0.6  # a sentence adding list items joins if it scores this close to the best one


def _key(text: str) -> str:
    return " ".join(fold(text).lower().split())


def _items(finder: SpanFinder, ask: Ask, evidence: list[Evidence]) -> set[str]:
    return {_key(s.text) for ev in evidence for s in finder.spans(ev.sentence.text, ask) if s.linked}


def _pool(chosen: list[Evidence], evidence: list[Evidence], finder: SpanFinder) -> list[Evidence]:
    """Where further asks and list items are looked for: the best candidates, and every
    candidate from the articles already quoted (the second half of an answer is often
    stated a few sentences on, in words the question does not use)."""
    files = {ev.sentence.file for ev in chosen}
    best = evidence[: finder.candidates + finder.extra]
    rows = {ev.row for ev in best}
    return best + [ev for ev in evidence if ev.sentence.file in files and ev.row not in rows]


def _answers_part(finder: SpanFinder, ask: Ask, ev: Evidence, threshold: float, files: set[str]) -> bool:
    """A sentence answers a further ask if it holds the ask's span beside the question's words in an
    article the answer already quotes, or holds it, is evidence enough on its own and, from another
    article, names what the ask names ("How much did Prince make?" is not answered by an MP's pay)."""
    spans = finder.spans(ev.sentence.text, ask)
    if not spans:
        return False
    if ev.sentence.file in files:
        return ev.score >= threshold or spans[0].linked
    return ev.score >= threshold and (not ask.named or bool(ask.named & words_of(ev.sentence.text)))


def complete(chosen: list[Evidence], evidence: list[Evidence], finder: SpanFinder, threshold: float,
             max_sentences: int) -> list[Evidence]:
    """`chosen` plus, for each ask no chosen sentence answers, its best sentence, and for a list, sentences
    with items not yet quoted (until the asked count is reached)."""
    chosen = list(chosen)
    rows = {ev.row for ev in chosen}
    pool = _pool(chosen, evidence, finder)
    files = {ev.sentence.file for ev in chosen}
    asks = finder.parse.asks if len(finder.parse.asks) > 1 else ()  # the best sentence was chosen for a lone ask
    for ask in asks:
        if any(finder.spans(ev.sentence.text, ask) for ev in chosen):
            continue
        ranked = finder.rerank(pool, ask)
        best = next((ev for ev in ranked if _answers_part(finder, ask, ev, threshold, files)), None)
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
