"""Benchmark `ask`: cold (a new process per question, index built) and warm (one process).

Prints numbers; asserts nothing. Usage: python bench/bench_ask.py [--cold N] [--warm N]
[--uncached] [--no-spans] [--gold FILE]. `--gold` asks a gold set's questions (e.g. the BBC set,
with ASSISTANT_HOME / ASSISTANT_CORPUS pointing at that corpus) instead of the five seeds questions. `--uncached` forgets spaCy's parses before every question, as on a
large corpus where each question brings new candidate sentences; `--no-spans` switches the
short-answer reader off (cold runs get ASSISTANT_SPAN_READER=0), to measure what it costs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Why was Blinken's trip postponed?",
    "Who is China's No. 2 leader?",
    "Which company's smartphone business was crippled by the curbs?",
    "Where did Wang Yi meet Jake Sullivan?",
    "Who won the 2024 US presidential election?",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def gold_questions(path: Path) -> list[str]:
    """A gold set's single questions and each conversation's first turn (they stand alone)."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [item["question"] if "question" in item else item["turns"][0]["question"] for item in items]


def compile_bytecode() -> None:
    """Cold runs start from compiled bytecode, as after `pip install` or any earlier run: with
    PYTHONDONTWRITEBYTECODE set (as on the team's machines) an editable checkout would otherwise
    recompile its ~40 modules in every process, ~0.12 s a cold `ask` a user does not pay."""
    import compileall

    compileall.compile_dir(str(REPO / "assistant"), quiet=1)


def cold(n: int, spans: bool = True) -> list[float]:
    compile_bytecode()
    times = []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **({} if spans else {"ASSISTANT_SPAN_READER": "0"})}
    for i in range(n):
        start = time.perf_counter()  # this tree's code, as `ask` would run it
        subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "--json", QUESTIONS[i % len(QUESTIONS)]],
                       check=True, capture_output=True, cwd=REPO, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return times


def warm(n: int, uncached: bool = False, spans: bool = True) -> tuple[list[float], dict[str, float]]:
    from assistant.retrieve.question import parse_question
    from assistant.service import Assistant
    from assistant.settings import Settings

    assistant = Assistant.open(Settings(span_reader=spans))
    assistant.warm_up()  # as `assistant serve` does at start
    assistant.ask(QUESTIONS[0])
    times, stages = [], {}
    for i in range(n):
        if uncached:
            assistant.annotations.clear()
            parse_question.cache_clear()
        start = time.perf_counter()
        answer = assistant.ask(QUESTIONS[i % len(QUESTIONS)])
        times.append((time.perf_counter() - start) * 1000)
        for k, v in answer.timings_ms.items():
            stages.setdefault(k, []).append(v)
    return times, {k: statistics.median(v) for k, v in stages.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cold", type=int, default=10)
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("--uncached", action="store_true")
    parser.add_argument("--no-spans", action="store_true")
    parser.add_argument("--gold", type=Path, help="ask this gold set's questions (jsonl)")
    args = parser.parse_args()
    if args.gold:
        QUESTIONS[:] = gold_questions(args.gold)
    from assistant.service import Assistant

    Assistant.open()  # build the index first if needed, outside the timings
    cold_ms = cold(args.cold, not args.no_spans) if args.cold else [0.0]
    warm_ms, stages = warm(args.warm, args.uncached, not args.no_spans)
    result = {
        "cold_ask_ms": {"p50": round(statistics.median(cold_ms)), "p95": round(percentile(cold_ms, 95)), "n": len(cold_ms)},
        "warm_ask_ms": {"p50": round(statistics.median(warm_ms), 2), "p95": round(percentile(warm_ms, 95), 2),
                        "n": len(warm_ms)},
        "warm_stage_p50_ms": {k: round(v, 2) for k, v in stages.items()},
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
