"""Benchmark the LLM engine against the extractive one on a gold set: quality, refusals, guard, latency.

Asks every case of the gold file (single questions and conversation turns) with both
engines through `Assistant.ask`, scores them with the eval's own rules
(`eval/metrics.score_case`), and prints one JSON object: per engine the pass rate on
answerable cases, the refusal rate on unanswerable ones, fallbacks, latency p50/p95 and,
for the LLM, time to the first streamed sentence, the guard's time per sentence and
its kept/dropped counts by reason. `--dump FILE` writes every judged LLM sentence with
its verdict and the evidence it cites, for counting hallucinations by hand.
`--replies FILE` records every raw model reply (keyed by the prompt, with its prompt and reply token
counts, time to first token and total time) and replays it on the next run with the same prompt, so guard changes are re-scored without running the model again
(latencies of replayed cases are not model latencies). Asserts nothing.

    python bench/bench_llm.py --llm-url http://127.0.0.1:8080 [--gold eval/gold.jsonl]
        [--home DIR --corpus DIR] [--limit N] [--stride N] [--offset N] [--dump cases.jsonl] [--replies replies.jsonl]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answer import llm as llm_engine  # noqa: E402
from assistant.chat.session import Conversation  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from eval import metrics as M  # noqa: E402


class Judged(logging.Handler):
    """Collects the guard's verdict lines (assistant.answer.llm logs one per sentence)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _timed_guard(original, seconds: list[float]):
    def timed(*args, **kwargs):
        t = time.perf_counter()
        out = original(*args, **kwargs)
        seconds.append(time.perf_counter() - t)
        return out

    return timed


def _reason(line: str) -> str:
    if line.startswith("LLM sentence kept"):
        return "kept"
    if line.startswith("LLM refused"):
        return "refused"
    body = line.split("(", 1)[1] if "(" in line else line
    return body.split(":")[0].split(";")[0].strip()


class Replies:
    """Raw model replies by prompt: recorded from the server once, replayed after (one JSONL row per prompt)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, str] = {}
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                row = json.loads(line)
                self.known[row["key"]] = (row["reply"], row.get("complete", True))
        self.replayed = self.recorded = self.short = 0

    @staticmethod
    def key(messages: list[dict[str, str]]) -> str:
        return hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def _record(self, key: str, messages: list[dict[str, str]], reply: str, complete: bool, timing: dict) -> None:
        self.known[key] = (reply, complete)
        self.recorded += 1
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "user": messages[-1]["content"][-300:], "reply": reply,
                                "complete": complete, **timing}, ensure_ascii=False) + "\n")

    def wrap(self, original):
        def stream(messages, settings):
            key = self.key(messages)
            if key in self.known:
                reply, complete = self.known[key]
                self.replayed += 1
                yield from _pieces(reply)
                # the engine read past where the recording stopped (it stopped reading earlier then)
                self.short += not complete
                return
            got: list[str] = []
            complete = None
            start, first = time.perf_counter(), None
            try:
                for piece in original(messages, settings):
                    first = first or time.perf_counter()
                    got.append(piece)
                    yield piece
                complete = True
            except GeneratorExit:  # the engine stopped reading early: what it read is all it reads on replay
                complete = False
                raise
            finally:
                if complete is not None and got:  # an error records nothing: it is retried next run
                    end = time.perf_counter()
                    timing = {"first_token_s": round(first - start, 3), "total_s": round(end - start, 3),
                              "prompt_tokens": _count_tokens(settings.llm_url, _prompt_text(messages)),
                              "reply_tokens": _count_tokens(settings.llm_url, "".join(got))}
                    self._record(key, messages, "".join(got), complete, timing)

        return stream


def _prompt_text(messages: list[dict[str, str]]) -> str:
    return "\n".join(m["content"] for m in messages)


def _count_tokens(url: str | None, text: str) -> int | None:
    """Tokens of `text` by the server's own tokenizer (llama.cpp's /extras/tokenize); None elsewhere.
    The prompt count excludes the few tokens of the chat template."""
    import httpx

    try:
        r = httpx.post(f"{(url or '').rstrip('/')}/extras/tokenize", json={"input": text}, timeout=10)
        return len(r.json()["tokens"]) if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError, KeyError):
        return None


def _pieces(text: str):
    """A recorded reply as a stream of small pieces, as a server sends it (the guard judges as they arrive)."""
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word + (" " if i < len(words) - 1 else "")


class Dump(list):
    """Judged cases, each also appended to a JSONL file at once (a long run can be read while it goes)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        path.write_text("", "utf-8")

    def append(self, row: dict) -> None:
        super().append(row)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_engine(assistant: Assistant, items, engine: str, dump: list[dict] | None) -> dict:
    judged = Judged()
    log = logging.getLogger("assistant.answer.llm")
    log.addHandler(judged)
    log.setLevel(logging.INFO)
    guard_s: list[float] = []
    original = llm_engine.check_claims
    llm_engine.check_claims = _timed_guard(original, guard_s)
    records, first_ms, reasons = [], [], Counter()
    try:
        for item in items:
            conversation = Conversation() if item.is_conversation else None
            for case in item.cases:
                start, first = time.perf_counter(), []
                judged.lines.clear()
                answer = assistant.ask(case.question, conversation=conversation, engine=engine,
                                       on_sentence=lambda _p: first or first.append(time.perf_counter()))
                latency = (time.perf_counter() - start) * 1000
                hits, _, _ = assistant.evidence(answer.query)
                files = list(dict.fromkeys(h.chunk.file for h in hits))
                rec = M.score_case(case, answer, files, assistant.documents, latency, engine)
                rec["note"] = answer.note
                records.append(rec)
                if first:
                    first_ms.append((first[0] - start) * 1000)
                reasons.update(_reason(line) for line in judged.lines if line.startswith(("LLM sentence", "LLM refused")))
                if dump is not None:
                    dump.append({"engine": engine, "key": case.key, "question": case.question, "query": answer.query,
                                 "latency_ms": round(latency, 1), "first_ms": round((first[0] - start) * 1000, 1)
                                 if first else None,
                                 "answerable": case.answerable, "passed": rec["passed"], "answer": answer.answer,
                                 "fallback": answer.fallback, "abstained": answer.abstained, "note": answer.note,
                                 "judged": [line for line in judged.lines if line.startswith("LLM ")],
                                 "citations": [{"n": c.n, "quote": c.quote} for c in answer.citations]})
    finally:
        llm_engine.check_claims = original
        log.removeHandler(judged)
    return summarise(records, first_ms, guard_s, reasons, engine)


