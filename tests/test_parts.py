"""Questions with two asks: each part is looked for by its own words, not by the whole question's."""

from assistant.models import Sentence
from assistant.retrieve.evidence import Evidence, part_support
from assistant.retrieve.terms import TermStats

TEXTS = ["Singers including Cliff Richard are recording a charity single for the tsunami appeal.",
         "The song, a melancholy ballad, was written by radio DJ Mike Read.",
         "The single will cost 99p and goes on sale next month."]


def _evidence() -> list[Evidence]:
    sentences = [Sentence(file="a.txt", chunk_id="a.txt:0", start=0, end=len(t), line_start=i + 1,
                          line_end=i + 1, text=t) for i, t in enumerate(TEXTS)]
    return [Evidence(s, 0.5, 0.5, 0.5, i) for i, s in enumerate(sentences)]


def test_each_part_of_a_two_part_question_finds_the_sentence_that_states_it():
    evidence = _evidence()  # the same meaning for the whole question: only the wording tells them apart
    stats = TermStats.from_texts(TEXTS)
    terms: dict[int, set[str]] = {}
    writer = part_support("Who wrote the song?", evidence, stats, terms)
    price = part_support("How much will the single cost?", evidence, stats, terms)
    assert max(writer, key=lambda e: e.score).sentence.text == TEXTS[1]
    assert max(price, key=lambda e: e.score).sentence.text == TEXTS[2]
    assert set(terms) == {0, 1, 2}  # each sentence's terms read once, shared by the asks


def test_an_article_lends_the_topic_it_has_stated_to_its_other_sentences():
    evidence = _evidence()
    stats = TermStats.from_texts(TEXTS)
    ask = "Who wrote the tsunami charity song?"
    alone = {e.row: e.score for e in part_support(ask, evidence, stats, {})}
    lent = {e.row: e.score for e in part_support(ask, evidence, stats, {}, {"a.txt": {"tsunami", "chariti"}})}
    assert lent[1] > alone[1] and max(lent, key=lent.get) == 1
