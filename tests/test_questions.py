"""Odd questions, as a user can type or pipe them: refused in one line (CLI exit 2, API 400 JSON),
or simply answered or abstained on, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from conftest import REPO
from processes import free_port

REFUSED = {  # question -> words the one-line error must contain
    "": "empty",
    " \t\n ": "empty",
    "x" * 100_000: "too long",
    "why\x00now?": "control",
    "clear \x1b[2J screen": "control",
    "flip \u202e the text": "control",
    "half a pair \ud800 here": "not valid text",
    "?!?! ... ---": "no words",
    "\U0001f600\U0001f600": "no words",
}
ANSWERED = [  # not errors: text in any language or syntax is a question like any other
    "Pourquoi le voyage de Blinken a-t-il \u00e9t\u00e9 report\u00e9 ?",
    "\u5e03\u6797\u80af\u7684\u8bbf\u95ee\u4e3a\u4ec0\u4e48\u88ab\u63a8\u8fdf\uff1f",
    "\u0644\u0645\u0627\u0630\u0627 \u062a\u0645 \u062a\u0623\u062c\u064a\u0644 \u0631\u062d\u0644\u0629 \u0628\u0644\u064a\u0646\u0643\u0646\u061f",
    "\u0686\u0631\u0627 \u0633\u0641\u0631 \u0628\u0644\u06cc\u0646\u06a9\u0646 \u0645\u06cc\u200c\u0634\u0648\u062f?",  # ZWNJ
    "'; DROP TABLE documents; -- why was the trip postponed?",
    "<script>alert(1)</script> Why was Blinken's trip postponed?",
    "**Why** was [Blinken](javascript:alert(1))'s trip ![x](http://example.com/x.png) postponed?",
    "{{7*7}} ${jndi:ldap://x} %s%n",
]


def run_cli(args: list, env: dict, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, input=stdin,
                          capture_output=True, timeout=300, cwd=REPO)


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err
    assert "Traceback" not in err and not result.stdout


@pytest.mark.parametrize("question", [q for q in REFUSED if "\ud800" not in q], ids=lambda q: repr(q[:20]))
def test_cli_refuses_bad_questions_from_stdin(cli_env, question):
    result = run_cli(["ask", "-"], cli_env, stdin=question.encode("utf-8"))
    assert_one_line_error(result, REFUSED[question])


@pytest.mark.parametrize("raw, fragment", [(b"why was it \xff\xfe postponed?", "not valid UTF-8"),
                                           (b"caf\xe9 latin-1", "not valid UTF-8"),
                                           (b"\xed\xa0\x80 surrogate bytes", "not valid UTF-8")])
def test_cli_refuses_invalid_utf8_on_stdin(cli_env, raw, fragment):
    assert_one_line_error(run_cli(["ask", "-"], cli_env, stdin=raw), fragment)


@pytest.mark.parametrize("raw", [b"why was it \xff\xfe postponed?", b"caf\xe9 latin-1"])
def test_cli_refuses_invalid_utf8_on_argv(cli_env, raw):
    # argv bytes reach Python as lone surrogates (surrogateescape)
    assert_one_line_error(run_cli([b"ask", raw], cli_env), "not valid text")


def test_chat_survives_invalid_utf8_and_control_characters(cli_env):
    lines = b"why \xff?\nbell \x07 here\nWhy was Blinken's trip postponed?\n\n"
    result = run_cli(["chat"], cli_env, stdin=lines)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "not valid UTF-8" in err and "control characters" in err and "Traceback" not in err
    assert "balloon" in result.stdout.decode().lower()


@pytest.mark.parametrize("question", ANSWERED, ids=range(len(ANSWERED)))
def test_cli_answers_or_abstains_on_any_text(cli_env, question, assistant):
    result = run_cli(["ask", "--json", question], cli_env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["abstained"] or answer["citations"]
    for c in answer["citations"]:
        a, b = c["lines"]
        assert c["quote"] in "\n".join(assistant.documents[c["file"]].text.split("\n")[a - 1 : b])


def test_library_refuses_what_is_not_text(assistant):
    from assistant.service import InputError

    for bad in (None, 42, b"bytes"):
        with pytest.raises(InputError, match="must be text"):
            assistant.ask(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- API
@pytest.fixture(scope="module")
def api(settings, assistant):
    from ui.testing import serve_in_thread

    with serve_in_thread(settings, free_port(), assistant=assistant) as url:
        with httpx.Client(base_url=url, timeout=120) as client:
            yield client


@pytest.mark.parametrize("question", list(REFUSED), ids=lambda q: repr(q[:20]))
def test_api_refuses_bad_questions_with_400_json(api, question):
    for path, body in (("/api/ask", {"question": question}),
                       ("/v1/chat/completions", {"messages": [{"role": "user", "content": question}]})):
        # json.dumps writes a lone surrogate as the escape \ud800: what a hostile client sends
        r = api.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 400, (path, r.text)
        error = r.json()["error"]
        message = error if isinstance(error, str) else error["message"]
        assert REFUSED[question] in message and "\n" not in message


def test_api_refuses_a_body_that_is_not_utf8(api):
    r = api.post("/api/ask", content=b'{"question": "why \xff?"}', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]


@pytest.mark.parametrize("question", ANSWERED, ids=range(len(ANSWERED)))
def test_api_answers_or_abstains_on_any_text(api, question):
    r = api.post("/api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["abstained"] or body["citations"]


def test_a_later_ask_naming_it_asks_for_the_name_of_what_the_first_ask_is_about():
    from assistant.retrieve.question import parse_question

    asks = parse_question("Who wrote the charity song, and what is it called?").asks
    assert asks[1].head == "song" and "WORK_OF_ART" in asks[1].labels and "PERSON" in asks[1].labels
    alone = parse_question("What is it called?").first
    assert alone.head is None