def summarise(records: list[dict], first_ms: list[float], guard_s: list[float], reasons: Counter,
              engine: str) -> dict:
    ans = [r for r in records if r["answerable"]]
    una = [r for r in records if not r["answerable"]]
    lat = [r["latency_ms"] for r in records]
    out = {"cases": len(records), "pass_rate": _share(r["passed"] for r in records),
           "answerable_pass_rate": _share(r["passed"] for r in ans), "answerable": len(ans),
           "unanswerable_refused": _share(r["abstained"] for r in una), "unanswerable": len(una),
           "false_refusals": sum(r["abstained"] for r in ans),
           "latency_p50_ms": M.percentile(lat, 50), "latency_p95_ms": M.percentile(lat, 95)}
    if engine == "llm":
        notes = Counter(r["note"].split(":")[0] for r in records if r.get("note"))
        out.update({"fallbacks": sum(r["fallback"] for r in records), "notes": dict(notes),
                    "first_sentence_p50_ms": M.percentile(first_ms, 50) if first_ms else None,
                    "first_sentence_p95_ms": M.percentile(first_ms, 95) if first_ms else None,
                    "guard_ms_per_sentence_p95": M.percentile([s * 1000 for s in guard_s], 95) if guard_s else None,
                    "sentences": dict(reasons)})
    return out


def _share(flags) -> float | None:
    flags = [bool(f) for f in flags]
    return round(sum(flags) / len(flags), 4) if flags else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-url", required=True)
    parser.add_argument("--gold", type=Path, default=REPO / "eval" / "gold.jsonl")
    parser.add_argument("--home", type=Path, help="ASSISTANT_HOME with the gold set's index (default: settings)")
    parser.add_argument("--corpus", type=Path, help="the gold set's corpus folder (default: settings)")
    parser.add_argument("--limit", type=int, help="only the first N gold items")
    parser.add_argument("--stride", type=int, default=1, help="only every Nth gold item (a spread-out sample)")
    parser.add_argument("--offset", type=int, default=0, help="start the stride at this item (another sample)")
    parser.add_argument("--engines", default="extractive,llm")
    parser.add_argument("--dump", type=Path, help="write every judged LLM sentence here (JSONL)")
    parser.add_argument("--replies", type=Path, help="record raw model replies here, and replay those recorded")
    args = parser.parse_args()
    if args.replies:
        replies = Replies(args.replies)
        llm_engine.stream_completion = replies.wrap(llm_engine.stream_completion)
    update = {"llm_url": args.llm_url}
    update.update({k: v for k, v in (("home", args.home), ("corpus", args.corpus)) if v is not None})
    settings = Settings().model_copy(update=update)
    assistant = Assistant.open(settings)
    assistant.ask("warm up the index")
    items = M.load_gold(args.gold)[: args.limit][args.offset :: args.stride]
    dump = Dump(args.dump) if args.dump else None
    result = {"gold": str(args.gold), "settings": {"llm_passage_tokens": settings.llm_passage_tokens,
                                                   "llm_weak_evidence": settings.llm_weak_evidence,
                                                   "llm_weak_support": settings.llm_weak_support}}
    for engine in args.engines.split(","):
        result[engine] = run_engine(assistant, items, engine, dump)
    if args.replies:
        result["replies"] = {"replayed": replies.replayed, "recorded": replies.recorded,
                             "replayed_past_their_end": replies.short}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
