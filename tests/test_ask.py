"""`ask` and `assistant` as a user runs them: real index, real subprocesses."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

BLINKEN = "Why was Blinken's trip postponed?"


def run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def ask_json(question: str, env, *extra: str) -> dict:
    result = run(["ask", "--json", *extra, question], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cited_lines(assistant, citation: dict) -> str:
    a, b = citation["lines"]
    return "\n".join(assistant.documents[citation["file"]].text.split("\n")[a - 1 : b])


def test_blinken_answer_cites_the_balloon_in_three_articles(cli_env, assistant):
    answer = ask_json(BLINKEN, cli_env)
    assert not answer["abstained"] and "balloon" in answer["answer"].lower()
    files = {c["file"][:3] for c in answer["citations"]}
    assert files == {"000", "002", "003"}
    for c in answer["citations"]:
        assert c["quote"] in cited_lines(assistant, c)  # the quote is really at the cited lines
        assert f"[{c['n']}]" in answer["answer"]
    assert set(answer) >= {"answer", "abstained", "fallback", "query", "citations", "timings_ms"}
    assert set(answer["citations"][0]) >= {"n", "file", "title", "lines", "quote", "score", "also_in"}


def test_question_about_something_never_mentioned_abstains(cli_env):
    answer = ask_json("Who won the 2024 US presidential election?", cli_env)
    assert answer["abstained"] and answer["answer"] == "The articles don't say." and not answer["citations"]


def test_near_duplicate_copy_is_cited_as_also_in(assistant):
    answer = assistant.ask("What did Li Qiang hope Washington would take?")
    copies = [c for c in answer.citations if c.file == "001_e005564972e790f1.txt"]
    assert copies and "004_fe8ac2ac26afd88f.txt" in copies[0].also_in
    assert all(c.file != "004_fe8ac2ac26afd88f.txt" for c in answer.citations)


def test_facts_only_in_the_paraphrased_copy_are_found(assistant):
    answer = assistant.ask("Which company's smartphone business was crippled by the curbs?")
    assert "Huawei" in answer.answer and answer.citations[0].file == "004_fe8ac2ac26afd88f.txt"


def test_follow_up_through_named_session(cli_env):
    first = ask_json("Who is China's No. 2 leader?", cli_env, "--session", "t1")
    assert "Li Qiang" in first["answer"]
    second = ask_json("What did he hope Washington would take?", cli_env, "--session", "t1")
    assert "Li Qiang" in second["query"] and "concrete actions" in second["answer"]
    fresh = ask_json("What did he hope Washington would take?", cli_env)  # no session: no context
    assert fresh["query"] == "What did he hope Washington would take?"


def test_human_output_lists_numbered_sources(cli_env):
    result = run(["ask", BLINKEN], cli_env)
    assert result.returncode == 0
    # which article is [1] is the composer's choice (the one whose sentence gives the reason leads)
    assert "Sources:" in result.stdout and re.search(r"^\[1\] \S+\.txt, line \d+", result.stdout, re.M)
    assert re.search(r"^\[\d\] 000_cd0e6218ea1c07a1\.txt, line 3\b", result.stdout, re.M)


@pytest.mark.parametrize("question", ["", "   ", "x" * 100_000, "why\x1b[2J was it", "bell\x07"])
def test_bad_questions_get_one_line_and_exit_2(cli_env, question):
    result = run(["ask", question], cli_env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and not result.stdout


def test_library_rejects_nul_and_other_controls(assistant):
    from assistant.service import InputError

    for question in ("why\x00 was it", "\u202eevil", "tab\tand\nnewline are fine?"):
        if "fine" in question:
            assert assistant.ask(question).query
        else:
            with pytest.raises(InputError):
                assistant.ask(question)


def test_show_prints_cleaned_numbered_lines(cli_env):
    result = run(["show", "002_ad1b164110e9592f.txt"], cli_env)
    assert result.returncode == 0
    assert not any(0x0E00 <= ord(c) <= 0x0E7F for c in result.stdout)
    assert " 6  Li Qiang, China\u2019s no. 2 leader" in result.stdout
    part = run(["show", "003_651bc382ba67b386.txt", "--lines", "19-19"], cli_env)
    assert part.stdout.startswith("19  The balloon") and part.stdout.count("\n") == 1


@pytest.mark.parametrize("args", [["show", "nope.txt"], ["show", "../pyproject.toml"], ["show", "/etc/passwd"],
                                  ["show", "000_cd0e6218ea1c07a1.txt", "--lines", "90-99"],
                                  ["ask", "--engine", "magic", "hi there"]])
def test_bad_arguments_get_one_line_and_exit_2(cli_env, args):
    result = run(args, cli_env)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_docs_json_lists_metadata(cli_env):
    result = run(["docs", "--json"], cli_env)
    docs = {d["file"]: d for d in json.loads(result.stdout)["documents"]}
    assert len(docs) == 5 and docs["003_651bc382ba67b386.txt"]["outlet"] == "The Washington Post"
    assert docs["004_fe8ac2ac26afd88f.txt"]["is_original"] is False


def test_ingest_json_on_unchanged_index_does_no_work(cli_env):
    report = json.loads(run(["ingest", "--json"], cli_env).stdout)
    assert report["unchanged"] == 5 and report["embedded_texts"] == 0 and len(report["documents"]) == 5


def test_missing_corpus_folder_is_a_clear_error(cli_env, tmp_path):
    result = run(["ingest", str(tmp_path / "nowhere")], cli_env)
    assert result.returncode == 2 and "corpus folder not found" in result.stderr


@pytest.mark.parametrize(("variable", "value"), [("ASSISTANT_CHUNK_SIZE", "abc"), ("ASSISTANT_CHUNK_SIZE", "5"),
                                                 ("ASSISTANT_ENGINE", "magic")])
def test_a_bad_setting_is_named_in_one_line(cli_env, variable, value):
    result = run(["ask", "hi there"], {**cli_env, variable: value})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: bad settings: {variable}: ") and repr(value) in line


def test_serve_on_a_port_in_use_or_out_of_range_says_so_in_one_line(cli_env):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = run(["serve", "--port", str(taken.getsockname()[1])], cli_env, timeout=60)
    assert busy.returncode == 1 and busy.stdout == ""  # no "on http://…" banner for a server that never ran
    (line,) = busy.stderr.strip().splitlines()
    assert line.startswith("error: cannot listen on 127.0.0.1:") and "in use" in line
    wrong = run(["serve", "--port", "99999"], cli_env, timeout=60)
    assert wrong.returncode == 2 and wrong.stderr.strip() == "error: --port 99999 is not a TCP port (1-65535)"
