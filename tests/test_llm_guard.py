"""The LLM engine against a real local llama.cpp server (SmolLM2-135M): nothing unsupported reaches the user.

No mocks: a real OpenAI-compatible server generates, the real index supplies the
evidence, the real MiniLM encoder scores support. SmolLM2-135M hallucinates freely on
every question, which is what makes it a good adversary for the guard — the one thing
it tests that Qwen2.5-1.5B (tests/test_llm_qwen.py, a model that can answer) does not.
A model pushed to lie is tested with Qwen there.
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from answer_checks import assert_every_sentence_supported, sentences_with_marks
from llm_server import llm_server, unavailable_reason

QUESTIONS = [
    "Which company's smartphone business was crippled by the curbs?",
    "Why was Blinken's trip postponed?",
    "Who is China's No. 2 leader?",
    "Who will Wang Wentao meet next week?",
]
NOT_IN_ARTICLES = "What is the capital of France?"
FALLBACK_NOTE = "LLM answer unsupported by the articles; showing extractive answer"

_reason = unavailable_reason()  # the server tests skip with this reason; the fallback tests always run


def test_the_support_check_itself_catches_an_invented_name_and_an_unmarked_sentence(assistant):
    """The acceptance checks below are not vacuous: they fail on the answers the guard must stop."""
    good = assistant.ask(QUESTIONS[0], engine="extractive")
    assert "Huawei" in good.answer
    assert_every_sentence_supported(good, assistant)
    with pytest.raises(AssertionError, match="Samsung"):
        assert_every_sentence_supported(good.model_copy(update={"answer": good.answer.replace("Huawei", "Samsung")}),
                                        assistant)
    with pytest.raises(AssertionError, match="unmarked"):
        assert_every_sentence_supported(good.model_copy(update={"answer": good.answer + " Samsung did it."}),
                                        assistant)


# ---------------------------------------------------------------------------- the real server
@pytest.fixture(scope="module")
def llm_url():
    if _reason is not None:
        pytest.skip(f"no local LLM server: {_reason}")
    with llm_server() as url:
        yield url


@pytest.fixture(scope="module")
def llm_assistant(settings, llm_url):
    from assistant.service import Assistant

    # generous: on a loaded 2-core machine a first call can take tens of seconds
    return Assistant(settings.model_copy(update={"llm_url": llm_url, "engine": "llm", "llm_timeout": 300}))


@pytest.fixture(scope="module")
def asked(llm_assistant, assistant):
    """question -> (llm answer, extractive answer, guard log lines), asked once for the module."""
    llm_log = logging.getLogger("assistant.answer.llm")
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(logging.INFO)
    old_level = llm_log.level
    llm_log.addHandler(handler)
    llm_log.setLevel(logging.INFO)
    out = {}
    try:
        for q in QUESTIONS:
            start = len(records)
            out[q] = (llm_assistant.ask(q), assistant.ask(q, engine="extractive"),
                      [r.getMessage() for r in records[start:]])
    finally:
        llm_log.removeHandler(handler)
        llm_log.setLevel(old_level)
    kept = sum(m.startswith("LLM sentence kept") for *_, log in out.values() for m in log)
    dropped = sum(m.startswith("LLM sentence dropped") for *_, log in out.values() for m in log)
    print(f"\nSmolLM2 guard: {kept} sentences kept, {dropped} dropped over {len(QUESTIONS)} questions")
    return out


@pytest.mark.llm_server
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_sentence_of_an_llm_answer_is_supported(question, asked, assistant):
    answer, extractive, log = asked[question]
    assert answer.engine == "llm"
    assert any(m.startswith(("LLM sentence", "no LLM sentence", "LLM refused")) for m in log), "the reply was judged"
    if answer.abstained:  # the model said "not stated", or nothing survived over weak evidence: a refusal
        assert answer.answer == "The articles don't say." and answer.citations == [] and answer.note
        return
    assert_every_sentence_supported(answer, assistant)
    if answer.fallback:  # the guard rejected everything: the user gets exactly the extractive answer
        assert answer.note == FALLBACK_NOTE
        assert answer.answer == extractive.answer
        assert answer.citations == extractive.citations
    else:
        from assistant.answer.lead import split_lead

        kept = [m for m in log if m.startswith("LLM sentence kept")]
        _, written = split_lead(answer.answer, answer.short_answers)  # the lead is a quoted span, not a claim
        quotes = [" ".join(c.quote.split()) for c in answer.citations]  # a bare answer's sentence, an extractive quote
        claims = [s for s, _ in sentences_with_marks(written) if not any(s.strip(" .") in q for q in quotes)]
        assert kept and len(claims) <= len(kept)  # verbatim copies count with the quotes
        if not any(m.startswith("extractive quote added") for m in log):  # those cite by the extractive score
            assert all(c.score >= assistant.settings.llm_support_threshold for c in answer.citations)


@pytest.mark.llm_server
def test_the_guard_judged_real_output_and_dropped_what_was_unsupported(asked):
    messages = [m for *_, log in asked.values() for m in log]
    judged = [m for m in messages if m.startswith("LLM sentence")]
    assert judged, "SmolLM2 produced no sentence at all"
    for m in messages:
        if m.startswith("LLM sentence dropped"):
            assert "(" in m  # every drop carries its reason


@pytest.mark.llm_server
def test_no_llm_call_without_evidence(llm_assistant):
    answer = llm_assistant.ask(NOT_IN_ARTICLES)
    assert answer.abstained and answer.engine == "llm" and not answer.fallback
    assert answer.answer == "The articles don't say." and answer.citations == []


# ---------------------------------------------------------------------------- server down or broken
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


def _assert_fallback(answer, extractive, contains: str) -> None:
    assert answer.fallback and answer.engine == "llm" and not answer.abstained
    assert answer.answer == extractive.answer and answer.citations == extractive.citations
    assert answer.note and "\n" not in answer.note and contains in answer.note


def test_server_down_falls_back_with_a_one_line_note(settings, assistant):
    from assistant.service import Assistant

    down = Assistant(settings.model_copy(update={"llm_url": f"http://127.0.0.1:{_closed_port()}",
                                                 "engine": "llm", "llm_timeout": 5}))
    question = QUESTIONS[1]
    _assert_fallback(down.ask(question), assistant.ask(question, engine="extractive"), "unreachable")


def test_a_silent_server_times_out_into_the_fallback(settings, assistant):
    from assistant.service import Assistant

    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        silent = Assistant(settings.model_copy(update={"llm_url": url, "engine": "llm", "llm_timeout": 1}))
        question = QUESTIONS[2]
        _assert_fallback(silent.ask(question), assistant.ask(question, engine="extractive"), "timed out")


def test_a_broken_server_falls_back(settings, assistant):
    from assistant.service import Assistant

    class Broken(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"model exploded\nwith a traceback")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        broken = Assistant(settings.model_copy(update={"llm_url": url, "engine": "llm"}))
        question = QUESTIONS[3]
        _assert_fallback(broken.ask(question), assistant.ask(question, engine="extractive"), "HTTP 500")
    finally:
        server.shutdown()
        server.server_close()
