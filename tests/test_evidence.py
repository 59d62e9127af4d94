"""Question-type checks that decide whether a sentence can answer at all."""

import pytest

from assistant.retrieve.evidence import expected_answer_type, has_answer_type, leans_on_previous
from assistant.retrieve.presuppositions import asked_speaker, attributes_to


@pytest.mark.parametrize("question, kind", [
    ("How many hours did they talk?", "number"),
    ("In what year was the last summit?", "year"),
    ("On what date did they meet?", "date"),
    ("Why did they meet?", None),
    ("How long did the talks last?", "duration"),
    ("What tariff rate did they impose?", "quantity"),
    ("Where was the meeting held?", "place"),
    ("In which European capital did they meet?", "place"),
    ("In which building did they meet?", "venue"),
    ("At what time of day was the report posted?", "time"),
    ("Across which months did it unfold?", "time"),
    ("Whose camera took the photo?", "name"),
    ("Where does Raimondo rank among officials who visited?", "rank"),
])
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize("kind, text, question, answers", [
    ("number", "They talked for four hours.", "How many hours did they talk?", True),
    ("number", "They talked at length.", "How many hours did they talk?", False),
    ("number", "They talked for four days.", "How many hours did they talk?", False),
    ("number", "It was a four-day trip.", "How many days was the trip?", True),
    ("year", "The last such event took place in 2019.", "", True),
    ("year", "It will take place next year.", "", False),
    ("date", "They met recently.", "", False),
    ("date", "They met on Aug. 28 in Beijing.", "", True),
    ("date", "They met on Thursday.", "", False),
    ("duration", "Following a three-hour meeting, they left.", "", True),
    ("duration", "It was one of the longest meetings in years.", "", False),
    ("quantity", "Washington kept the tariffs, with one hand tied behind its back.", "", False),
    ("quantity", "It imposed a 25% tariff.", "", True),
    ("place", "They met in Vienna in May.", "Where was the meeting held?", True),
    ("place", "They met in May.", "Where was the meeting held?", False),
    ("place", "Chinese officials flew to China.", "Where did the Chinese officials go?", False),
    ("time", "Published May 8, 2023 at 6:41 a.m. EDT", "", True),
    ("rank", "Li Qiang, China's no. 2 leader, met Raimondo.", "", True),
    ("rank", "Li Qiang met Raimondo in Beijing.", "", False),
    ("venue", "He spoke at the Great Hall of the People in central Beijing.", "", True),
    ("venue", "Raimondo held talks with Hu Heping in Beijing.", "", False),
])
def test_a_sentence_without_that_kind_of_answer_cannot_answer(kind, text, question, answers):
    assert has_answer_type(kind, text, question) is answers


def test_what_did_x_say_needs_a_statement_by_x():
    speaker = asked_speaker("What did Janet Yellen say to He Lifeng in July?")
    assert speaker == ("janet", "yellen")
    assert not attributes_to("He Lifeng referred to in-depth exchanges with Treasury Secretary Janet Yellen.", speaker)
    assert attributes_to("Yellen said the talks were direct and productive.", speaker)
    assert attributes_to("\u201cWe will keep talking,\u201d Yellen told reporters.", speaker)
    # a pronoun stands for her only if she was just named, as the subject
    assert attributes_to("She said the talks were useful.", speaker, before=("Yellen met He Lifeng.",))
    assert not attributes_to("She said the talks were useful.", speaker, before=("Raimondo met He Lifeng.",))
    quote = "\u201cI\u2019m ready to work with you,\u201d he said."
    assert not attributes_to(quote, speaker, before=("Vice Premier He Lifeng referred to exchanges with Janet Yellen.",))
    assert attributes_to(quote, asked_speaker("What did He Lifeng say?"),
                         before=("Vice Premier He Lifeng referred to exchanges with Janet Yellen.",))
    assert not attributes_to("They stressed the importance of dialogue.", speaker, before=("Raimondo met Wang.",))
    assert asked_speaker("What did the talks achieve?") == ()


def test_a_quote_attributed_by_a_pronoun_leans_on_the_paragraph_before():
    from assistant.models import Sentence
    from assistant.retrieve.evidence import antecedent_row

    def sentence(text, line):
        return Sentence(file="a.txt", chunk_id="a.txt:0", start=0, end=len(text), line_start=line, line_end=line,
                        text=text)

    rows = [sentence("Vice Premier He Lifeng met Raimondo.", 1),
            sentence("\u201cI\u2019m ready to work with you,\u201d he said at the Great Hall.", 3),
            sentence("Raimondo flew home on Friday.", 5)]
    assert antecedent_row(rows, 1) == 0
    assert antecedent_row(rows, 2) is None


def test_sentences_that_lean_on_the_one_before():
    assert leans_on_previous("The last such event took place in 2019.")
    assert leans_on_previous("It was the first visit in years.")
    assert not leans_on_previous("Raimondo met Li Qiang on Tuesday.")
