"""Faults: a Chroma server that is down at start or goes away mid-session, `kill -9` during a
question and during eval, a read-only or full data folder. Each time: a one-line error, the
previous index intact, and the next run (or the running server) works again by itself."""

from __future__ import annotations

import json
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from chroma_server import chroma_server
from conftest import REPO, SEEDS
from processes import background_server, free_port
from unprivileged import can_drop, obeying_permissions

BLINKEN = "Why was Blinken's trip postponed?"
RECOVERY_SECONDS = 60


def run_cli(args: list[str], env: dict[str, str], timeout: int = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, **kw)


def assert_one_line(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def poll(url: str, want: int, body: dict | None = None, timeout: float = RECOVERY_SECONDS) -> httpx.Response:
    """GET (or POST body) until the status is `want` or the time is up; the last response."""
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.post(url, json=body, timeout=60) if body is not None else httpx.get(url, timeout=30)
        if r.status_code == want or time.monotonic() > deadline:
            return r
        time.sleep(1)


# ---------------------------------------------------------------------------- Chroma server
@pytest.mark.chroma_server
@pytest.mark.slow
def test_chroma_down_at_start_and_mid_session_then_recovers(tmp_path, cli_env):
    port = free_port()
    chroma_url = f"http://127.0.0.1:{port}"
    env = dict(cli_env, ASSISTANT_HOME=str(tmp_path / "home"), ASSISTANT_CHROMA_URL=chroma_url,
               GRADIO_ANALYTICS_ENABLED="False")
    with chroma_server(tmp_path / "chroma", port):
        built = run_cli(["ingest", "--json", str(SEEDS)], env, timeout=600)
        assert built.returncode == 0, built.stderr

    # Chroma is down: the CLI says so in one line.
    down = run_cli(["ask", BLINKEN], env)
    assert down.returncode == 1
    assert_one_line(down.stderr, "Chroma server", "unreachable")

    # The server starts anyway, reports it, and refuses questions with a 503 + one line.
    serve_port = free_port()
    url = f"http://127.0.0.1:{serve_port}"
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(serve_port)]
    with background_server(cmd, f"{url}/v1/models", 300, env=env, cwd=REPO):
        health = httpx.get(f"{url}/api/health", timeout=30)
        assert health.status_code == 503 and health.json()["vector_store"]["ok"] is False
        r = httpx.post(f"{url}/api/ask", json={"question": BLINKEN}, timeout=60)
        assert r.status_code == 503 and "unreachable" in r.json()["error"] and "\n" not in r.json()["error"]

        with chroma_server(tmp_path / "chroma", port):  # it comes back: no restart of ours needed
            assert poll(f"{url}/api/health", 200).status_code == 200
            r = poll(f"{url}/api/ask", 200, {"question": BLINKEN, "session_id": "s"})
            assert r.status_code == 200 and "balloon" in r.json()["answer"].lower()

        # ...and goes away in the middle of a session
        r = httpx.post(f"{url}/api/ask", json={"question": "Who is China's No. 2 leader?", "session_id": "s"},
                       timeout=60)
        assert r.status_code == 503 and "unreachable" in r.json()["error"]
        assert httpx.get(f"{url}/api/health", timeout=30).json()["status"] == "degraded"
        with chroma_server(tmp_path / "chroma", port):
            r = poll(f"{url}/api/ask", 200, {"question": "Who is China's No. 2 leader?", "session_id": "s"})
            assert r.status_code == 200 and "Li Qiang" in r.json()["answer"]
            assert httpx.get(f"{url}/api/health", timeout=30).json()["status"] == "ok"


# ---------------------------------------------------------------------------- kill -9
def kill_after(cmd: list[str], env: dict[str, str], seconds: float) -> int:
    """Start cmd, SIGKILL it after `seconds`; its return code (negative: killed)."""
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(30)


@pytest.fixture
def private_home(index_home, tmp_path, cli_env) -> dict[str, str]:
    """A copy of the shared index, so faults cannot damage it for other tests."""
    home = tmp_path / "home"
    shutil.copytree(index_home, home)
    return dict(cli_env, ASSISTANT_HOME=str(home))


@pytest.mark.slow
def test_kill_9_during_questions_then_the_next_question_works(private_home):
    ask = [sys.executable, "-m", "assistant.cli", "ask", "--session", "talk"]
    assert run_cli(["ask", "--session", "talk", "Who is China's No. 2 leader?"], private_home).returncode == 0
    codes = [kill_after([*ask, "What did he hope Washington would take?"], private_home, delay)
             for delay in (0.3, 0.8, 1.3, 1.8, 2.5)]
    assert any(c == -signal.SIGKILL for c in codes)
    session = Path(private_home["ASSISTANT_HOME"]) / "sessions" / "talk.json"
    json.loads(session.read_text("utf-8"))  # never half written
    after = run_cli(["ask", "--json", "--session", "talk", "What did he hope Washington would take?"], private_home)
    assert after.returncode == 0, after.stderr
    assert "concrete actions" in json.loads(after.stdout)["answer"]


