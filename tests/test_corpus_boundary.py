"""The corpus boundary: only regular files inside the folder are read, and every refusal is reported.

Hostile folders are built here (links out of the folder, FIFOs, devices, odd names, huge
and changing files), never taken from our corpora."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.corpus.loader import CorpusRules, RawFile, Skipped, discover, read_article
from conftest import REPO
from unprivileged import can_drop, obeying_permissions

ARTICLE = ("Harbour authority approves new ferry terminal\n"
           "The harbour authority approved a new ferry terminal on Thursday after two years of planning.\n"
           "The terminal will open in the spring and serve three island routes, officials said.\n")
SECRET = "root:x:0:0:secret-marker-do-not-index"
RULES = CorpusRules(max_file_bytes=5_000_000, skip_patterns=tuple(CorpusRules.from_settings().skip_patterns))
ODD_NAMES = ["name with spaces.txt", "\u00fcn\u00efc\u00f8d\u00e9 \u65b0\u95fb.txt", "new\nline.txt"]


def run_cli(args: list[str], env: dict[str, str], timeout: int = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, **kw)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A secret file outside the corpus folder."""
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n" + ARTICLE, "utf-8")
    return secret


@pytest.fixture
def hostile(tmp_path, outside) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "ferry.txt").write_text(ARTICLE, "utf-8")
    (corpus / "passwd.txt").symlink_to(outside)
    (corpus / "linked-folder").symlink_to(outside.parent, target_is_directory=True)
    os.link(outside, corpus / "hard-out.txt")
    (corpus / "inside-a.txt").write_text(ARTICLE.replace("ferry", "bus"), "utf-8")
    os.link(corpus / "inside-a.txt", corpus / "sub" / "inside-b.txt")  # both links inside: fine
    os.mkfifo(corpus / "pipe.txt")
    if os.geteuid() == 0:
        os.mknod(corpus / "null.txt", stat.S_IFCHR | 0o644, os.makedev(1, 3))
    (corpus / "README.TXT").write_text("About this collection.\n", "utf-8")
    (corpus / "LICENSE.md").write_text("Licensed under terms.\n", "utf-8")
    (corpus / "CHANGELOG").write_text("v2: more articles\n", "utf-8")
    (corpus / "licence-fee-row.txt").write_text(ARTICLE.replace("ferry terminal", "licence fee"), "utf-8")
    for i, name in enumerate(ODD_NAMES):
        (corpus / name).write_text(ARTICLE.replace("three", str(4 + i)), "utf-8")
    (corpus / os.fsdecode(b"latin1-\xe9.txt")).write_text(ARTICLE, "utf-8")
    return corpus


def reasons(skipped: list[Skipped]) -> dict[str, str]:
    return {s.file: s.reason for s in skipped}


def test_links_devices_fifos_and_furniture_are_never_read(hostile):
    paths, skipped = discover(hostile, RULES)
    found = sorted(p.relative_to(hostile).as_posix() for p in paths)
    assert found == sorted(["ferry.txt", "inside-a.txt", "licence-fee-row.txt", *ODD_NAMES])
    why = reasons(skipped)
    assert why["sub/inside-b.txt"] == "hard link to inside-a.txt (read once)"
    assert why["passwd.txt"] == why["linked-folder"] == "symbolic link (not followed)"
    assert "hard link" in why["hard-out.txt"]
    assert "FIFO" in why["pipe.txt"]
    if os.geteuid() == 0:
        assert "character device" in why["null.txt"]
    for name in ("README.TXT", "LICENSE.md", "CHANGELOG"):
        assert "ASSISTANT_SKIP_PATTERNS" in why[name], why[name]
    assert why["latin1-\ufffd.txt"] == "file name is not valid UTF-8"
    corpus = load_corpus(hostile)
    assert not any(SECRET in d.text for d in corpus.documents)


def test_ingest_json_reports_each_skipped_file_and_odd_names_work(hostile, tmp_path, cli_env):
    env = dict(cli_env, ASSISTANT_HOME=str(tmp_path / "home"), ASSISTANT_CORPUS=str(hostile))
    result = run_cli(["ingest", "--json", str(hostile)], env, timeout=600)  # a FIFO must not hang it
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    skipped = {s["file"]: s["reason"] for s in report["skipped"]}
    assert {"passwd.txt", "linked-folder", "hard-out.txt", "pipe.txt", "README.TXT"} <= set(skipped)
    assert all(set(s) == {"file", "reason"} and s["reason"] for s in report["skipped"])
    files = {d["file"] for d in report["documents"]}
    assert set(ODD_NAMES) <= files and "passwd.txt" not in files
    shown = run_cli(["show", "passwd.txt"], env)
    assert shown.returncode == 2 and SECRET not in shown.stdout
    for name in ODD_NAMES:
        shown = run_cli(["show", name, "--lines", "2-2"], env)
        assert shown.returncode == 0 and "harbour authority approved" in shown.stdout, (name, shown.stderr)
    answer = json.loads(run_cli(["ask", "--json", "How many island routes will the licence fee serve?"], env).stdout)
    assert SECRET not in json.dumps(answer)


