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


def test_a_later_ask_is_answered_from_the_best_sentences_article_before_a_quoted_one_from_another():
    from assistant.answer.lead import complete
    from assistant.answer.span import SpanFinder
    from assistant.retrieve.annotation_cache import AnnotationCache

    texts = [("a.txt", "The posters beam information to any phone held close to them."),
             ("b.txt", "At the end of the day, people have cameras on their mobiles."),
             ("a.txt", "The campaign using the posters will run until Boxing Day.")]
    evidence = [Evidence(Sentence(file=f, chunk_id=f"{f}:0", start=0, end=len(t), line_start=i + 1,
                                  line_end=i + 1, text=t), score, score, score, i)
                for i, ((f, t), score) in enumerate(zip(texts, (0.5, 0.45, 0.4)))]
    finder = SpanFinder("How do the posters send data to phones, and when does the campaign end?",
                        AnnotationCache(64), candidates=5)
    chosen, owners = complete(evidence[:2], evidence, finder, threshold=0.3, max_sentences=3)
    assert owners[1] == 2  # "until Boxing Day", not the other article's "at the end of the day"