@pytest.mark.slow
def test_kill_9_during_eval_then_eval_works(private_home, tmp_path):
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "assistant.cli", "eval", "--systems", "ours", "--out", str(out)]
    proc = subprocess.Popen(cmd, env=private_home, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    while not re.search(rb"ours: +\d+%\|[^|]*\| [1-9]\d*/", seen) and proc.poll() is None:
        seen += proc.stderr.read1(256)  # tqdm's progress line: gold questions are being answered
    proc.kill()
    assert proc.wait(30) == -signal.SIGKILL  # killed in the middle of answering
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(line + "\n" for line in (REPO / "eval" / "gold.jsonl").read_text().splitlines()[:6]))
    again = run_cli(["eval", "--gold", str(gold), "--systems", "ours", "--out", str(out), "--json"], private_home,
                    timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout) and list(out.iterdir())
    assert run_cli(["ask", BLINKEN], private_home).returncode == 0


# ---------------------------------------------------------------------------- data folder
def changed_corpus(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "extra.txt").write_text("Harbour authority approves ferry terminal\nThe harbour authority approved "
                                      "a new ferry terminal on Thursday after two years of planning.\n", "utf-8")
    return corpus


def docs_of(env) -> list[str]:
    result = run_cli(["docs", "--json"], env)
    assert result.returncode == 0, result.stderr
    return sorted(d["file"] for d in json.loads(result.stdout)["documents"])


@pytest.mark.slow
def test_full_data_folder_is_a_clear_error_and_the_index_survives(private_home, tmp_path):
    before = docs_of(private_home)
    corpus = changed_corpus(tmp_path)

    def small_files() -> None:  # writes past 64 KB fail as on a full disk (Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    full = run_cli(["ingest", str(corpus)], private_home, timeout=600, preexec_fn=small_files)
    assert full.returncode == 1
    assert_one_line(full.stderr)
    assert docs_of(private_home) == before
    assert run_cli(["ask", BLINKEN], private_home).returncode == 0
    again = run_cli(["ingest", "--json", str(corpus)], private_home, timeout=600)  # space again: it completes
    assert again.returncode == 0, again.stderr
    assert "extra.txt" in docs_of(dict(private_home, ASSISTANT_CORPUS=str(corpus)))


@pytest.mark.slow
@pytest.mark.skipif(not can_drop(), reason="root without setpriv ignores file permissions")
def test_read_only_data_folder_is_a_clear_error_and_the_index_survives(private_home, tmp_path):
    home = Path(private_home["ASSISTANT_HOME"])
    before = docs_of(private_home)
    corpus = changed_corpus(tmp_path)
    modes = {}
    for p in [home, *home.rglob("*")]:
        modes[p] = p.stat().st_mode
        p.chmod(modes[p] & ~0o222)
    try:
        cmd = obeying_permissions([sys.executable, "-m", "assistant.cli", "ingest", str(corpus)])
        ro = subprocess.run(cmd, env=private_home, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert ro.returncode == 1
        assert_one_line(ro.stderr)
        assert "read-only" in ro.stderr or "Permission denied" in ro.stderr or "readonly" in ro.stderr
    finally:
        for p, mode in sorted(modes.items(), key=lambda kv: len(kv[0].parts)):
            p.chmod(mode)
    assert docs_of(private_home) == before
    assert run_cli(["ask", BLINKEN], private_home).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not can_drop(), reason="root without setpriv ignores file permissions")
def test_a_parse_store_that_cannot_be_written_costs_parsing_not_the_answer(private_home):
    cache = Path(private_home["ASSISTANT_HOME"]) / "cache"
    with closing(sqlite3.connect(cache / "parses.sqlite")) as parses:  # so the question must parse, and fail
        parses.execute("DELETE FROM parses")                           # to store what it parsed
        parses.commit()
    modes = {p: p.stat().st_mode for p in [cache, *cache.iterdir()]}
    for p, mode in modes.items():
        p.chmod(mode & ~0o222)
    try:
        asked = subprocess.run(obeying_permissions([sys.executable, "-m", "assistant.cli", "ask", "--json",
                                                    "Who is China's No. 2 leader?"]),
                               env=private_home, cwd=REPO, capture_output=True, text=True, timeout=600)
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["short_answer"] and "Traceback" not in asked.stderr
