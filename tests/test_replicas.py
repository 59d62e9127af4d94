"""Two `assistant serve` replicas share one `chroma run` server and one generation folder (docs/scaling.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

from chroma_server import chroma_server
from conftest import REPO, SEEDS
from processes import background_server, free_port

pytestmark = [pytest.mark.chroma_server, pytest.mark.slow]
BLINKEN = "Why was Blinken's trip postponed?"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    home = tmp_path_factory.mktemp("shared-home")
    with chroma_server(tmp_path_factory.mktemp("chroma"), free_port()) as chroma_url:
        env = dict(os.environ, ASSISTANT_HOME=str(home), ASSISTANT_CORPUS=str(SEEDS),
                   ASSISTANT_CHROMA_URL=chroma_url, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
        from assistant.index.ingest import ingest
        from assistant.settings import Settings

        ingest(Settings(home=home, corpus=SEEDS, chroma_url=chroma_url))
        before = sorted(p.name for p in (home / "index").iterdir())
        exe = Path(sys.executable).parent / "assistant"
        ports = [free_port(), free_port()]
        with background_server([str(exe), "serve", "--port", str(ports[0])],
                               f"http://127.0.0.1:{ports[0]}/v1/models", 180, env=env, cwd=REPO), \
             background_server([str(exe), "serve", "--port", str(ports[1])],
                               f"http://127.0.0.1:{ports[1]}/v1/models", 180, env=env, cwd=REPO):
            yield [f"http://127.0.0.1:{p}" for p in ports], home, before


def _ask(url: str, messages: list[dict]) -> dict:
    r = httpx.post(url + "/v1/chat/completions", json={"model": "m", "messages": messages}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_both_replicas_answer_from_the_shared_index_and_cite_the_same_lines(replicas):
    urls, _, _ = replicas
    answers = [_ask(u, [{"role": "user", "content": BLINKEN}]) for u in urls]
    texts = [a["choices"][0]["message"]["content"] for a in answers]
    assert "balloon" in texts[0] and texts[0] == texts[1]
    assert [(s["file"], s["lines"]) for s in answers[0]["sources"]] == \
        [(s["file"], s["lines"]) for s in answers[1]["sources"]]


def test_a_stateless_conversation_moves_between_replicas(replicas):
    urls, _, _ = replicas
    first = _ask(urls[0], [{"role": "user", "content": "Who is China's commerce minister?"}])
    reply = first["choices"][0]["message"]["content"]
    follow_up = [{"role": "user", "content": "Who is China's commerce minister?"},
                 {"role": "assistant", "content": reply},
                 {"role": "user", "content": "Who will he meet in Detroit?"}]
    answers = [_ask(u, follow_up)["choices"][0]["message"]["content"] for u in urls]
    assert answers[0] == answers[1]
    assert "Tai" in answers[1]


def test_replicas_write_nothing_into_the_shared_generation(replicas):
    urls, home, before = replicas
    for u in urls:
        _ask(u, [{"role": "user", "content": BLINKEN}])
    assert sorted(p.name for p in (home / "index").iterdir()) == before
