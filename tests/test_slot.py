"""The slot check: an entity of the asked type that plays another role in its sentence than the
one asked about is not an answer, and the refusal model refuses it whatever its score."""

from __future__ import annotations

import json

import pytest

from assistant.answer.confidence import Features, Model
from assistant.answer.slot import unfilled


@pytest.mark.parametrize(("question", "answers", "trap", "reason"), [
    # the source of a statement is not the doer of a deed the sentence never mentions
    ("Who designed the new footbridge?", "The new footbridge was designed by Ove Lindqvist, the council said.",
     "Harbour Engineering said the new footbridge would open in May.", "speaker"),
    # one person asked for by role: not someone the sentence neither calls so, nor describes, nor credits
    ("Which captain lifted the trophy?", "Captain Alan Kerr lifted the trophy after the final.",
     "Mr Dawson, 31, has already admitted the assault and will be sentenced after the hearing.", "role"),
    # "whose": the owner of the asked thing, not another name near it
    ("Whose yacht did the customs officers search?", "Customs officers searched Peter Walsh's yacht at Dover.",
     "Customs officers searched a yacht at Dover, the Home Office said.", "possessor"),
    # an amount that is the worth of something the question does not ask about
    ("How much is the stadium sponsorship deal worth?", "The stadium sponsorship deal is worth £12m over five years.",
     "The council approved grants worth £2m for local clubs near the stadium.", "owner"),
    # "the name of": a name the question does not already give
    ("What is the name of Brightline's new album?", "Brightline will release its new album, Northern Lights, in May.",
     "Brightline will release its new album in May.", "name"),
    # "what is the N of M": a value stated of N, not N as the object of a preposition
    ("What is the boiling point of ethanol?", "The boiling point of ethanol is 78C at sea level.",
     "The mixture was heated to the boiling point of ethanol and left to cool.", "attribute"),
    # a future event is not dated by a past one
    ("When will the next folk festival be held?", "The next folk festival will be held on 4 June.",
     "The last folk festival took place in 2019.", "tense"),
])
def test_a_span_in_another_role_fails_the_slot_check(question, answers, trap, reason):
    assert unfilled(question, answers) == ()
    assert reason in unfilled(question, trap)


@pytest.mark.parametrize(("question", "answers", "trap", "context", "reason"), [
    # the asked noun: a sentence sharing only the owner's name says nothing of its capital
    ("What is the capital of Norway?", "Oslo, the capital of Norway, hosted the talks.",
     "Norway's largest fishing firm, Nordfisk, cut 300 jobs.", "", "unstated-noun"),
    # the owner: the same office held elsewhere is another office
    ("Who is the prime minister of Portugal?", "Portugal's prime minister, Ana Costa, opened the bridge.",
     "Mark Dean became Britain's longest-serving prime minister.", "Dean marks a record in London", "unstated-owner"),
])
def test_what_is_the_n_of_m_needs_both_stated(question, answers, trap, context, reason):
    assert unfilled(question, answers, "") == ()
    assert reason in unfilled(question, trap, context)
    assert unfilled(question, trap.replace("Britain", "Portugal"), context) == () or reason == "unstated-noun"


def test_an_amount_states_the_price_it_is():
    assert unfilled("What is the price of the new Orbit phone?", "The new Orbit phone comes in two sizes, one for $99.") == ()


def test_a_person_named_in_the_question_is_not_the_name_asked_for():
    question = "What was the maiden name of the mayor's wife Helen?"
    assert "name" in unfilled(question, "The mayor's wife Helen died in Bath in 2003.")
    assert unfilled(question, "The mayor's wife Helen, born Helen Carter, died in Bath in 2003.") == ()


def test_a_pronoun_elsewhere_in_the_report_does_not_make_it_the_speakers_deed():
    assert "speaker" in unfilled("Who designed the new footbridge?",
                                 "Harbour Engineering said the footbridge would close because it was unsafe.")


def test_a_who_question_about_saying_is_answered_by_the_speaker():
    assert unfilled("Who said the footbridge would open in May?",
                    "Harbour Engineering said the new footbridge would open in May.") == ()


def _features(top: float, unfilled_slot: float) -> Features:
    return Features(top, 0, 0, 0, 0, 1.0, 0.0, 0, 0, 0, 1.0, unfilled_slot)


