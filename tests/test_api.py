"""The HTTP API of `assistant serve`, against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import httpx
import pytest

from conftest import REPO
from processes import background_server, free_port

pytest.importorskip("fastapi")
pytest.importorskip("gradio")

BLINKEN = "Why was Blinken's trip postponed?"
NO2 = "Who is China's No. 2 leader?"
FOLLOW_UP = "What did he hope Washington would take?"


@pytest.fixture(scope="module")
def server(settings, assistant):
    from ui.testing import serve_in_thread

    with serve_in_thread(settings, free_port(), assistant=assistant) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def source_lines(client, file: str) -> dict[int, str]:
    r = client.get(f"/api/source/{file}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["file"] == file
    return {row["n"]: row["text"] for row in body["lines"]}


def assert_quotes_verbatim(client, citations: list[dict]) -> None:
    assert citations
    for c in citations:
        lines = source_lines(client, c["file"])
        a, b = c["lines"]
        span = "\n".join(lines[n] for n in range(a, b + 1))
        assert c["quote"] in span, (c, span)


# ---------------------------------------------------------------------------- /api/ask
def test_ask_answers_with_verbatim_citations(client, assistant):
    r = client.post("/api/ask", json={"question": BLINKEN})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == set(assistant.ask(BLINKEN).model_dump())  # exactly Answer.model_dump()
    assert "balloon" in body["answer"].lower()
    assert not body["abstained"]
    assert set(body["citations"][0]) == {"n", "file", "title", "lines", "chars", "quote", "score", "also_in"}
    assert "[1]" in body["answer"]
    assert_quotes_verbatim(client, body["citations"])
    assert body["timings_ms"]["total"] > 0


def test_follow_up_through_session_id(client):
    sid = f"test-{time.time_ns()}"
    first = client.post("/api/ask", json={"question": NO2, "session_id": sid}).json()
    assert "Li Qiang" in first["answer"]
    second = client.post("/api/ask", json={"question": FOLLOW_UP, "session_id": sid}).json()
    assert "concrete actions" in second["answer"]
    assert "Li Qiang" in second["query"]  # the pronoun was resolved from the session
    assert_quotes_verbatim(client, second["citations"])
    # Without the session the pronoun has no antecedent.
    alone = client.post("/api/ask", json={"question": FOLLOW_UP}).json()
    assert alone["query"] == FOLLOW_UP


def test_sessions_are_separate_and_capped(client, settings):
    from ui.core import Backend

    a, b = f"a-{time.time_ns()}", f"b-{time.time_ns()}"
    client.post("/api/ask", json={"question": NO2, "session_id": a})
    other = client.post("/api/ask", json={"question": FOLLOW_UP, "session_id": b}).json()
    assert other["query"] == FOLLOW_UP  # session b knows nothing of session a

    class Stub:  # the session table needs no real Assistant
        pass

    backend = Backend(Stub(), settings, max_sessions=3)  # type: ignore[arg-type]
    first = backend.session("s0")
    for i in range(1, 5):
        backend.session(f"s{i}")
    assert backend.session_count == 3
    assert backend.session("s0") is not first  # the oldest was dropped


@pytest.mark.parametrize("payload, fragment", [
    ({"question": ""}, "empty"),
    ({"question": "   "}, "empty"),
    ({"question": "x" * 2001}, "too long"),
    ({"question": "why\x00now?"}, "control"),
    ({"question": "Why?", "engine": "gpt"}, "engine"),
    ({"question": "Why?", "max_sources": 7}, "max_sources"),
    ({"question": 42}, "question"),
    ({}, "question"),
    ({"question": "Why?", "session_id": ""}, "session_id"),
])
def test_bad_input_is_400(client, payload, fragment):
    r = client.post("/api/ask", json=payload)
    assert r.status_code == 400, r.text
    assert fragment in r.json()["error"]


def test_llm_engine_refused_when_not_configured(client):
    r = client.post("/api/ask", json={"question": BLINKEN, "engine": "llm"})
    assert r.status_code == 400
    assert "llm" in r.json()["error"]


def test_body_that_is_not_json_is_400(client):
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "JSON" in r.json()["error"]


def test_warm_p50_latency(client):
    """20 warm requests; the p50 goes to test-output/api/latency.json (reported in docs/ui.md)."""
    questions = [BLINKEN, NO2, "Who will Wang Wentao meet?", "What did Raimondo discuss in Beijing?"]
    client.post("/api/ask", json={"question": BLINKEN})
    samples = []
    for i in range(20):
        t = time.perf_counter()
        r = client.post("/api/ask", json={"question": questions[i % len(questions)]})
        samples.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    p50 = statistics.median(samples)
    out = REPO / "test-output" / "api"
    out.mkdir(parents=True, exist_ok=True)
    report = {"requests": len(samples), "p50_ms": round(p50, 1), "p90_ms": round(sorted(samples)[17], 1),
              "max_ms": round(max(samples), 1)}
    (out / "latency.json").write_text(json.dumps(report, indent=2))
    print(f"\n/api/ask warm latency: {report}")
    assert p50 < 2000


# ---------------------------------------------------------------------------- documents
def test_docs_lists_the_corpus(client):
    docs = client.get("/api/docs").json()["documents"]
    assert len(docs) == 5
    for d in docs:
        assert set(d) >= {"file", "title", "outlet", "date", "chunks", "repairs", "duplicate_group", "is_original"}
        assert d["chunks"] >= 1
    copies = [d for d in docs if not d["is_original"]]
    assert copies and all(d["duplicate_group"] for d in copies)
    assert any(d["repairs"] for d in docs)


def test_source_returns_cleaned_text_with_line_numbers(client, assistant):
    file = "000_cd0e6218ea1c07a1.txt"
    lines = source_lines(client, file)
    assert list(lines) == list(range(1, len(lines) + 1))
    assert "\n".join(lines.values()) == assistant.documents[file].text


@pytest.mark.parametrize("path", [
    "/api/source/nope.txt",
    "/api/source/..%2F..%2Fetc%2Fpasswd",
    "/api/source/%2Fetc%2Fpasswd",
    "/api/source/..%2Fseeds%2F000_cd0e6218ea1c07a1.txt",
    "/api/source/.%2F000_cd0e6218ea1c07a1.txt",
    "/api/source/000_cd0e6218ea1c07a1.txt%00",
    "/api/source/000_CD0E6218EA1C07A1.TXT",
])
def test_source_refuses_anything_but_a_document_name(client, path):
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "root:" not in r.text
    assert "error" in r.json()


def test_dot_segments_do_not_escape(server):
    # A raw request line, not normalised by the client.
    import socket

    with socket.create_connection(("127.0.0.1", int(server.rsplit(":", 1)[1])), timeout=10) as s:
        s.sendall(b"GET /api/source/../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert b"root:" not in data
    assert data.split(b"\r\n", 1)[0].split()[1] in (b"404", b"400")


# ---------------------------------------------------------------------------- OpenAI-compatible
@pytest.fixture(scope="module")
def openai_client(server):
    openai = pytest.importorskip("openai")
    return openai.OpenAI(base_url=f"{server}/v1", api_key="x", max_retries=0, timeout=60)


def test_models_lists_one_model(openai_client):
    models = openai_client.models.list()
    assert [m.id for m in models.data] == ["article-assistant"]


def test_chat_completion(openai_client, client):
    resp = openai_client.chat.completions.create(model="article-assistant",
                                                 messages=[{"role": "user", "content": BLINKEN}])
    assert resp.object == "chat.completion"
    choice = resp.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert "balloon" in choice.message.content.lower()
    assert resp.usage.total_tokens > 0
    sources = resp.model_extra["sources"]
    assert sources and sources[0]["file"].endswith(".txt")
    assert_quotes_verbatim(client, sources)
    # a client that shows only `content` still shows where the answer comes from
    assert f"[1] {sources[0]['file']}, line" in choice.message.content


def test_chat_completion_uses_earlier_messages_as_context(openai_client):
    first = openai_client.chat.completions.create(model="article-assistant",
                                                  messages=[{"role": "user", "content": NO2}])
    messages = [{"role": "system", "content": "Answer from the articles."},
                {"role": "user", "content": NO2},
                {"role": "assistant", "content": first.choices[0].message.content},
                {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]}]
    resp = openai_client.chat.completions.create(model="article-assistant", messages=messages)
    assert "concrete actions" in resp.choices[0].message.content
    assert "Li Qiang" in resp.model_extra["query"]


def test_chat_completion_streams(openai_client):
    plain = openai_client.chat.completions.create(model="article-assistant",
                                                  messages=[{"role": "user", "content": BLINKEN}])
    stream = openai_client.chat.completions.create(model="article-assistant", stream=True,
                                                   messages=[{"role": "user", "content": BLINKEN}])
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    deltas = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert len(deltas) >= 2  # content arrives in several pieces
    assert "".join(deltas) == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert last.model_extra["sources"] == plain.model_extra["sources"]


def test_stream_is_server_sent_events_ending_in_done(client):
    with client.stream("POST", "/v1/chat/completions",
                       json={"model": "m", "stream": True, "messages": [{"role": "user", "content": BLINKEN}]}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    final = json.loads(events[-2][6:])
    assert final["choices"][0]["finish_reason"] == "stop" and final["sources"]


def test_chat_completion_errors(openai_client):
    import openai

    with pytest.raises(openai.BadRequestError):
        openai_client.chat.completions.create(model="m", messages=[{"role": "user", "content": ""}])
    with pytest.raises(openai.BadRequestError):
        openai_client.chat.completions.create(model="m", messages=[{"role": "assistant", "content": "hi"}])


# ---------------------------------------------------------------------------- XSS corpus
@pytest.fixture(scope="module")
def xss_server(tmp_path_factory, index_home):
    from ui.testing import make_xss_settings, serve_in_thread

    xss_settings = make_xss_settings(tmp_path_factory.mktemp("xss"), models_from=index_home)
    with serve_in_thread(xss_settings, free_port()) as url:
        yield url


def test_source_returns_markup_as_plain_text(xss_server):
    from ui.testing import XSS_QUESTION

    with httpx.Client(base_url=xss_server, timeout=60) as c:
        body = c.get("/api/source/city_council.txt").json()
        texts = [row["text"] for row in body["lines"]]
        assert "<script>window.__xss=1</script>" in texts[2]
        assert 'onerror="window.__xss=1"' in texts[0]
        r = c.get("/api/source/city_council.txt")
        assert r.headers["content-type"].startswith("application/json")
        answer = c.post("/api/ask", json={"question": XSS_QUESTION}).json()
        assert "<script>" in answer["citations"][0]["quote"]
        # The page itself puts the markup into HTML only escaped.
        from assistant.models import Answer
        from ui.render import answer_html

        html = answer_html(Answer.model_validate(answer), {})
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "<img" not in html


def test_render_escapes_every_document_string():
    from assistant.models import Document, DocumentMeta
    from ui.render import Target, corpus_html, viewer_html

    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    doc = Document(file="evil<b>.txt", text=f"{evil}\nsecond line {evil}", raw_sha256="0",
                   meta=DocumentMeta(title=evil, outlet=evil, date=evil), repairs=[evil])
    viewer = viewer_html(Target(doc.file, (2, 2), (len(evil) + 1, len(evil) + 12)), {doc.file: doc})
    panel = corpus_html([{"file": doc.file, "title": evil, "outlet": evil, "date": evil, "chunks": 1,
                          "repairs": [evil], "duplicate_group": "dup:" + evil, "is_original": False}], 1, 1, 1, 1)
    for html in (viewer, panel):
        assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert 'class="line cited"' in viewer and '<mark class="quote">' in viewer


# ---------------------------------------------------------------------------- the CLI + basic auth
@pytest.fixture(scope="module")
def auth_server(index_home):
    """`assistant serve` as a real subprocess, with basic auth on."""
    port = free_port()
    env = dict(os.environ, ASSISTANT_HOME=str(index_home), ASSISTANT_AUTH_USER="alice",
               ASSISTANT_AUTH_PASSWORD="s3cret", HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]  # this tree's code, from cwd
    with background_server(cmd, f"{url}/v1/models", 180,
                           ready_codes=(200, 401), env=env, cwd=REPO):
        yield url


@pytest.mark.parametrize("path", ["/api/docs", "/", "/v1/models", "/api/source/000_cd0e6218ea1c07a1.txt",
                                  "/gradio_api/info", "/config"])
def test_basic_auth_required(auth_server, path):
    r = httpx.get(auth_server + path, timeout=30)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")
    assert httpx.get(auth_server + path, auth=("alice", "wrong"), timeout=30).status_code == 401
    assert httpx.get(auth_server + path, auth=("bob", "s3cret"), timeout=30).status_code == 401


def test_basic_auth_lets_the_right_user_in(auth_server):
    ok = httpx.get(auth_server + "/api/docs", auth=("alice", "s3cret"), timeout=30)
    assert ok.status_code == 200 and len(ok.json()["documents"]) == 5
    page = httpx.get(auth_server + "/", auth=("alice", "s3cret"), timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    r = httpx.post(auth_server + "/api/ask", json={"question": BLINKEN}, auth=("alice", "s3cret"), timeout=60)
    assert "balloon" in r.json()["answer"]


def test_basic_auth_with_openai_client(auth_server):
    import base64

    openai = pytest.importorskip("openai")
    anonymous = openai.OpenAI(base_url=f"{auth_server}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        anonymous.chat.completions.create(model="m", messages=[{"role": "user", "content": BLINKEN}])
    token = base64.b64encode(b"alice:s3cret").decode()
    # The OpenAI client sends its own Authorization header; a proxy-style basic header replaces it.
    authed = openai.OpenAI(base_url=f"{auth_server}/v1", api_key="x", max_retries=0,
                           default_headers={"Authorization": f"Basic {token}"})
    resp = authed.chat.completions.create(model="m", messages=[{"role": "user", "content": BLINKEN}])
    assert "balloon" in resp.choices[0].message.content


def test_serve_binds_loopback_by_default(auth_server):
    port = int(auth_server.rsplit(":", 1)[1])
    out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout if _has("ss") else ""
    if not out:
        pytest.skip("ss not available")
    listening = [line for line in out.splitlines() if f":{port} " in line]
    assert listening and all("127.0.0.1:" in line for line in listening), listening


def _has(cmd: str) -> bool:
    from shutil import which

    return which(cmd) is not None
