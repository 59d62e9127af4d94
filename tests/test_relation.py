"""The relation feature: a sentence on the asked topic with an entity of the asked type is not an
answer unless its syntax ties that entity to what is asked."""

from __future__ import annotations

import pytest

from assistant.answer.confidence import RELATION_UNREAD, Features, Model
from assistant.answer.relation import relation_coverage
from assistant.retrieve.terms import TermStats

UNIFORM = TermStats(10000, lambda term: 10, lambda word: None)  # every word equally rare


@pytest.mark.parametrize(("question", "answers", "trap"), [
    ("How much did Acme pay for the steel factory?", "Acme paid $5m for the steel factory in Ohio.",
     "Acme, whose shares are worth $5m, plans to reopen the steel factory."),
    ("Who built the old bridge?", "The old bridge was built by Tom Hale in 1990.",
     "Engineer Tom Hale said the old bridge would be painted."),
    ("When did the museum open?", "The museum opened in March 2001.",
     "The museum, which closed in March 2001, was the city's largest."),
    ("Where did the band record its album?", "The band recorded its album in Berlin.",
     "The band, which formed in Berlin, has sold the album widely."),
])
def test_an_entity_of_the_asked_type_counts_only_where_it_answers_the_asked_relation(question, answers, trap):
    right, wrong = relation_coverage(question, answers, UNIFORM), relation_coverage(question, trap, UNIFORM)
    assert right >= 0.8 and wrong <= 0.45 and right > wrong + 0.3


def test_a_strict_ask_without_a_span_of_its_type_reads_zero():
    no_amount = "Acme bought the factory in Ohio."
    assert relation_coverage("How much did Acme pay for the factory?", no_amount, UNIFORM) == 0.0


def test_a_conjoined_verb_keeps_its_subject_and_a_reason_answers_for_its_clause():
    assert relation_coverage("How many goals did Hale score this season?",
                             "Hale joined the club in 2003 and scored 20 goals this season.", UNIFORM) >= 0.8
    assert relation_coverage("Why did the council close the library?",
                             "The council closed the library because its roof was unsafe.", UNIFORM) >= 0.8


def _model() -> Model:
    return Model(("top_score", "relation_coverage"), (0.0, 0.0), (1.0, 1.0), (10.0, 4.0), -7.0, 0.5)


def _features(top: float, relation: float = RELATION_UNREAD) -> Features:
    return Features(top, 0, 0, 0, 0, 0.0, 0.0, 0, 0, 0, relation)


def test_the_relation_is_read_only_when_the_cheap_features_leave_the_question_answerable():
    model, read = _model(), []

    def full(top: float, relation: float):
        return lambda: read.append(top) or _features(top, relation)

    assert not model.decide(_features(0.1), full(0.1, 1.0), 1.1).answer and read == []  # hopeless: never parsed
    assert not model.decide(_features(0.5), full(0.5, 0.0), 1.1).answer and read == [0.5]  # the relation refuses
    assert model.decide(_features(0.5), full(0.5, 1.0), 1.1).answer


def test_a_model_fitted_without_the_relation_never_reads_it():
    assert _model().reads_relation
    assert not Model(("top_score",), (0.0,), (1.0,), (10.0,), -3.0, 0.5).reads_relation


def test_a_sentence_without_a_verb_is_read_too():
    verbless = "Fair opening: 3 May 2004, in the old market."
    value = relation_coverage("On what date did the fair open?", verbless, UNIFORM)
    assert 0.0 <= value <= 1.0