def test_an_unfilled_slot_is_refused_however_strong_the_evidence():
    model = Model(("top_score",), (0.0,), (1.0,), (10.0,), -3.0, 0.5)
    assert model.judge(_features(0.9, 0.0)).answer
    verdict = model.decide(_features(0.9, 0.0), lambda: _features(0.9, 1.0), 1.1)
    assert not verdict.answer and verdict.probability == 0.0


def test_the_slot_is_read_only_when_the_cheap_features_leave_the_question_answerable():
    model = Model(("top_score",), (0.0,), (1.0,), (10.0,), -3.0, 0.5)
    assert not model.decide(_features(0.1, 0.0), lambda: pytest.fail("parsed a hopeless question"), 1.1).answer


def test_a_question_of_no_checked_shape_is_not_parsed_against_the_sentence(monkeypatch):
    from assistant.retrieve import spacy_pipeline as nlp
    from assistant.retrieve.question import parse_question

    question = "Why did the council close the library?"
    parse_question(question)  # what the span reader has read already
    monkeypatch.setattr(nlp, "pipeline", lambda: pytest.fail("parsed the sentence"))
    assert unfilled(question, "The council said the roof was unsafe.") == ()


@pytest.mark.parametrize(("question", "sentence"), [
    # a speaker reporting a deed of its own is its doer, in other words than the question's
    ("Who bought the football club?", "Harlow Capital said it had acquired a 75% stake in the club."),
    ("Who built the search tool?", "Yahoo said its engineers had built the tool in six weeks."),
    # an owner by "of", "from" or "by" owns it, whatever noun the sentence uses
    ("Whose idea was the congestion charge?", "The congestion charge was the brainchild of Mayor Ken Dale."),
    # a figure in the noun's own phrase is stated of it
    ("What is the population of Lakeland?", "Lakeland, with a population of 5 million, votes on Sunday."),
    ("What is the aim of the walking campaign?", "The walking campaign was launched with the aim of cutting traffic."),
    # a person described in other words ("X from the embassy") or credited with the deed
    ("Which diplomat signed the accord?", "Anna Berg from the foreign ministry's treaty office signed the accord."),
    # a person standing by the question's words, in other words than its verb
    ("Which player scored the winning goal?", "Tom Smith's late goal gave Rovers victory."),
    # a coined term may be written in lower case: only a typed or personal name is required
    ("What name is given to the new scheduling method?", "The new scheduling method is dubbed smart slotting."),
])
def test_answers_in_other_words_pass_the_slot_check(question, sentence):
    assert unfilled(question, sentence) == ()


ARTICLES = {
    "bridge.txt": "New footbridge for Bristol\n\nHarbour Engineering said the new footbridge over the Avon would open "
                  "in May. The footbridge will link the station to the harbour. Work began last spring after a "
                  "long planning dispute.\n",
    "market.txt": "Farmers' market moves\n\nThe farmers' market in Leeds will move to the corn exchange next year. "
                  "Stallholders welcomed the move, which gives them a roof in winter.\n",
    "library.txt": "Library hours cut\n\nThe council cut the opening hours of the central library to save money. "
                   "Readers protested outside the town hall on Saturday.\n",
}


def test_the_service_refuses_an_answer_in_another_role_and_gives_the_one_in_the_asked_role(tmp_path):
    from assistant.index.ingest import ingest
    from assistant.service import Assistant
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    # a model answering every question (p 0.5 over a cutoff of 0.1): only the slot rule refuses
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"version": 1, "features": ["top_score"], "mean": [0.0], "scale": [1.0],
                                 "coef": [0.0], "intercept": 0.0, "cutoff": 0.1}), encoding="utf-8")
    settings = Settings(home=tmp_path / "home", corpus=corpus, confidence_model=model)
    ingest(settings)
    assistant = Assistant(settings)
    asked = assistant.ask("Who said the new footbridge over the Avon would open in May?")
    assert not asked.abstained and "Harbour Engineering" in asked.answer
    trap = assistant.ask("Who designed the new footbridge over the Avon?")
    _, scored, _ = assistant.evidence(trap.query)
    assert assistant.assess(trap.query, scored).features.slot_unfilled == 1.0
    assert trap.abstained
