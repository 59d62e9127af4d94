"""The extractive composer: which sentences are quoted, with what context, and when it abstains."""

import numpy as np

from assistant.answer.extractive import SentenceTable, compose
from assistant.models import Document, Sentence
from assistant.retrieve.evidence import Evidence

TEXT = ("Spokesman Wang Wenbin said Washington must stop containing China. The United States must "
        "\u201ccorrectly handle the Taiwan question,\u201d he said.\n")


def table() -> SentenceTable:
    cut = TEXT.index(" The United")
    sentences = [Sentence(file="a.txt", chunk_id="a.txt:0", start=0, end=cut, line_start=1, line_end=1,
                          text=TEXT[:cut]),
                 Sentence(file="a.txt", chunk_id="a.txt:0", start=cut + 1, end=len(TEXT) - 1, line_start=1,
                          line_end=1, text=TEXT[cut + 1 : -1])]
    document = Document(file="a.txt", text=TEXT, raw_sha256="0")
    return SentenceTable(sentences, np.eye(2, dtype=np.float32), {"a.txt": document})


def evidence(t: SentenceTable, row: int, score: float) -> Evidence:
    return Evidence(t.sentences[row], score, score, score, row)


def test_a_companion_whose_antecedent_is_already_quoted_is_quoted_on_its_own():
    t = table()
    answer = compose([evidence(t, 0, 0.6), evidence(t, 1, 0.55)], t, threshold=0.31, max_sentences=3,
                     companion_ratio=0.85, corroboration_ratio=0.65)
    assert [c.quote for c in answer.citations] == [t.sentences[0].text, t.sentences[1].text]
    assert "Taiwan question" in answer.text


def test_a_pronoun_quote_alone_brings_its_antecedent():
    t = table()
    answer = compose([evidence(t, 1, 0.6)], t, threshold=0.31, max_sentences=3, companion_ratio=0.85,
                     corroboration_ratio=0.65)
    assert answer.citations[0].quote == TEXT.rstrip("\n")  # "he said" needs the sentence naming him


def test_without_confidence_it_abstains_whatever_the_score():
    t = table()
    answer = compose([evidence(t, 0, 0.9)], t, threshold=0.31, max_sentences=3, companion_ratio=0.85,
                     corroboration_ratio=0.65, confident=False)
    assert answer.abstained and answer.citations == []


def test_the_composition_reports_what_a_refusal_model_reads():
    from assistant.answer.span import SpanFinder
    from assistant.retrieve.annotation_cache import AnnotationCache

    t = table()
    scored = [evidence(t, 0, 0.6), evidence(t, 1, 0.45)]
    finder = SpanFinder("Who said Washington must stop containing China?", AnnotationCache(16), candidates=2)
    answer = compose(scored, t, threshold=0.31, max_sentences=3, companion_ratio=0.85, corroboration_ratio=0.65,
                     finder=finder)
    assert answer.span_found and answer.score == 0.6 and abs(answer.margin - 0.15) < 1e-9
    untyped = compose(scored, t, threshold=0.31, max_sentences=3, companion_ratio=0.85, corroboration_ratio=0.65)
    assert untyped.span_found is None
    refused = compose([evidence(t, 0, 0.2)], t, threshold=0.31, max_sentences=3, companion_ratio=0.85,
                      corroboration_ratio=0.65, confident=False)  # the refusal model said no
    assert refused.abstained and refused.score == 0.2
