"""Questions typed in one case read like the cased ones (lowercase cost the seeds' gold set 9
points and BBC's 12; all capitals cost the seeds' 64)."""

from __future__ import annotations

import pytest

from assistant.retrieve.truecase import recase, single_case

PASSAGES = [
    "Quarterly profits at US media giant Time Warner jumped 76%. The firm, which owns AOL, said it "
    "had a good time. Shares in Yukos fell after the boss of Yukos was jailed.",
    "Yukos said its former boss, Mikhail Khodorkovsky, would appeal. Apple sold 10 million iPods.",
]


@pytest.mark.parametrize("typed, cased", [
    ("who is the boss of yukos?", "Who is the boss of Yukos?"),
    ("WHO IS THE BOSS OF YUKOS?", "Who is the boss of Yukos?"),
    ("how much did time warner's profits rise?", "How much did Time Warner's profits rise?"),  # the pair
    ("did they have a good time?", "Did they have a good time?"),  # "time" alone stays a word
    ("how many ipods did apple sell?", "How many iPods did apple sell?"),  # "Apple" only opens a sentence
])
def test_single_case_questions_get_the_passages_casing(typed, cased):
    assert recase(typed, PASSAGES) == cased


def test_a_question_in_mixed_case_is_the_users_own():
    assert not single_case("who is the boss of Yukos?")
    assert recase("who is the boss of Yukos?", PASSAGES) == "who is the boss of Yukos?"
    assert recase("what?", []) == "What?"


@pytest.mark.parametrize("typed", ["who is china's no. 2 leader?", "WHO IS CHINA'S NO. 2 LEADER?"])
def test_a_question_typed_in_one_case_gets_the_cased_questions_answer(assistant, typed):
    cased = assistant.ask("Who is China's No. 2 leader?")
    answer = assistant.ask(typed)
    assert cased.short_answer and answer.short_answer == cased.short_answer
    assert [c.file for c in answer.citations] == [c.file for c in cased.citations]
