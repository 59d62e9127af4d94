"""The answer's first line: the short spans that answer, each cited, before the quotes.

Also completes the set of quoted sentences where one sentence cannot hold the whole answer:
a list question ("Which two companies…") gets the sentences that state further items, and
a question with two asks gets a sentence for each ask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.answer.span import ShortSpan, SpanFinder, words_of
from assistant.models import Citation, ShortAnswer
from assistant.retrieve.evidence import Evidence, raw_match
from assistant.retrieve.question import Ask
from assistant.retrieve.terms import content_terms, fold

LIST_RATIO = 0.6  # a sentence adding list items joins if it scores this close to the best one
# Scores candidate sentences against one ask's own words (`Assistant.part_scorer`): the evidence for one
# part of a question is the sentence that states that part, not the one most like the whole question
# (ask, sentences, per quoted article the terms its quoted sentences give) -> the sentences scored
PartScorer = Callable[[str, list[Evidence], dict[str, set[str]]], list[Evidence]]


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


def _answers_part(finder: SpanFinder, ask: Ask, ev: Evidence, threshold: float, files: set[str],
                  whole: float | None = None) -> bool:
    """A sentence answers a further ask if it holds the ask's span beside the question's words in an
    article the answer already quotes, or holds it, is evidence enough on its own and, from another
    article, names what the ask names ("How much did Prince make?" is not answered by an MP's pay).
    `whole`: its score for the whole question, where `ev` is scored for the ask alone; from another
    article, a sentence must be evidence for the whole question too."""
    spans = finder.spans(ev.sentence.text, ask)
    if not spans:
        return False
    if ev.sentence.file in files:
        return ev.score >= threshold or spans[0].linked
    return ev.score >= threshold and (whole is None or whole >= threshold) \
        and (not ask.named or bool(ask.named & words_of(ev.sentence.text)))


def _part_best(finder: SpanFinder, ask: Ask, pool: list[Evidence], threshold: float, chosen: list[Evidence],
               scorer: PartScorer | None) -> Evidence | None:
    """The sentence that states one ask's answer: the pool scored by the ask's own words (with the whole
    question's score, which keeps the topic of a part such as "what is it called?"), then reranked by the
    ask's span; the first one with a span beside what the ask asks, else a quoted one holding a span of its
    type, else the first that answers it. Only the sentences the rerank parsed are read (the rest are
    unverified)."""
    files = {ev.sentence.file for ev in chosen}
    ranked = finder.rerank(_by_part(pool, ask, scorer, chosen), ask)[: finder.candidates + finder.extra]
    whole = {ev.row: ev.score for ev in pool} if scorer is not None else {}
    answering = [ev for ev in ranked if _answers_part(finder, ask, ev, threshold, files, whole.get(ev.row))]
    # of the sentences stating the ask's span, one of the best sentence's article first (`_in_main`)
    stating = next((ev for ev in sorted(answering, key=lambda ev: not _in_main(ev, chosen))
                    if any(s.states for s in finder.spans(ev.sentence.text, ask))), None)
    if stating is not None:
        return stating
    # none states it: a quoted sentence holding a span of its type does, as well as any
    return next((ev for ev in chosen if finder.spans(ev.sentence.text, ask)), answering[0] if answering else None)


def _in_main(ev: Evidence, chosen: list[Evidence]) -> bool:
    """Is the sentence in the article of the best one? A question is about one topic: another article's
    sentence beside an ask's words ("at the end of the day" for "when does the campaign end?") speaks of
    another, even when it was quoted for scoring nearly as well."""
    return bool(chosen) and ev.sentence.file == chosen[0].sentence.file


def _by_part(pool: list[Evidence], ask: Ask, scorer: PartScorer | None, chosen: list[Evidence]) -> list[Evidence]:
    """The pool ranked for one ask: the ask's own score (`scorer`, the articles already quoted lending
    their quoted sentences' terms to their other sentences) weighed twice the whole question's raw match."""
    if scorer is None:
        return pool
    topic: dict[str, set[str]] = {}
    for ev in chosen:
        topic.setdefault(ev.sentence.file, set()).update(content_terms(ev.sentence.text))
    own = {ev.row: ev for ev in scorer(ask.text, pool, topic)}
    mixed = [replace(own[ev.row], score=(raw_match(ev) + 2 * own[ev.row].score) / 3) for ev in pool if ev.row in own]
    return sorted(mixed, key=lambda ev: -ev.score)


def complete(chosen: list[Evidence], evidence: list[Evidence], finder: SpanFinder, threshold: float,
             max_sentences: int, scorer: PartScorer | None = None) -> tuple[list[Evidence], dict[int, int]]:
    """`chosen` plus, for each ask of a question with several, the sentence that states its answer (when
    no chosen sentence holds a span beside what the ask asks), and for a list, sentences with items not
    yet quoted (until the asked count is reached). Also, per ask index, the row of its sentence."""
    chosen = list(chosen)
    rows = {ev.row for ev in chosen}
    pool = _pool(chosen, evidence, finder)
    owner: dict[int, int] = {}
    asks = finder.parse.asks if len(finder.parse.asks) > 1 else ()  # the best sentence was chosen for a lone ask
    for i, ask in enumerate(asks):
        held = [ev for ev in chosen if any(s.states for s in finder.spans(ev.sentence.text, ask))]
        main = [ev for ev in held if _in_main(ev, chosen)]
        best = main[0] if main else None
        if best is None:
            best = _part_best(finder, ask, evidence if scorer else pool, threshold, chosen, scorer)
            best = held[0] if held and (best is None or not _in_main(best, chosen)) else best
        if best is None:
            continue
        owner[i] = best.row
        if best.row not in rows:
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
    return chosen, owner


def _short(span: ShortSpan, citation: Citation, ask: int) -> ShortAnswer:
    return ShortAnswer(text=span.text, n=citation.n, label=span.label, chars=(span.start, span.end), ask=ask)


def short_answers(finder: SpanFinder, citations: list[Citation], focus: list[int],
                  owners: dict[int, int] | None = None) -> list[ShortAnswer]:
    """For each ask: its span in the first quote holding one (spans the asked noun stands for first, then
    linked ones; the quote of the ask's own sentence, which `owners` gives as a citation index, first),
    never a span an earlier ask took, or for a list every linked item across the quotes, up to the asked
    count. `focus`: where each quote's cited sentence starts (after an antecedent quoted with it), where
    spans are read."""
    out: list[ShortAnswer] = []
    seen: set[str] = set()
    owners = owners or {}
    for i, ask in enumerate(finder.parse.asks):
        order = list(range(len(citations)))
        if i in owners:
            order.remove(owners[i])
            order.insert(0, owners[i])
        found = [(s, citations[k]) for k in order for s in finder.spans(citations[k].quote, ask, focus[k])
                 if _key(s.text) not in seen]  # an earlier ask's answer does not answer this one
        if not found:
            continue
        if not (ask.several and len(finder.parse.asks) == 1):  # the asked noun standing for it, else linked
            titled = [(s, c) for s, c in found if s.titled]
            linked = [(s, c) for s, c in found if s.linked]
            found = (titled or linked or found)[:1]
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
