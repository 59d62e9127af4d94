"""Ingest: incremental, atomic, and the same on embedded and server Chroma."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from chroma_server import chroma_server
from conftest import free_port

from assistant.index import snapshot
from assistant.index.ingest import ingest, open_store
from assistant.service import Assistant
from assistant.settings import Settings

NEW_ARTICLE = ("Trade ministers meet in Geneva\n"
               "The trade ministers of Norway and Chile met in Geneva on Friday to sign a salmon export deal. "
               "The agreement cuts tariffs on frozen salmon by half over five years.\n")


@pytest.fixture(scope="module", params=["embedded", "server"])
def chroma_url(request, tmp_path_factory):
    if request.param == "embedded":
        yield None
        return
    with chroma_server(tmp_path_factory.mktemp("chroma-server"), free_port()) as url:
        yield url


def make_settings(tmp_path, corpus, chroma_url) -> Settings:
    # a fresh collection per test keeps server-side state independent
    return Settings(home=tmp_path / "home", corpus=corpus, chroma_url=chroma_url,
                    collection=f"t{time.time_ns()}")


def chunk_ids_in_store(settings: Settings) -> set[str]:
    return open_store(settings).all_ids()


def test_seeds_ingest_then_unchanged_reingest_embeds_nothing(tmp_path, corpus_copy, chroma_url):
    settings = make_settings(tmp_path, corpus_copy, chroma_url)
    first = ingest(settings).to_json()
    assert first["added"] == 5 and first["embedded_texts"] > 0
    files = {d["file"]: d for d in first["documents"]}
    assert files["001_e005564972e790f1.txt"]["duplicate_group"] == files["004_fe8ac2ac26afd88f.txt"]["duplicate_group"]
    assert files["002_ad1b164110e9592f.txt"]["repairs"]
    again = ingest(settings).to_json()
    assert again["unchanged"] == 5 and again["embedded_texts"] == 0
    assert again["added"] == again["updated"] == again["removed"] == 0
    snap = snapshot.load(settings.index_dir)
    assert chunk_ids_in_store(settings) == snap.chunk_ids


def test_add_change_delete_files(tmp_path, corpus_copy, chroma_url):
    settings = make_settings(tmp_path, corpus_copy, chroma_url)
    ingest(settings)
    (corpus_copy / "005_new.txt").write_text(NEW_ARTICLE, "utf-8")
    changed = corpus_copy / "000_cd0e6218ea1c07a1.txt"
    changed.write_text(changed.read_text("utf-8").replace("Detroit", "Seattle"), "utf-8")
    (corpus_copy / "003_651bc382ba67b386.txt").unlink()
    report = ingest(settings).to_json()
    assert report["files"]["added"] == ["005_new.txt"]
    assert report["files"]["updated"] == ["000_cd0e6218ea1c07a1.txt"]
    assert report["files"]["removed"] == ["003_651bc382ba67b386.txt"]
    assert report["unchanged"] == 3
    snap = snapshot.load(settings.index_dir)
    assert chunk_ids_in_store(settings) == snap.chunk_ids  # old rows of changed/deleted files are gone
    assistant = Assistant(settings)
    assert "003_651bc382ba67b386.txt" not in assistant.documents
    salmon = assistant.ask("What did Norway and Chile sign in Geneva?")
    assert not salmon.abstained and salmon.citations[0].file == "005_new.txt"
    seattle = assistant.ask("In which city was the meeting with Tai expected as part of APEC?")
    assert "Seattle" in seattle.answer and "Detroit" not in seattle.answer


def run_ingest(settings: Settings, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, ASSISTANT_HOME=str(settings.home), ASSISTANT_CORPUS=str(settings.corpus),
               ASSISTANT_COLLECTION=settings.collection, HF_HUB_OFFLINE="1")
    if settings.chroma_url:
        env["ASSISTANT_CHROMA_URL"] = settings.chroma_url
    if crash_at:
        env["ASSISTANT_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--json"], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("crash_at", ["after-upsert", "after-publish"])
def test_killed_ingest_leaves_a_usable_index_and_the_next_run_finishes(tmp_path, corpus_copy, chroma_url, crash_at):
    settings = make_settings(tmp_path, corpus_copy, chroma_url)
    ingest(settings)
    before = snapshot.load(settings.index_dir)
    (corpus_copy / "005_new.txt").write_text(NEW_ARTICLE, "utf-8")
    (corpus_copy / "004_fe8ac2ac26afd88f.txt").unlink()

    killed = run_ingest(settings, crash_at)
    assert killed.returncode == -9  # really killed, as `kill -9` would

    usable = Assistant(settings)  # whatever generation is current is complete and answers
    answer = usable.ask("Why was Blinken's trip postponed?")
    assert not answer.abstained and "balloon" in answer.answer
    docs = set(usable.documents)
    if crash_at == "after-upsert":
        assert docs == set(before.documents)  # the old corpus, untouched

    finished = run_ingest(settings)
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert {d["file"] for d in report["documents"]} == docs - {"004_fe8ac2ac26afd88f.txt"} | {"005_new.txt"}
    snap = snapshot.load(settings.index_dir)
    assert chunk_ids_in_store(settings) == snap.chunk_ids  # orphans of the killed run were swept
    assert not Assistant(settings).ask("What did Norway and Chile sign in Geneva?").abstained


def test_kill_at_an_arbitrary_moment(tmp_path, corpus_copy):
    """A real SIGKILL from outside, mid-run, wherever it lands."""
    settings = make_settings(tmp_path, corpus_copy, None)
    ingest(settings)
    for i in range(3):
        (corpus_copy / f"10{i}_extra.txt").write_text(NEW_ARTICLE.replace("Geneva", f"Geneva {i}"), "utf-8")
    env = dict(os.environ, ASSISTANT_HOME=str(settings.home), ASSISTANT_CORPUS=str(corpus_copy),
               ASSISTANT_COLLECTION=settings.collection)
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", "--json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)
    proc.kill()
    proc.wait()
    assert not Assistant(settings).ask("Why was Blinken's trip postponed?").abstained
    assert run_ingest(settings).returncode == 0
    assert chunk_ids_in_store(settings) == snapshot.load(settings.index_dir).chunk_ids


def test_ingest_killed_while_embedding_resumes_with_only_the_missing_texts(tmp_path, corpus_copy):
    settings = Settings(home=tmp_path / "home", corpus=corpus_copy, collection=f"t{time.time_ns()}")
    os.environ["ASSISTANT_EMBED_COMMIT_EVERY"] = "32"
    try:
        killed = run_ingest(settings, "mid-embed")
        published_before_resume = snapshot.load(settings.index_dir)
        resumed = run_ingest(settings)
    finally:
        del os.environ["ASSISTANT_EMBED_COMMIT_EVERY"]
    assert killed.returncode == -9 and published_before_resume is None  # nothing published yet
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["reused_vectors"] == 32  # the batch committed before the kill
    assert report["embedded_texts"] > 0  # and only the rest is embedded now
    assert Assistant(settings).ask("Why was Blinken's trip postponed?").citations


def test_opening_an_index_built_for_other_settings_brings_it_up_to_date(tmp_path, corpus_copy):
    """A user who changes the chunk size (or the encoder) and asks at once must not get answers from
    chunks and vectors the current settings would not make."""
    from assistant.index.config import config_key

    built = make_settings(tmp_path, corpus_copy, None)
    ingest(built)
    before = snapshot.load(built.index_dir)
    smaller = built.model_copy(update={"chunk_size": built.chunk_size // 2})
    assistant = Assistant.open(smaller)
    assert assistant.snap.config_key == config_key(smaller) != before.config_key
    assert len(assistant.snap.chunks) > len(before.chunks)
    answer = assistant.ask("Why was Blinken's trip postponed?")
    assert not answer.abstained and "balloon" in answer.answer.lower()


def test_ingest_parses_every_sentence_once_and_questions_read_the_stored_parses(tmp_path, corpus_copy, monkeypatch):
    """A question at corpus scale brings ~100 candidate sentences; parsing them per question was
    most of a warm ask. Ingest parses each sentence once and questions read those parses."""
    from assistant.index.parses import ParseStore
    from assistant.retrieve import annotation_cache
    from assistant.retrieve import spacy_pipeline as nlp

    settings = Settings(home=tmp_path / "home", corpus=corpus_copy, collection=f"t{time.time_ns()}")
    first = ingest(settings).to_json()
    texts = list(snapshot.load(settings.index_dir).sentences.texts())
    assert first["parsed_sentences"] == len(set(texts)) > 50
    assert not ParseStore.open(settings.cache_dir).missing(texts)
    assert ingest(settings).to_json()["parsed_sentences"] == 0

    question = "Who did Wang Yi meet in Vienna?"
    without_store = Assistant(settings)
    without_store.parse_store = None
    expected = without_store.ask(question)

    parsed: list[str] = []
    pipe = nlp.pipeline().pipe
    monkeypatch.setattr(nlp.pipeline(), "pipe", lambda texts, **kw: pipe(parsed.extend(texts) or texts, **kw))
    annotated: list[str] = []
    made = annotation_cache.annotation_of
    monkeypatch.setattr(annotation_cache, "annotation_of", lambda doc, text: made(doc, annotated.append(text) or text))
    answer = Assistant(settings).ask(question)
    assert parsed == []  # every candidate's parse came from the store
    assert annotated == []  # and so did what the parser says about it
    assert (answer.short_answer, answer.answer) == (expected.short_answer, expected.answer)
    assert answer.short_answer and "Sullivan" in answer.short_answer


def test_parse_pass_killed_after_publishing_resumes_with_only_the_missing_sentences(tmp_path, corpus_copy):
    from assistant.index.parses import ParseStore

    settings = Settings(home=tmp_path / "home", corpus=corpus_copy, collection=f"t{time.time_ns()}")
    os.environ["ASSISTANT_PARSE_COMMIT_EVERY"] = "32"
    try:
        killed = run_ingest(settings, "mid-parse")
        texts = set(snapshot.load(settings.index_dir).sentences.texts())  # published before the parse pass
        kept = len(texts) - len(ParseStore.open(settings.cache_dir).missing(texts))
        usable = Assistant(settings).ask("Why was Blinken's trip postponed?")  # adds the parses it makes
        missing = len(ParseStore.open(settings.cache_dir).missing(texts))
        resumed = run_ingest(settings)
    finally:
        del os.environ["ASSISTANT_PARSE_COMMIT_EVERY"]
    assert killed.returncode == -9 and kept == 32  # the batch committed before the kill
    assert not usable.abstained and "balloon" in usable.answer
    assert resumed.returncode == 0, resumed.stderr
    assert 0 < json.loads(resumed.stdout)["parsed_sentences"] == missing < len(texts) - 32


def test_annotations_made_by_other_code_are_remade_from_the_stored_parses_never_by_parsing_again(tmp_path, monkeypatch):
    """A change to how `retrieve/nlp.py` reads a parse must not leave stale annotations behind it,
    nor cost the parse pass again (4 ms a sentence, against ~0.4 ms to annotate a stored parse)."""
    from assistant.index.parses import ParseStore, parse_corpus
    from assistant.retrieve import spacy_pipeline as nlp

    texts = [f"Anna Berg met Boris Kahn in Paris on {day} May." for day in range(1, 13)]
    store = ParseStore.open(tmp_path / "cache")
    assert parse_corpus(texts, store, 1, 5) == 12 and not store.missing(texts)
    before = store.get_annotations(texts)
    assert [e.label for e in before[texts[0]].entities][:2] == ["PERSON", "PERSON"]

    store.version = "another-reading"
    assert store.missing(texts) == texts and store.get_annotations(texts) == {}
    parsed: list[str] = []
    pipe = nlp.pipeline().pipe
    monkeypatch.setattr(nlp.pipeline(), "pipe", lambda items, **kw: pipe(parsed.extend(items) or items, **kw))
    assert parse_corpus(texts, store, 1, 5) == 12
    assert parsed == [] and store.get_annotations(texts) == before
    stale = store.db.execute("SELECT COUNT(*) FROM annotations WHERE version != ?", (store.version,)).fetchone()
    assert stale == (0,)


def test_a_script_that_cannot_spawn_parse_workers_still_parses_everything(tmp_path):
    """A script calling ingest without a `__main__` guard cannot start spawned workers (each
    would run the script again); the parse pass then runs in the script's own process."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from pathlib import Path\n"
        "from assistant.index.parses import ParseStore, parse_corpus\n"
        f"store = ParseStore.open(Path({str(tmp_path / 'cache')!r}))\n"
        "texts = [f'Sentence {i} says that Anna met Boris in Paris.' for i in range(40)]\n"
        "print('parsed', parse_corpus(texts, store, 2, 8), 'missing', len(store.missing(texts)))\n", "utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-4:] == ["parsed", "40", "missing", "0"]
