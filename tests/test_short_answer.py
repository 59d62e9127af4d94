"""End to end on the seeds index: the answer opens with the span that answers, inside a cited quote."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

PEOPLE = {"PERSON", "ORG", "NORP"}
PLACES = {"GPE", "LOC", "FAC"}


def _check_spans(answer):
    by_n = {c.n: c for c in answer.citations}
    for s in answer.short_answers:
        quote = by_n[s.n].quote
        assert quote[s.chars[0] : s.chars[1]] == s.text  # exactly inside the cited quote


@pytest.mark.parametrize("question, labels", [
    ("Who is the US ambassador to China?", PEOPLE),
    ("Where did Wang Yi hold talks with Jake Sullivan?", PLACES),
    ("How long did Raimondo's talks with He Lifeng last?", {"DATE", "TIME"}),
    ("In what year was the last China-U.S. tourism summit held?", {"DATE"}),
])
def test_the_answer_opens_with_a_span_of_the_asked_type(assistant, question, labels):
    answer = assistant.ask(question)
    assert not answer.abstained and answer.short_answer
    assert answer.answer.startswith(answer.short_answer)
    assert answer.short_answers[0].label in labels
    assert answer.short_answer_citation == answer.short_answers[0].n
    _check_spans(answer)


def test_a_list_question_gets_every_item_each_cited(assistant):
    answer = assistant.ask("Which two US officials was Wang Wentao going to meet?")
    people = [s for s in answer.short_answers if s.label == "PERSON"]
    assert len(people) == 2 and len({s.text for s in people}) == 2
    _check_spans(answer)


def test_a_two_part_question_is_answered_part_by_part(assistant):
    answer = assistant.ask("Who is the US ambassador to China, and when did he meet Qin Gang?")
    asks = {s.ask: s for s in answer.short_answers}
    assert set(asks) == {0, 1}
    assert asks[0].label in PEOPLE and asks[1].label in {"DATE", "TIME"}
    _check_spans(answer)


def test_questions_without_a_typed_answer_get_no_short_answer(assistant):
    answer = assistant.ask("What did Qin Gang say about the relationship?")
    assert answer.short_answer is None and not answer.short_answers


def test_cli_json_and_human_output_lead_with_the_short_answer(cli_env):
    question = "Who is the US ambassador to China?"
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "--json", question],
                         cwd=REPO, env=cli_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["short_answer"] and data["answer"].startswith(data["short_answer"])
    assert data["short_answer_citation"] in {c["n"] for c in data["citations"]}
    human = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", question],
                           cwd=REPO, env=cli_env, capture_output=True, text=True, timeout=120)
    assert human.stdout.splitlines()[0].startswith(data["short_answer"])


def test_a_why_answer_leads_with_the_reason_clause(assistant):
    answer = assistant.ask("Why did Beijing cut off talks with Washington?")
    assert answer.short_answers and answer.short_answers[0].label == "REASON"
    _check_spans(answer)


def test_api_and_chat_page_show_the_short_answer(settings, assistant):
    pytest.importorskip("fastapi")
    import httpx

    from processes import free_port
    from ui.render import answer_html
    from ui.testing import serve_in_thread

    question = "Who is the US ambassador to China?"
    with serve_in_thread(settings, free_port(), assistant=assistant) as url:
        data = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60).json()
    assert data["short_answer"] and data["answer"].startswith(data["short_answer"])
    html = answer_html(assistant.ask(question), assistant.documents)
    assert f'<div class="short-answer">{data["short_answer"]}' in html
