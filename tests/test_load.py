"""Concurrency: many conversations at once get their own follow-ups and no errors, and an LLM
call in flight never holds up extractive questions. Counts only: timings live in
bench/bench_load.py."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from conftest import REPO
from processes import free_port

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def server(settings, assistant):
    from ui.testing import serve_in_thread

    with serve_in_thread(settings, free_port(), assistant=assistant) as url:
        yield url


def test_concurrent_conversations_have_no_errors_and_never_cross(server):
    from ui.load import openers_from, run_load

    openers = openers_from(REPO / "eval" / "gold.jsonl", [])
    report = run_load(server, sessions=8, seconds=600, openers=openers, max_requests_per_session=12)
    assert report.requests == 8 * 12
    assert report.errors == 0, report.error_samples
    assert report.follow_ups_checked >= 8 * 6
    assert report.leaks == 0, report.leak_samples


class SlowChat(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that answers only when the test says so."""

    arrived = threading.Event()
    release = threading.Event()

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        SlowChat.arrived.set()
        SlowChat.release.wait(120)
        body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "slow",
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": "No idea."}}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_llm_call_in_flight_does_not_block_extractive_questions(settings):
    from assistant.service import Assistant
    from ui.core import Backend

    slow = ThreadingHTTPServer(("127.0.0.1", 0), SlowChat)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    llm_settings = settings.model_copy(update={"llm_url": f"http://127.0.0.1:{slow.server_port}/v1",
                                               "llm_timeout": 120.0, "workers": 1})
    backend = Backend(Assistant(llm_settings), llm_settings)
    llm_done = threading.Event()

    def ask_llm():
        try:
            backend.ask("Why was Blinken's trip postponed?", engine="llm")
        finally:
            llm_done.set()

    try:
        threading.Thread(target=ask_llm, daemon=True).start()
        assert SlowChat.arrived.wait(60), "the LLM request never reached the server"
        answers = [backend.ask(q, engine="extractive") for q in
                   ("Who is China's No. 2 leader?", "Why was Blinken's trip postponed?", "Who will Wang Wentao meet?")]
        assert not llm_done.is_set()  # the LLM call is still waiting...
        assert all(a.engine == "extractive" and (a.citations or a.abstained) for a in answers)  # ...yet these came back
    finally:
        SlowChat.release.set()
        assert llm_done.wait(60)
        slow.shutdown()


def test_a_question_parsed_ahead_is_parsed_once_and_read_by_every_thread(monkeypatch):
    """The server starts a question's parse while embedding it; whoever reads the parse then
    (several request threads at once) gets that very parse, never a second one."""
    from concurrent.futures import ThreadPoolExecutor

    from assistant.retrieve import spacy_pipeline

    nlp = spacy_pipeline.pipeline()
    calls: list[str] = []
    real = type(nlp).__call__
    monkeypatch.setattr(type(nlp), "__call__", lambda self, text, **kw: calls.append(text) or real(self, text, **kw))
    question = f"Which firm did Anna Berg join in {time.time_ns()}?"
    spacy_pipeline.parse_ahead([question])
    spacy_pipeline.parse_ahead([question])
    with ThreadPoolExecutor(4) as pool:
        docs = list(pool.map(spacy_pipeline.parse, [question] * 8))
    assert calls == [question]
    assert all(doc is docs[0] for doc in docs) and [e.text for e in docs[0].ents][:1] == ["Anna Berg"]

    piped: list[list[str]] = []
    pipe = nlp.pipe
    monkeypatch.setattr(nlp, "pipe", lambda texts, **kw: pipe(piped.append(list(texts)) or texts, **kw))
    asks = [f"Who founded Kahn Foods in {time.time_ns()}?", "and where is it based?"]
    spacy_pipeline.parse_ahead(asks)  # a question and the asks it will be cut into: parsed in one call
    assert [d.text for d in spacy_pipeline.parse_all(asks)] == asks
    assert piped == [asks] and len(calls) == 1
