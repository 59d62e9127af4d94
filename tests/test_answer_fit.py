"""The sentence that answers beats the sentence that only restates the question (real spaCy)."""

import pytest

from assistant.answer.span import (
    SpanFinder,
    could_hold,
    named_in_question,
    same_word,
    spans_for,
)
from assistant.chat.followup import Turn, standalone_query
from assistant.models import Sentence
from assistant.retrieve.annotation_cache import AnnotationCache
from assistant.retrieve.evidence import Evidence
from assistant.retrieve.question import parse_question

CACHE = AnnotationCache(256)


def _evidence(text, score, row, file="a.txt"):
    s = Sentence(file=file, chunk_id=f"{file}:0", start=0, end=len(text), line_start=row + 1, line_end=row + 1,
                 text=text)
    return Evidence(s, score, score, score, row)


def _spans(question, sentence, ask=0):
    return [s.text for s in spans_for(parse_question(question).asks[ask], CACHE.annotate([sentence])[0], question)]


@pytest.mark.parametrize("question", ["How many people were questioned in the survey?",
                                      "How many workers lost their jobs?"])
def test_how_many_people_asks_for_a_count_not_for_a_person(question):
    ask = parse_question(question).first
    assert "CARDINAL" in ask.labels and "PERSON" not in ask.labels


def test_a_count_of_people_answers_how_many_people():
    assert _spans("How many people were questioned in the survey?",
                  "More than 2,000 people were questioned in the survey by the agency.") == ["More than 2,000 people"]


def test_how_many_days_is_answered_by_a_period():
    assert _spans("How many days did the strike last?", "The strike, which lasted four days, ended on Friday.")


def test_how_much_is_not_answered_by_a_bare_count():
    assert _spans("How much is the firm seeking in damages?", "The three directors met the firm's lawyers.") == []


@pytest.mark.parametrize("question", ["On what grounds did the council ban the play?",
                                      "What prompted the sell-off?", "What caused the crash?",
                                      "What was behind the rise in profits?", "What set off the slide?"])
def test_questions_asking_for_a_cause_in_other_words_are_why_questions(question):
    assert parse_question(question).first.reason


@pytest.mark.parametrize("question", ["What did the company buy?", "What set the record?"])
def test_what_questions_about_a_thing_are_not_why_questions(question):
    assert not parse_question(question).first.reason


@pytest.mark.parametrize("sentence, reason", [
    ("The firm paid the official in a bid to avoid a costly review.", "in a bid to avoid a costly review"),
    ("The match was cancelled due to the heavy rain.", "due to the heavy rain"),
])
def test_purposes_and_causes_are_reasons(sentence, reason):
    assert _spans("Why was it done?", sentence) == [reason]


def test_due_to_with_a_verb_is_a_schedule_not_a_reason():
    assert _spans("Why was the play banned?", "The council banned the play, due to open in the capital this week.") == []


def test_names_the_question_gives_are_not_answers_in_another_form():
    assert named_in_question("Lemony Snicket's", {"lemony", "snicket", "author"}, frozenset({"lemony", "snicket"}))
    assert named_in_question("Guantanamo Bay", {"guantanamo", "sent"}, frozenset({"guantanamo"}), "GPE")
    assert not named_in_question("John Brown", {"john", "smith"}, frozenset({"john", "smith"}), "PERSON")


def test_one_word_in_two_forms_links_a_span_to_the_question():
    assert same_word("complaint", "complain") and same_word("director", "direct")
    assert same_word("fin", "fine")  # the lemmatiser's lemma of "fined"
    assert not same_word("complete", "complaint") and not same_word("pay", "play")
    assert _spans("To which regulator did the council take its complaint?",
                  "The council has complained to the watchdog Ofcom.")


def test_surface_filter_spares_parsing_sentences_that_cannot_hold_the_span():
    amount = parse_question("How much did the shares fall?").first
    person = parse_question("Who chairs the committee?").first
    assert not could_hold(amount, "The shares fell sharply in early trading.", set())
    assert could_hold(amount, "The shares fell by a third.", set())
    assert not could_hold(person, "the committee meets on the first floor.", {"committee"})


def test_a_candidate_past_the_first_few_is_read_when_it_could_answer():
    finder = SpanFinder("Who chairs the budget committee?", CACHE, candidates=1, extra=3)
    topical = _evidence("The budget committee meets every week to discuss spending.", 0.6, 0)
    answer = _evidence("Maria Costa chairs the budget committee.", 0.45, 1)
    ranked = finder.rerank([topical, answer])
    assert ranked[0].row == 1 and "answer-unverified" not in ranked[0].marked_down


