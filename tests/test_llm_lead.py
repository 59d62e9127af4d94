"""When the LLM answer opens with the extractive short answer, and when it does not (spaCy, no server)."""

from __future__ import annotations

from assistant.answer.llm import LeadSpan, answers_otherwise, missing_quotes
from assistant.models import Answer, Citation, ShortAnswer


def lead(text: str, label: str) -> LeadSpan:
    return LeadSpan(ShortAnswer(text=text, n=1, label=label, chars=(0, len(text))), 1, 0)


def test_a_model_naming_another_firm_than_the_span_finder_gets_no_lead():
    # the span finder read the newspaper that reported the bid; the model named the bidder
    assert answers_otherwise("Pernod Ricard", "Which French company is said to be weighing a bid for Allied Domecq?",
                             [lead("the Financial Times", "ORG")])


def test_a_sentence_leaving_the_answer_out_or_sharing_it_keeps_the_lead():
    # names the question gives are not an answer of the model's own
    assert not answers_otherwise("Blinken met Wang Yi in February.", "At which event did Blinken meet Wang Yi in "
                                 "February?", [lead("the Munich Security Conference", "EVENT")])
    # one of two asks answered, the same as the span finder's: both short answers lead
    assert not answers_otherwise("The US ambassador to China is Nicholas Burns.", "Who is the US ambassador to "
                                 "China, and which Chinese foreign minister did he meet in May?",
                                 [lead("Nicholas Burns", "PERSON"), lead("Qin Gang", "PERSON")])
    assert not answers_otherwise("£80,000", "How much did the hut sell for?", [lead("about £80,000", "MONEY")])


MUNICH = "Blinken met Wang Yi in February on the sidelines of the Munich Security Conference."


def extractive(span: str, label: str) -> Answer:
    at = MUNICH.index(span)
    cite = Citation(n=1, file="a.txt", lines=(3, 3), chars=(100, 100 + len(MUNICH)), quote=MUNICH, score=0.8)
    short = ShortAnswer(text=span, n=1, label=label, chars=(at, at + len(span)))
    return Answer(answer=f"{span} [1]. {MUNICH} [1]", abstained=False, query="q", citations=[cite], short_answers=[short])


def test_the_extractive_quote_joins_an_llm_answer_that_leaves_its_short_answer_out():
    fallback = extractive("the Munich Security Conference", "EVENT")
    assert missing_quotes("Blinken met Wang Yi in February [1].", fallback) == fallback.citations
    # already there in the model's words: still quoted (another article may be the one the reader needs)
    assert missing_quotes("the Munich Security Conference [1]. Blinken met Wang Yi there [1].",
                          fallback) == fallback.citations
    # the model names another event: the two readings disagree, and the reader sees the article's words too
    assert missing_quotes("Blinken met Wang Yi at the G20 summit [1].", fallback) == fallback.citations


def test_an_extractive_answer_without_a_short_answer_is_always_kept_beside_the_model():
    cite = Citation(n=1, file="a.txt", lines=(3, 3), chars=(100, 100 + len(MUNICH)), quote=MUNICH, score=0.8)
    fallback = Answer(answer=f"{MUNICH} [1]", abstained=False, query="q", citations=[cite])
    assert missing_quotes("Blinken met Wang Yi in Munich [1].", fallback) == [cite]


def test_over_weak_evidence_a_close_sentence_with_a_fact_given_to_the_wrong_person_falls_back_not_refuses():
    # seeds q033: the model read the right passage and gave a spokesman's words to the minister; refusing
    # would say the articles do not answer, and they do (the extractive answer passes)
    from assistant.answer.guard import Verdict
    from assistant.answer.llm import misassigned
    from assistant.answer.reply import Claim
    from assistant.settings import Settings

    settings = Settings()
    wrong = Verdict(Claim("China's foreign minister urged…"), False, 0.78,
                    reason="gives another's words or deed to minister")
    assert misassigned(wrong, settings)
    far = Verdict(Claim("China's foreign minister urged…"), False, 0.6,
                  reason="gives another's words or deed to minister")
    unsupported = Verdict(Claim("The premier hinted…"), False, 0.8, reason="support 0.51 below 0.70")
    assert not misassigned(far, settings) and not misassigned(unsupported, settings)
