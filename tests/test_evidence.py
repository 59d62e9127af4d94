"""Question-type checks that decide whether a sentence can answer at all."""

from assistant.retrieve.evidence import (asked_speaker, attributes_to, expected_answer_type, has_answer_type,
                                         leans_on_previous)


def test_answer_types():
    assert expected_answer_type("How many hours did they talk?") == "number"
    assert has_answer_type("number", "They talked for four hours.", "How many hours did they talk?")
    assert not has_answer_type("number", "They talked at length.", "How many hours did they talk?")
    assert not has_answer_type("number", "They talked for four days.", "How many hours did they talk?")
    assert expected_answer_type("In what year was the last summit?") == "year"
    assert has_answer_type("year", "The last such event took place in 2019.")
    assert not has_answer_type("year", "It will take place next year.")
    assert expected_answer_type("On what date did they meet?") == "date"
    assert not has_answer_type("date", "They met recently.")
    assert expected_answer_type("Why did they meet?") is None


def test_what_did_x_say_needs_a_statement_by_x():
    speaker = asked_speaker("What did Janet Yellen say to He Lifeng in July?")
    assert speaker == ["janet", "yellen"]
    assert not attributes_to("He Lifeng referred to in-depth exchanges with Treasury Secretary Janet Yellen.", speaker)
    assert attributes_to("Yellen said the talks were direct and productive.", speaker)
    assert attributes_to("\u201cWe will keep talking,\u201d Yellen told reporters.", speaker)
    assert attributes_to("She said the talks were useful.", speaker)  # a pronoun may stand for her
    assert asked_speaker("What did the talks achieve?") == []


def test_sentences_that_lean_on_the_one_before():
    assert leans_on_previous("The last such event took place in 2019.")
    assert leans_on_previous("It was the first visit in years.")
    assert not leans_on_previous("Raimondo met Li Qiang on Tuesday.")
