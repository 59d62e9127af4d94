"""Checks that decide whether a sentence can answer at all (answer types: tests/test_spans.py)."""

from assistant.retrieve.evidence import leans_on_previous
from assistant.retrieve.presuppositions import asked_speaker, attributes_to


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


def test_a_name_the_articles_lead_gives_counts_for_its_later_sentences():
    from assistant.retrieve.evidence import lexical_support, name_terms
    from assistant.retrieve.presuppositions import analyse
    from assistant.retrieve.terms import TermStats, content_terms

    texts = ["Middlesbrough mayor Ray Mallon has been drafted in to boost the campaign.",
             "The former police chief, dubbed Robocop for his zero tolerance style, clashed with Neil Herron.",
             "Other police chiefs favour a zero tolerance style too.", "Voters go to the polls on Thursday.",
             "Ray Burns, dubbed Robocop for his zero tolerance style, clashed with Neil Herron."]
    stats = TermStats.from_texts(texts)
    question = "What nickname did Ray Mallon earn for his zero tolerance style?"
    terms = content_terms(question)
    given = name_terms(question, analyse(question))
    assert [n.stems for n in given] == [{"ray", "mallon"}]
    in_article = lexical_support(terms, texts[1], stats, given)
    elsewhere = lexical_support(terms, texts[2], stats)
    assert in_article > elsewhere  # same words, but only one is in the article about Mallon
    assert in_article < lexical_support(terms, texts[1] + " Ray Mallon", stats)  # naming him is still better
    # a sentence naming another Ray speaks of him, not of the article's Ray Mallon
    assert lexical_support(terms, texts[4], stats, given) == lexical_support(terms, texts[4], stats)
    # …while one calling him by his surname is about him
    assert lexical_support(terms, "Mallon was dubbed Robocop.", stats, given) > \
        lexical_support(terms, "Mallon was dubbed Robocop.", stats)


def test_only_the_names_a_question_asks_about_are_left_to_the_article():
    from assistant.retrieve.evidence import name_terms
    from assistant.retrieve.presuppositions import analyse

    asked_about = "What nickname did Ray Mallon earn for his zero tolerance approach?"
    assert [n.stems for n in name_terms(asked_about, analyse(asked_about))] == [{"ray", "mallon"}]
    # the answer is who bid for Allied Domecq: a sentence must still name the target to say so
    asked_for = "Which French company is said to be weighing a bid for Allied Domecq?"
    assert name_terms(asked_for, analyse(asked_for)) == ()


def test_an_article_that_names_its_subject_in_its_second_sentence_states_it_for_later_ones():
    from assistant.models import DocumentMeta, Sentence
    from assistant.retrieve.evidence import article_lead
    from assistant.retrieve.presuppositions import Neighbourhood, analyse, unmet

    texts = ["Security firms are warning about a virus disguising itself as a greeting card.",
             "The Zafi.D virus translates its greeting into the reader's language.",
             "Anti-virus firms say it is spreading widely.",
             "The virus' subject line translates this into one of 15 languages."]
    rows = [Sentence(file="v.txt", chunk_id="v.txt:0", start=0, end=len(t), line_start=i + 1, line_end=i + 1, text=t)
            for i, t in enumerate(texts)]
    meta = {"v.txt": DocumentMeta(title="Virus poses as greeting")}
    asked = analyse("Into how many languages can Zafi.D translate its greeting?")
    later = texts[3]
    assert "names" in unmet(asked, Neighbourhood(later, later, document_lead=article_lead(rows, 3, meta)))
    assert unmet(asked, Neighbourhood(later, later, document_lead=article_lead(rows, 3, meta, 2))) == []


def test_a_follow_ups_own_words_outweigh_its_conversations():
    from assistant.retrieve.evidence import lexical_support, query_terms
    from assistant.retrieve.terms import TermStats

    texts = ["The attachment poses as a card but anyone opening it will get a crude image of smiley faces.",
             "The Zafi.D virus translates the greeting on its subject line into many languages.",
             "Users must open the attachment to be infected by the virus."]
    stats = TermStats.from_texts(texts)
    terms, context = query_terms("What do people get if they open the attachment? (context: What does the "
                                 "Zafi.D virus pretend to be?)")
    assert "context" not in terms and {"virus", "pretend"} <= context and "attach" not in context
    answer, topic = (lexical_support(terms, t, stats, context=context) for t in texts[:2])
    assert answer > topic  # unweighted, the context's "Zafi.D virus" words make the topic sentence win
