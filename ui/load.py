"""Conversational load against a running server (loopback only): bench/bench_load.py and
tests/test_load.py both use it.

Each simulated user holds its own `session_id` and asks an opening question and then
follow-ups ("What did he say?"). A follow-up's rewritten query is predictable from the
session's own earlier turns (the same `standalone_query` the server runs), so a query
that differs means the server mixed up two conversations: that is counted as a leak.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

from assistant.chat.followup import Turn, standalone_query

FOLLOW_UPS = ("What did he say?", "And why?", "When did that happen?")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
REQUEST_TIMEOUT = 120.0


@dataclass
class LoadReport:
    sessions: int
    seconds: float
    requests: int = 0
    errors: int = 0
    follow_ups_checked: int = 0
    leaks: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    throughput_rps: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    leak_samples: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def openers_from(path: Path | None, titles: list[str]) -> list[str]:
    """Opening questions: a JSONL file's "question" fields if given, else one per article title."""
    if path is not None:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        questions = [r["question"] for r in rows if isinstance(r.get("question"), str)]
        if questions:
            return questions
    return [f"What does \u201c{t}\u201d report?" for t in titles if t]


def check_loopback(url: str) -> None:
    if urlparse(url).hostname not in LOOPBACK:
        raise ValueError(f"load is only sent to a server on this machine (got {url})")


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.checked = 0
        self.leaks: list[dict] = []

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _user(client: httpx.Client, user: int, openers: list[str], deadline: float, tally: _Tally,
          max_requests: int | None) -> None:
    n = 0
    while time.monotonic() < deadline and (max_requests is None or n < max_requests):
        sid = f"load-{user}-{n}"
        history: list[Turn] = []
        for question in (openers[(user * 7 + n) % len(openers)], *FOLLOW_UPS):
            if time.monotonic() >= deadline or (max_requests is not None and n >= max_requests):
                return
            n += 1
            expected = standalone_query(" ".join(question.split()), history)
            started = time.perf_counter()
            try:
                r = client.post("/api/ask", json={"question": question, "session_id": sid})
            except httpx.HTTPError as e:
                tally.error(f"{type(e).__name__}: {e}")
                break
            elapsed = (time.perf_counter() - started) * 1000
            if r.status_code != 200:
                tally.error(f"HTTP {r.status_code}: {r.text[:200]}")
                break
            body = r.json()
            with tally.lock:
                tally.latencies.append(elapsed)
                if history:
                    tally.checked += 1
                    if body["query"] != expected:
                        tally.leaks.append({"session": sid, "question": question, "expected": expected,
                                            "got": body["query"]})
            history.append(Turn(" ".join(question.split()), body["query"], body["answer"], body["abstained"]))


def run_load(url: str, sessions: int, seconds: float, openers: list[str], auth: tuple[str, str] | None = None,
             max_requests_per_session: int | None = None) -> LoadReport:
    """`sessions` users in parallel for `seconds` (or until each has sent its maximum)."""
    check_loopback(url)
    if not openers:
        raise ValueError("no opening questions")
    tally = _Tally()
    started = time.monotonic()
    deadline = started + seconds
    clients = [httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, auth=auth) for _ in range(sessions)]
    threads = [threading.Thread(target=_user, args=(c, i, openers, deadline, tally, max_requests_per_session),
                                name=f"load-user-{i}", daemon=True) for i, c in enumerate(clients)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + REQUEST_TIMEOUT + 10)
    finally:
        for c in clients:
            c.close()
    elapsed = time.monotonic() - started
    done = len(tally.latencies)
    return LoadReport(sessions=sessions, seconds=round(elapsed, 1), requests=done + len(tally.errors),
                      errors=len(tally.errors), follow_ups_checked=tally.checked, leaks=len(tally.leaks),
                      p50_ms=round(statistics.median(tally.latencies), 1) if done else 0.0,
                      p95_ms=round(percentile(tally.latencies, 95), 1), throughput_rps=round(done / elapsed, 2),
                      error_samples=tally.errors[:5], leak_samples=tally.leaks[:5])