def test_a_folder_swapped_for_a_link_after_discovery_is_not_followed(tmp_path, outside):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "secret.txt").write_text(ARTICLE, "utf-8")
    paths, _ = discover(corpus, RULES)
    (corpus / "sub" / "secret.txt").unlink()
    (corpus / "sub").rmdir()
    (corpus / "sub").symlink_to(outside.parent, target_is_directory=True)  # same name, now pointing out
    result = read_article(paths[0], corpus, RULES)
    assert isinstance(result, Skipped) and result.reason == "symbolic link (not followed)"


def _to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # opening it for reading would block forever


@pytest.mark.parametrize("swap, reason", [(Path.unlink, "vanished before it could be read"),
                                          (_to_fifo, "not a regular file")])
def test_a_file_changed_after_discovery_is_skipped_with_a_reason(tmp_path, swap, reason):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, "utf-8")
    paths, _ = discover(corpus, RULES)
    swap(corpus / "a.txt")
    assert read_article(paths[0], corpus, RULES) == Skipped("a.txt", reason)


def test_dot_dot_paths_are_refused(tmp_path, outside):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = read_article(corpus / ".." / "outside" / "secret.txt", corpus, RULES)
    assert isinstance(result, Skipped) and result.reason == "outside the corpus folder"


def test_a_file_growing_while_read_is_never_half_read(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    target = corpus / "live.txt"
    target.write_text(ARTICLE, "utf-8")
    stop = threading.Event()

    def writer() -> None:
        with open(target, "a", encoding="utf-8") as fh:
            while not stop.is_set() and fh.tell() < 1_000_000:  # stays under the size limit
                fh.write("Another complete line about the ferry terminal.\n")
                fh.flush()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        results = [read_article(target, corpus, RULES) for _ in range(20)]
    finally:
        stop.set()
        thread.join()
    final = target.read_text("utf-8")
    for r in results:
        if isinstance(r, RawFile):
            assert final.startswith(r.text) and r.text.endswith("\n")  # a consistent snapshot
        else:
            assert r.reason == "kept changing while being read"


def test_size_limit_skips_without_reading(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    big = corpus / "huge.txt"
    line = b"The harbour authority approved a new ferry terminal on Thursday.\n"
    with open(big, "wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    assert big.stat().st_size > 50 * 1024 * 1024
    (corpus / "small.txt").write_text(ARTICLE, "utf-8")
    paths, skipped = discover(corpus)  # the default limit from settings
    assert [p.name for p in paths] == ["small.txt"]
    assert "ASSISTANT_MAX_FILE_BYTES" in reasons(skipped)["huge.txt"]
    small_limit = CorpusRules(max_file_bytes=100, skip_patterns=())
    result = read_article(corpus / "small.txt", corpus, small_limit)  # checked again when opened
    assert isinstance(result, Skipped) and "ASSISTANT_MAX_FILE_BYTES" in result.reason


def test_size_limit_is_a_setting(tmp_path, monkeypatch):
    from assistant.settings import get_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, "utf-8")
    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "64")
    monkeypatch.setenv("ASSISTANT_SKIP_PATTERNS", '["a.*"]')
    get_settings.cache_clear()
    try:
        assert CorpusRules.from_settings() == CorpusRules(64, ("a.*",))
        _, skipped = discover(corpus)
        assert "ASSISTANT_SKIP_PATTERNS" in reasons(skipped)["a.txt"]
    finally:
        get_settings.cache_clear()


@pytest.mark.skipif(not can_drop(), reason="root without setpriv ignores file permissions")
def test_unreadable_files_and_folders_are_skipped_with_a_reason(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "locked-folder").mkdir(parents=True)
    (corpus / "ok.txt").write_text(ARTICLE, "utf-8")
    (corpus / "locked.txt").write_text(ARTICLE, "utf-8")
    (corpus / "locked-folder" / "x.txt").write_text(ARTICLE, "utf-8")
    (corpus / "locked.txt").chmod(0)
    (corpus / "locked-folder").chmod(0)
    code = ("import json, sys; from pathlib import Path; from assistant.corpus import load_corpus; "
            "c = load_corpus(Path(sys.argv[1])); "
            "print(json.dumps({'docs': [d.file for d in c.documents], "
            "'skipped': {s.file: s.reason for s in c.skipped}}))")
    out = subprocess.run(obeying_permissions([sys.executable, "-c", code, str(corpus)]), capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["docs"] == ["ok.txt"]
    assert result["skipped"]["locked.txt"] == "unreadable: Permission denied"
    assert "folder unreadable: Permission denied" in result["skipped"]["locked-folder"]


def test_ten_thousand_tiny_files(tmp_path):
    corpus = tmp_path / "corpus"
    for i in range(10_000):
        folder = corpus / f"batch{i // 1000}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note{i:05d}.txt").write_text(f"Note {i}: the council met on day {i} to discuss item {i * 7}.\n")
    started = time.perf_counter()
    corpus_loaded = load_corpus(corpus)
    print(f"\nload_corpus of 10,000 tiny files: {time.perf_counter() - started:.1f} s")
    assert len(corpus_loaded.documents) == 10_000 and not corpus_loaded.skipped
    assert corpus_loaded.documents[0].file == "batch0/note00000.txt"


def test_deeply_nested_folders(tmp_path):
    corpus = tmp_path / "corpus"
    deep = corpus.joinpath(*[f"level{i:03d}" for i in range(300)])  # ~2,700 characters of path
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text(ARTICLE, "utf-8")
    (corpus / "top.txt").write_text(ARTICLE.replace("ferry", "tram"), "utf-8")
    loaded = load_corpus(corpus)
    files = sorted(d.file for d in loaded.documents)
    assert files[-1] == "top.txt" and files[0].endswith("/level299/bottom.txt") and files[0].count("/") == 300


BBC = Path("/work/shared/corpora/bbc")


@pytest.mark.skipif(not BBC.is_dir(), reason="the BBC corpus is not on this machine")
def test_a_real_collection_s_readme_is_skipped_by_the_pattern_rule():
    paths, skipped = discover(BBC)
    furniture = {s.file: s.reason for s in skipped if "ASSISTANT_SKIP_PATTERNS" in s.reason}
    assert furniture
    assert all(CorpusRules.from_settings().furniture(Path(f).name) for f in furniture)
    assert len(paths) > 1000 and not any(CorpusRules.from_settings().furniture(p.name) for p in paths)


def test_corpus_rules_are_the_ones_passed_not_the_environments(tmp_path, monkeypatch):
    from assistant.corpus import load_corpus
    from assistant.corpus.loader import CorpusRules

    monkeypatch.delenv("ASSISTANT_SKIP_PATTERNS", raising=False)
    (tmp_path / "story.txt").write_text("A council approved the new bridge on Monday.\n", "utf-8")
    (tmp_path / "draft-1.txt").write_text("A draft nobody should index.\n", "utf-8")
    (tmp_path / "long.txt").write_text("A long article about trade. " * 40, "utf-8")
    corpus = load_corpus(tmp_path, rules=CorpusRules(max_file_bytes=500, skip_patterns=("draft-*",)))
    assert [d.file for d in corpus.documents] == ["story.txt"]
    reasons = {s.file: s.reason for s in corpus.skipped}
    assert "draft-*" in reasons["draft-1.txt"] and "500 bytes" in reasons["long.txt"]


def test_a_folder_set_in_the_environment_is_answered_from_its_own_index(tmp_path):
    """ASSISTANT_CORPUS pointing at another folder than the one the home's index was built from
    answers from that folder (an index of its own under the home), never from the other one;
    without it, the home's index stands."""
    bridge, library = tmp_path / "bridge", tmp_path / "library"
    for folder, name, text in [
        (bridge, "bridge.txt", "Lunport's harbour bridge was closed on Monday after engineers found cracks in its main "
                               "span.\nThe city council said repairs would take six weeks.\n"),
        (library, "library.txt", "The Milbrook library reopened on Friday after a renovation that cost four million "
                                 "pounds.\nThe mayor said visitor numbers had doubled since the reopening.\n")]:
        folder.mkdir()
        (folder / name).write_text(text, "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_CORPUS"}
    env.update(ASSISTANT_HOME=str(tmp_path / "home"), HF_HUB_OFFLINE="1")
    assert run_cli(["ingest", str(bridge)], env).returncode == 0

    other = run_cli(["ask", "--json", "How much did the Milbrook library renovation cost?"],
                    dict(env, ASSISTANT_CORPUS=str(library)))
    assert other.returncode == 0, other.stderr
    answer = json.loads(other.stdout)
    assert not answer["abstained"] and {c["file"] for c in answer["citations"]} == {"library.txt"}

    home_index = json.loads(run_cli(["ask", "--json", "Why was the harbour bridge closed?"], env).stdout)
    assert {c["file"] for c in home_index["citations"]} == {"bridge.txt"}


def test_a_markdown_heading_is_never_quoted_beside_the_sentence_that_answers(tmp_path):
    """The heading restates the topic; quoting it as a second source is noise, not support."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rail.md").write_text("# Rail strike called off\n\nA planned rail strike in Wexford was called off "
                                    "after unions accepted a 6% pay offer.\n\nThe strike had been due to start on "
                                    "3 March.\n", "utf-8")
    env = dict(os.environ, ASSISTANT_HOME=str(tmp_path / "home"), ASSISTANT_CORPUS=str(corpus), HF_HUB_OFFLINE="1")
    done = run_cli(["ask", "--json", "Why was the rail strike called off?"], env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert "pay offer" in answer["answer"]
    assert [c["lines"] for c in answer["citations"]] == [[3, 3]]
