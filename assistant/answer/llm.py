"""Optional LLM engine: any OpenAI-compatible chat server rewrites the evidence, the guard checks it.

The generator only ever sees numbered evidence sentences and is asked to cite them.
Whatever it says goes through `assistant.answer.guard`: a sentence reaches the user
only if the evidence it cites supports it. If nothing survives, or the server fails,
the user gets the extractive answer with `fallback=True` and a one-line note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx
import numpy as np

from assistant.answer.extractive import REDUNDANT_COSINE, SentenceTable, _prefer_original
from assistant.answer.guard import Source, Verdict, check_claims, parse_reply
from assistant.models import Answer, Citation
from assistant.retrieve.evidence import Evidence
from assistant.settings import Settings

log = logging.getLogger(__name__)

MAX_EVIDENCE = 6
# Evidence scoring below this share of the best sentence is left out: it only distracts a small model.
EVIDENCE_RATIO = 0.6
MAX_TOKENS = 200
TEMPERATURE = 0.0
UNSUPPORTED_NOTE = "LLM answer unsupported by the articles; showing extractive answer"

SYSTEM_PROMPT = ("You are a careful assistant that answers questions about news articles. "
                 "You use only the numbered evidence you are given and never add facts of your own.")
# Asked to open each line with its evidence number, SmolLM2-135M cites far more often than when asked to
# end sentences with [n] (measured in docs/llm.md); the parser accepts markers on either side. A literal
# "[1] <sentence>" example made it copy the placeholder and number its lines instead of citing.
INSTRUCTIONS = ("Answer the question in 1 to 3 short sentences, one per line, using only the evidence above. "
                "Start each line with the number of the evidence it comes from in square brackets: "
                "[1] for evidence 1, [2] for evidence 2.")


class LLMError(RuntimeError):
    """The chat server could not give an answer (down, timeout, bad reply)."""


@dataclass
class Numbered:
    n: int
    row: int  # sentence row actually quoted (the original's, within a duplicate group)
    also_in: list[str] = field(default_factory=list)


def chat_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def select_evidence(scored: list[Evidence], table: SentenceTable, limit: int = MAX_EVIDENCE,
                    ratio: float = EVIDENCE_RATIO) -> list[Numbered]:
    """The best evidence sentences, originals preferred, near-repeats left out, numbered 1..n."""
    chosen: list[Numbered] = []
    if not scored:
        return chosen
    top = scored[0].score
    for ev in scored:
        if len(chosen) >= limit or ev.score < ratio * top:
            break
        row, also_in = _prefer_original(table, ev)
        if any(c.row == row or float(table.vectors[c.row] @ table.vectors[row]) >= REDUNDANT_COSINE for c in chosen):
            continue
        chosen.append(Numbered(len(chosen) + 1, row, also_in))
    return chosen


def build_messages(question: str, evidence: list[str]) -> list[dict[str, str]]:
    lines = "\n".join(f"[{i}] {text}" for i, text in enumerate(evidence, start=1))
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Evidence:\n{lines}\n\nQuestion: {question}\n\n{INSTRUCTIONS}"}]


def complete(messages: list[dict[str, str]], settings: Settings) -> str:
    """One chat completion from settings.llm_url; LLMError with a one-line reason on any failure."""
    if not settings.llm_url:
        raise LLMError("no LLM server configured (set ASSISTANT_LLM_URL)")
    url = chat_url(settings.llm_url)
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    body = {"model": settings.llm_model, "messages": messages, "temperature": TEMPERATURE,
            "max_tokens": MAX_TOKENS, "stream": False}
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=settings.llm_timeout)
    except httpx.TimeoutException:
        raise LLMError(f"LLM server at {settings.llm_url} timed out after {settings.llm_timeout:g} s") from None
    except httpx.HTTPError as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise LLMError(f"LLM server at {settings.llm_url} unreachable: {reason}") from None
    if response.status_code != 200:
        raise LLMError(f"LLM server answered HTTP {response.status_code}: {' '.join(response.text.split())[:160]}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("LLM server sent a reply that is not an OpenAI chat completion") from None
    if not isinstance(content, str) or not content.strip():
        raise LLMError("LLM server sent an empty answer")
    return content


def _encoder(settings: Settings):
    from assistant.index.embedder import onnx_path, query_encoder

    return query_encoder(onnx_path(settings))


def _fallback(fallback: Answer, note: str) -> Answer:
    return fallback.model_copy(update={"engine": "llm", "fallback": True, "note": note})


def compose_answer(verdicts: list[Verdict], numbered: list[Numbered], table: SentenceTable, query: str,
                   max_sentences: int) -> Answer | None:
    """The kept sentences with their citations renumbered 1..k; None if nothing was kept."""
    by_n = {e.n: e for e in numbered}
    renumber: dict[int, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    seen: set[str] = set()
    for v in verdicts:
        if not v.kept or len(parts) >= max_sentences:
            continue
        key = " ".join(v.claim.text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        marks = []
        for n in v.cited:
            if n not in renumber:
                renumber[n] = len(renumber) + 1
                e = by_n[n]
                s = table.sentences[e.row]
                doc = table.documents[s.file]
                citations.append(Citation(n=renumber[n], file=s.file, title=doc.meta.title,
                                          lines=(s.line_start, s.line_end), chars=(s.start, s.end), quote=s.text,
                                          score=v.score, also_in=e.also_in))
            else:
                c = citations[renumber[n] - 1]
                c.score = max(c.score, v.score)
            marks.append(f"[{renumber[n]}]")
        parts.append(f"{v.claim.text} {''.join(marks)}")
    if not parts:
        return None
    return Answer(answer=" ".join(parts), abstained=False, fallback=False, query=query, engine="llm",
                  citations=citations)


def answer_with_llm(question: str, query: str, scored: list[Evidence], table: SentenceTable, settings: Settings,
                    fallback: Answer, history=None) -> Answer:
    """A generated answer in which every sentence is supported by the evidence it cites, else the fallback."""
    if fallback.abstained:
        return fallback.model_copy(update={"engine": "llm"})  # evidence too weak: the LLM never answers alone
    numbered = select_evidence(scored, table)
    if not numbered:
        return _fallback(fallback, UNSUPPORTED_NOTE)
    texts = [table.sentences[e.row].text for e in numbered]
    asked = question if query == question else query  # a follow-up's standalone form carries its context
    try:
        reply = complete(build_messages(asked, texts), settings)
    except LLMError as e:
        log.warning("LLM engine failed, showing the extractive answer: %s", e)
        return _fallback(fallback, str(e))
    sources = {e.n: Source(e.n, text, np.asarray(table.vectors[e.row])) for e, text in zip(numbered, texts)}
    claims = parse_reply(reply)
    verdicts = check_claims(claims, sources, _encoder(settings).encode, settings.llm_support_threshold)
    for v in verdicts:
        if v.kept:
            log.info("LLM sentence kept (support %.2f, cites %s): %s", v.score, v.cited, v.claim.text)
        else:
            log.info("LLM sentence dropped (%s; support %.2f): %s", v.reason, v.score, v.claim.text)
    answer = compose_answer(verdicts, numbered, table, query, settings.max_answer_sentences)
    if answer is None:
        log.info("no LLM sentence survived the guard (%d dropped); showing the extractive answer", len(verdicts))
        return _fallback(fallback, UNSUPPORTED_NOTE)
    dropped = sum(not v.kept for v in verdicts)
    if dropped:
        answer.note = f"{dropped} unsupported LLM sentence{'s' if dropped > 1 else ''} left out"
    return answer