def test_a_span_beside_the_asked_words_takes_the_lead_from_one_beside_a_name_only():
    finder = SpanFinder("Which company did Ofgem fine?", CACHE, candidates=4)
    beside_name = _evidence("Ofgem and Avantis officials met in London.", 0.6, 0)
    answering = _evidence("Last week the watchdog fined the carrier Brightline for misleading adverts.", 0.4, 1)
    ranked = finder.rerank([beside_name, answering])
    assert ranked[0].row == 1 and ranked[0].score == beside_name.score


def test_a_why_question_leads_with_a_sentence_giving_a_reason():
    finder = SpanFinder("Why did the council ban the play?", CACHE, candidates=4)
    restating = _evidence("The council has banned the play from the city's theatres.", 0.6, 0)
    reason = _evidence("The council said it banned it because it glorified violence.", 0.45, 1)
    assert finder.rerank([restating, reason])[0].row == 1


def test_he_is_the_person_asked_about_when_the_answer_was_a_club():
    history = [Turn("Which English side did Ahmed Said join on loan?", "Which English side did Ahmed Said join on loan?",
                    "Tottenham [1]. Said was dropped by former coach Marco Tardelli before joining Tottenham. [1]",
                    False)]
    assert standalone_query("How did his first game go?", history).startswith("How did Ahmed Said's first game")


@pytest.mark.parametrize("question, sentence, span", [
    # the small model tags "AS Roma" as a person and "Auschwitz" as an organisation
    ("For which club did Mido play a friendly?", "But he then played in a friendly for his club AS Roma.", "AS Roma"),
    ("Where did Michael Howard's grandmother die?", "Mr Howard, whose grandmother died in Auschwitz, spoke out.",
     "Auschwitz"),
])
def test_a_name_typed_wrongly_answers_where_the_syntax_gives_it_the_asked_type(question, sentence, span):
    assert span in _spans(question, sentence)


def test_any_kind_of_people_counts_as_people_but_not_as_another_kind():
    sentence = "The station is run by the 8,000 residents of the village."
    assert _spans("How many people live in the village?", sentence) == ["8,000"]
    assert _spans("How many viewers watch the station?", sentence) == []


def test_what_something_costs_asks_for_money():
    ask = parse_question("What does the new broadband service cost a month?").first
    assert ask.labels == {"MONEY"} and ask.strict
    assert not parse_question("What does the report say?").typed


def test_which_hotel_is_not_answered_by_any_organisation_after_at():
    assert _spans("Which hotel did the minister stay at?",
                  "The minister spoke at the Ministry of Commerce on Monday.") == []


def test_a_sentence_of_another_article_does_not_displace_one_beside_the_asked_name():
    finder = SpanFinder("Which company did Ofgem fine?", CACHE, candidates=4)
    beside_name = _evidence("Ofgem and Avantis officials met in London.", 0.6, 0)
    elsewhere = _evidence("Last week the watchdog fined the carrier Brightline for misleading adverts.", 0.4, 1, "b.txt")
    assert finder.rerank([beside_name, elsewhere])[0].row == 0


def test_a_headline_is_not_put_first():
    finder = SpanFinder("Which company did Ofgem fine?", CACHE, candidates=4)
    best = _evidence("Ofgem and Avantis officials met in London.", 0.6, 0)
    headline = _evidence("Watchdog fines carrier Brightline", 0.5, 1)
    headline = Evidence(headline.sentence, 0.5, 0.5, 0.5, 1, ("not-a-sentence",))
    assert finder.rerank([best, headline])[0].row == 0


@pytest.mark.parametrize("question", ["What is the chain's annual turnover?", "What is the firm's total debt?"])
def test_a_company_figure_asks_for_money_so_a_sentence_without_one_does_not_answer(question):
    assert parse_question(question).first.labels == frozenset({"MONEY"})
    assert _spans(question, "The chain, founded in Leeds, now employs 300 staff in 12 shops.") == []


FORMER_SENTENCE = "Critics point to the ambitions of the firm's former chief executive, Mikhail Petrov."


def _linked(question, sentence):
    return {s.text: s.linked for s in spans_for(parse_question(question).first, CACHE.annotate([sentence])[0], question)}


def test_a_former_holder_does_not_answer_who_holds_the_role_now():
    assert _linked("Who is the chief executive of the firm?", FORMER_SENTENCE) == {"Mikhail Petrov": False}
    assert _linked("Who is the chief executive of the firm?",
                   "\"We will fight on,\" said the firm's chief executive Anna Berg.")["Anna Berg"]
    assert _linked("Who was the firm's chief executive?", FORMER_SENTENCE) == {"Mikhail Petrov": True}
