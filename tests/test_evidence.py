"""Question-type checks that decide whether a sentence can answer at all."""

from assistant.retrieve.evidence import expected_answer_type, has_answer_type, leans_on_previous
from assistant.retrieve.presuppositions import asked_speaker, attributes_to


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
    assert expected_answer_type("How long did the talks last?") == "duration"
    assert has_answer_type("duration", "Following a three-hour meeting, they left.")
    assert not has_answer_type("duration", "It was one of the longest meetings in years.")
    assert expected_answer_type("What tariff rate did they impose?") == "quantity"
    assert not has_answer_type("quantity", "Washington kept the tariffs, with one hand tied behind its back.")
    assert has_answer_type("quantity", "It imposed a 25% tariff.")
    assert expected_answer_type("Where was the meeting held?") == "place"
    assert has_answer_type("place", "They met in Vienna in May.", "Where was the meeting held?")
    assert not has_answer_type("place", "They met in May.", "Where was the meeting held?")
    assert not has_answer_type("place", "Chinese officials flew to China.", "Where did the Chinese officials go?")
    assert expected_answer_type("At what time of day was the report posted?") == "time"
    assert has_answer_type("time", "Published May 8, 2023 at 6:41 a.m. EDT")
    assert expected_answer_type("Whose camera took the photo?") == "name"
    assert expected_answer_type("Across which months did it unfold?") == "time"
    assert expected_answer_type("Where does Raimondo rank among officials who visited?") == "rank"
    assert has_answer_type("rank", "Li Qiang, China's no. 2 leader, met Raimondo.")
    assert not has_answer_type("rank", "Li Qiang met Raimondo in Beijing.")
    assert expected_answer_type("In which European capital did they meet?") == "place"
    assert expected_answer_type("In which building did they meet?") == "venue"
    assert has_answer_type("venue", "He spoke at the Great Hall of the People in central Beijing.")
    assert not has_answer_type("venue", "Raimondo held talks with Hu Heping in Beijing.")
    assert expected_answer_type("On what date did they meet?") == "date"
    assert has_answer_type("date", "They met on Aug. 28 in Beijing.")
    assert not has_answer_type("date", "They met on Thursday.")
    assert has_answer_type("number", "It was a four-day trip.", "How many days was the trip?")


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
