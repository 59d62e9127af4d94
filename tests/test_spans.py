"""What a question asks for and which span of a sentence answers it (real spaCy pipeline)."""

import pytest

from assistant.answer.span import SpanFinder, spans_for
from assistant.models import Sentence
from assistant.retrieve.annotation_cache import AnnotationCache
from assistant.retrieve.evidence import Evidence
from assistant.retrieve.question import parse_question

CACHE = AnnotationCache(256)


def annotate(text):
    return CACHE.annotate([text])[0]


@pytest.mark.parametrize("question, label", [
    ("Who founded the company?", "PERSON"),
    ("Which firm bought the studio?", "ORG"),
    ("In which city did the band play?", "GPE"),
    ("Where did the minister spend the night?", "GPE"),
    ("When did the strike end?", "DATE"),
    ("How much did the shares fall?", "PERCENT"),
    ("How much did the deal cost?", "MONEY"),
    ("How many jobs will go?", "CARDINAL"),
    ("What is the name of the club's manager?", "PERSON"),
    ("In what year did the museum open?", "DATE"),
    ("Where does the team rank in the league?", "ORDINAL"),
    ("What is the longest prison term the boss could get?", "DATE"),  # a period: "up to 85 years"
    ("What annualised growth rate did the economy manage?", "PERCENT"),  # a participle before the noun
])
def test_the_question_decides_the_type_of_its_answer(question, label):
    ask = parse_question(question).first
    assert label in ask.labels and ask.strict


def test_a_head_noun_that_merely_ends_like_a_title_is_not_a_person():
    device = parse_question("Which device came second in the list?").first
    assert "PERSON" not in device.labels and "PRODUCT" in device.labels  # "de-vice" is no vice-president
    assert "PERSON" in parse_question("Which spokespeople criticised the plan?").first.labels


@pytest.mark.parametrize("question", ["What did the minister say about the plan?", "Did the talks go well?"])
def test_questions_without_a_typed_answer_ask_for_none(question):
    assert not parse_question(question).typed


@pytest.mark.parametrize("question, purpose", [
    ("What was the firm hoping to get out of paying off the official?", True),
    ("What did the firm hope to achieve by cutting prices?", True),
    ("What did he get for winning the race?", False),  # a prize, not a purpose
    ("What does the firm plan to do with the money?", False),
])
def test_what_an_intended_outcome_of_a_deed_was_asks_why(question, purpose):
    assert parse_question(question).first.reason == purpose


def test_what_a_question_calls_a_reason_asks_why():
    assert parse_question("What does the economist see as the main reason for the drop?").first.reason
    assert not parse_question("What does the firm see as its biggest market?").first.reason


def test_why_asks_for_a_reason():
    ask = parse_question("Why was the match called off?").first
    assert ask.reason and not ask.strict


@pytest.mark.parametrize("question, count", [
    ("Which two companies merged to form the group?", 2),
    ("Name the three bands that played at the festival.", 3),
    ("Who were the winners of the awards?", None),
    ("Which players did the club sell?", None),
])
def test_list_questions_want_several_items(question, count):
    ask = parse_question(question).first
    assert ask.several and ask.count == count


def test_a_question_with_two_asks_is_split_where_and_joins_a_second_wh_phrase():
    parse = parse_question("Who won the vote, and by how many seats?")
    assert [a.wh for a in parse.asks] == ["who", "how many"]
    assert parse.asks[1].counted == "seat"
    assert "vote" in parse.asks[1].terms  # the second ask leans on the first one's words


@pytest.mark.parametrize("question", ["Who did the prime minister and the chancellor meet?",
                                      "Which shops and banks will close?"])
def test_and_inside_one_ask_does_not_split_it(question):
    assert len(parse_question(question).asks) == 1


def _span_texts(question, sentence, ask=0):
    parse = parse_question(question)
    return [s.text for s in spans_for(parse.asks[ask], annotate(sentence), question)]


def test_an_amount_answer_keeps_its_currency_and_joins_the_amount_beside_it():
    spans = _span_texts("How much did the firm's quarterly profits rise?",
                        "Quarterly profits at the firm jumped 76% to $1.13bn for the three months to December.")
    assert spans[0] == "76% to $1.13bn"


def test_the_answer_is_not_what_the_question_already_names():
    spans = _span_texts("Who did Anna Lindqvist meet in Oslo?", "Lindqvist met Jonas Berg in Oslo on Monday.")
    assert spans == ["Jonas Berg"]


def test_a_sentence_without_the_asked_type_has_no_span():
    assert _span_texts("Who chairs the committee?", "The committee meets every week to discuss the budget.") == []


@pytest.mark.parametrize("question, answering, span, not_answering", [
    # a place is where something is, not a modifier
    ("Where did the trade representative meet the minister?", "The minister met the trade representative in Detroit.",
     "Detroit", "The US Trade Representative welcomed the minister warmly."),
    # "what date" needs a calendar date
    ("On what date will the festival be held?", "The festival will be held on 14 June.", "14 June",
     "The festival will be held next year."),
    # "how many seats" needs a count of seats
    ("How many seats did the party win?", "The party won 66 seats.", "66 seats", "The party won in three regions."),
    # "how long" needs a counted time unit
    ("How long did the talks last?", "The talks lasted three hours.", "three hours", "The talks ended last November."),
])
def test_only_a_span_of_the_precise_kind_answers(question, answering, span, not_answering):
    assert _span_texts(question, answering) == [span]
    assert _span_texts(question, not_answering) == []


def test_why_is_answered_by_the_reason_clause():
    spans = _span_texts("Why was the match called off?",
                        "The match was called off because the pitch was frozen.")
    assert spans == ["because the pitch was frozen"]


def test_each_ask_of_a_two_part_question_finds_its_own_span():
    question = "Who won the vote, and by how many seats?"
    sentence = "Labour won the vote by 66 seats."
    assert _span_texts(question, sentence, 0) == ["Labour"]
    assert _span_texts(question, sentence, 1) == ["66 seats"]


def _evidence(text, score, row):
    s = Sentence(file="a.txt", chunk_id="a.txt:0", start=0, end=len(text), line_start=row + 1, line_end=row + 1,
                 text=text)
    return Evidence(s, score, score, score, row)


def test_a_sentence_without_the_asked_type_loses_to_one_that_has_it():
    finder = SpanFinder("Who chairs the budget committee?", CACHE, candidates=4)
    topical = _evidence("The budget committee meets every week to discuss spending.", 0.6, 0)
    answer = _evidence("Maria Costa chairs the budget committee.", 0.5, 1)
    ranked = finder.rerank([topical, answer])
    assert ranked[0].row == 1
    assert ranked[1].score < topical.score and "answer-type" in ranked[1].marked_down


def test_when_no_candidate_has_the_asked_type_every_score_drops():
    finder = SpanFinder("Who chairs the budget committee?", CACHE, candidates=1)
    ranked = finder.rerank([_evidence("The budget committee meets every week.", 0.6, 0),
                            _evidence("Spending rose again this year.", 0.5, 1)])
    assert all(e.score < 0.6 * 0.5 for e in ranked)  # beyond the parsed candidates counts as unverified


@pytest.mark.parametrize("sentence, reason", [
    ("The union called the strike in response to the planned job cuts.", "in response to the planned job cuts"),
    ("Heavy snow forced the organisers to cancel the race.", "Heavy snow"),
    ("The cancellation was caused by a row over pay.", "by a row over pay"),  # passive: the agent
    ("The falls were triggered when stocks were found to be 3.5% higher.",
     "when stocks were found to be 3.5% higher"),
    ("Fans wearing masks will be turned away on safety grounds.", "on safety grounds"),
    ("The main reason is probably that the domestic economy is still weak.",
     "that the domestic economy is still weak"),  # what "the reason is" equates
])
def test_a_reason_phrase_or_the_cause_of_the_event_answers_why(sentence, reason):
    assert _span_texts("Why was the event cancelled?", sentence) == [reason]


def test_untagged_names_listed_with_a_tagged_one_join_it():
    spans = _span_texts("Which companies did the regulator fine?",
                        "The regulator fined the chipmakers Intel and Micron on Monday.")
    assert {"Intel", "Micron"} <= set(spans)


def test_an_amount_belongs_to_the_subject_of_its_verb():
    question = "How much did Time Warner's quarterly profits rise?"
    quarterly = ("Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three "
                 "months to December, from $639m year-earlier.")
    span = spans_for(parse_question(question).first, annotate(quarterly), question)[0]
    assert span.text == "76% to $1.13bn" and span.asked  # the profits jumped 76%, far before the figure


def test_a_mistyped_name_answers_only_when_it_hangs_from_the_asked_noun():
    question = "Which two officials did the minister meet?"
    text = ("The announcement follows an earlier meeting in Vienna between top Chinese official Wang Yi and "
            "National Security Adviser Jake Sullivan.")
    found = [s.text for s in spans_for(parse_question(question).first, annotate(text), question)]
    assert "Vienna" not in found and "Wang Yi" in found  # a place a few words from "official" is no official


def test_a_period_asked_by_its_noun_is_answered_by_a_duration():
    question = "What is the heaviest ban the sprinters face under the rules?"
    ask = parse_question(question).first
    assert ask.duration and ask.head == "ban"
    text = "They face a one-year ban from the sport, the federation said on Monday."
    assert [s.text for s in spans_for(ask, annotate(text), question)] == ["one-year"]
    assert parse_question("What was the premier hinting at?").first.head is None  # the premier is no answer


def test_every_item_of_a_coordinated_list_stands_where_its_first_item_stands():
    question = "Which actors from the comedy won acting awards?"
    text = "It also won acting awards for stars Paul Giamatti, Thomas Haden Church and Virginia Madsen."
    spans = spans_for(parse_question(question).first, annotate(text), question)
    assert [s.text for s in spans if s.linked] == ["Paul Giamatti", "Thomas Haden Church", "Virginia Madsen"]


def test_which_year_is_answered_by_a_year_not_by_any_figure():
    question = "In which year did the former minister become party leader?"
    died = "The former minister has died on the eve of his 93rd birthday."
    assert spans_for(parse_question(question).first, annotate(died), question) == []
    led = "He became party leader in 1976 after the resignation of his rival."
    assert [s.text for s in spans_for(parse_question(question).first, annotate(led), question)] == ["1976"]


def test_an_amount_of_something_else_does_not_answer_how_much_the_asked_thing_is_worth():
    finder = SpanFinder("How much is Umbro's new kit deal with Rangers worth?", CACHE, candidates=4)
    profit = _evidence("UK sportswear firm Umbro has posted a 222% rise in annual profit.", 0.6, 0)
    deal = _evidence("Umbro's new kit deal with Rangers is worth £8m a year.", 0.5, 1)
    ranked = finder.rerank([profit, deal])
    assert ranked[0].row == 1 and "answer-type" in ranked[1].marked_down
    # a follow-up or a question in generic words says too little to tell: the figure stays an answer
    vague = SpanFinder("How much of the money goes to the SEC?", CACHE, candidates=4)
    paid = _evidence("It is also paying $500,000 to the SEC to settle the charge.", 0.6, 0)
    assert "answer-type" not in vague.rerank([paid])[0].marked_down


def test_a_figure_after_a_currency_sign_is_money():
    question = "How much would the ten gadgets cost?"
    text = "Owning all 10 gadgets will set the gadget lover back £7,455."
    assert "£7,455" in [s.text for s in spans_for(parse_question(question).first, annotate(text), question)]


def test_a_figure_qualified_by_another_name_of_the_asked_kind_answers_another_question():
    question = "What growth rate did Japan's economy manage in the third quarter?"
    ask = parse_question(question).first
    us = ("The US economy grew at an annual rate of 3.7% in the third quarter, while jobs growth averaged "
          "178,000 during the same period.")
    assert spans_for(ask, annotate(us), question) == []  # both figures are the US's
    japan = "Japan's economy grew by just 0.1% in the third quarter."
    assert [s.text for s in spans_for(ask, annotate(japan), question)] == ["just 0.1%"]
    # a name describing the asked noun itself is no owner: "US chipmakers Intel and Micron"
    chips = "Which US chipmakers did the secretary raise concerns about?"
    text = "She raised concerns about curbs placed by China on U.S. chipmakers Intel and Micron."
    assert {"Intel", "Micron"} <= {s.text for s in spans_for(parse_question(chips).first, annotate(text), chips)}


def test_a_rate_is_answered_by_the_percentage_not_by_a_count_beside_it():
    question = "What is the country's jobless rate?"
    text = "The jobless rate rose to 4.7%, still one of the lowest in the world."
    assert [s.text for s in spans_for(parse_question(question).first, annotate(text), question)] == ["4.7%"]


def test_an_amount_beside_the_noun_of_the_asked_verb_answers_how_much():
    finder = SpanFinder("How much is the club paying the firm for ending their deal early?", CACHE, candidates=4)
    payment = _evidence("The firm, which is to receive a payment from the club of £24.5m, is appraising options.",
                        0.5, 0)
    assert "answer-type" not in finder.rerank([payment])[0].marked_down  # "payment" states "pay"


def test_a_date_of_the_asked_verb_with_another_complement_is_not_the_asked_event():
    question = "In which year did the minister become party leader?"
    ask = parse_question(question).first
    peer = "He held the offices of chancellor and party leader and became Lord Smith of Cardiff in 1987."
    assert [(s.text, s.linked) for s in spans_for(ask, annotate(peer), question)] == [("1987", False)]
    led = "He became party leader in 1976 after the resignation of his rival."
    assert [(s.text, s.asked) for s in spans_for(ask, annotate(led), question)] == [("1976", True)]


def test_how_long_is_not_answered_by_an_ordinal_day():
    question = "How long did the meeting last?"
    text = "Today, the second day of the visit, the minister met the premier."
    assert spans_for(parse_question(question).first, annotate(text), question) == []


def test_a_question_opening_on_how_asks_the_manner_even_if_a_clause_has_when():
    ask = parse_question("How did the speaker respond when Beijing cut off talks?").first
    assert ask.wh == "how" and not ask.labels


def test_an_amount_or_date_of_another_named_subject_does_not_answer_for_the_asked_one():
    question = "How much did Prince make in 2004?"
    ask = parse_question(question).first
    other = "They were ahead of Sir Elton John, who took fourth place and almost $42.7m from performances."
    assert spans_for(ask, annotate(other), question) == []
    own = "Prince banked $56.5m from concerts, album and publishing sales."
    assert [s.text for s in spans_for(ask, annotate(own), question)] == ["$56.5m"]
    when = "When did Li Qiang become premier?"
    met = "Commerce Secretary Gina Raimondo today met Premier Li Qiang to discuss export controls."
    assert spans_for(parse_question(when).first, annotate(met), when) == []


def test_a_count_is_given_with_the_counted_noun():
    question = "How many points did the fly-half score?"
    text = "The Pumas shocked the Irish early on, and the fly-half kicked 14 points."
    assert [s.text for s in spans_for(parse_question(question).first, annotate(text), question)] == ["14 points"]
    people = "How many people live in the village?"
    run = "The station is run by the 8,000 residents of the village."
    assert [s.text for s in spans_for(parse_question(people).first, annotate(run), people)] == ["8,000"]


def test_a_bare_where_prefers_the_place_by_the_name_it_gives():
    question = "Where was Katherine Tai going to meet him?"
    text = ("The meeting with Raimondo in Washington had not been announced, but the meeting with Tai in Detroit "
            "was expected.")
    assert spans_for(parse_question(question).first, annotate(text), question)[0].text == "Detroit"


def test_the_name_the_asked_noun_stands_for_answers_even_if_ner_missed_it():
    ask = parse_question("Which Scottish club has signed a new kit deal with Umbro?").first
    sentence = ("Umbro, which recently lost sponsorship deals with Chelsea and Celtic, said on Thursday it had "
                "signed a new four-year agreement with Scottish club Rangers.")
    assert spans_for(ask, annotate(sentence), ask.text)[0].text == "Rangers"


def test_a_nationality_inside_a_compound_adjective_is_no_answer_to_who():
    ask = parse_question("Who will supply kit to the athletics squads?").first
    sentence = "The German-based firm kitted out the team at the 2004 Olympics."
    assert "German" not in [s.text for s in spans_for(ask, annotate(sentence), ask.text)]


@pytest.mark.parametrize("question, head, label", [
    ("What is the group developing the copy-protection system called?", "group", "ORG"),
    ("What was the virus dubbed?", "virus", "WORK_OF_ART"),  # a name of any kind
    ("What is the title of the film the actor wants to make?", "film", "WORK_OF_ART"),
    ("Which titles has the player won?", "title", "EVENT"),
])
def test_a_question_for_a_name_asks_for_a_named_thing(question, head, label):
    ask = parse_question(question).first
    assert ask.head == head and label in ask.labels and not ask.strict


def test_a_participle_clause_dates_its_own_event_not_the_main_verbs():
    ask = parse_question("In which year did the minister become a clerk?").first
    sentence = "Born in 1912 and educated in Portsmouth, the minister became a clerk at the Inland Revenue."
    spans = spans_for(ask, annotate(sentence), ask.text)
    assert [s.text for s in spans] == ["1912"] and not spans[0].asked  # a birth year, not when he became one


def test_a_follow_up_keeps_to_the_best_sentences_article_when_a_linked_span_lies_elsewhere():
    def at(file, text, score, row):
        s = Sentence(file=file, chunk_id=f"{file}:0", start=0, end=len(text), line_start=1, line_end=1, text=text)
        return Evidence(s, score, score, score, row)

    topic = at("play.txt", "The Media Council said the performance would not be put on.", 0.40, 0)
    elsewhere = at("game.txt", "\u201cThis game is so good,\u201d wrote Charles MacIntyre, from England.", 0.33, 1)
    alone = SpanFinder("Who wrote it?", CACHE, candidates=4).rerank([topic, elsewhere])
    assert alone[0].sentence.file == "game.txt"  # a question on its own: the span by "wrote" wins
    follow_up = SpanFinder("Who wrote it? (context: The Monologues; Which play was banned?)", CACHE, candidates=4)
    assert follow_up.rerank([topic, elsewhere])[0].sentence.file == "play.txt"


def test_who_did_it_is_answered_by_the_doer_of_the_asked_deed_not_a_name_beside_the_topic():
    ask = parse_question("Who wrote the charity song?").first
    others = spans_for(ask, annotate("Singers including Cliff Richard and Boy George are recording a charity single."),
                       ask.text)
    assert others and not any(s.states for s in others)  # they record it: beside its words, not its writers
    writer = spans_for(ask, annotate("The song, titled Grief Never Grows Old, was written by radio DJ Mike Read."),
                       ask.text)
    assert writer[0].text.endswith("Mike Read") and writer[0].states


def test_how_much_did_a_named_subject_lose_is_answered_by_its_own_figure_not_a_neighbours():
    ask = parse_question("How much did Biogen Idec lose?").first
    text = "On the New York Stock Exchange, shares in Ireland-based Elan lost 70% while US partner Biogen Idec shed 43%."
    assert spans_for(ask, annotate(text), ask.text)[0].text == "43%"


def test_a_name_described_as_one_of_the_asked_kind_answers_even_when_typed_as_a_person():
    ask = parse_question("Which whisky maker did Pernod try to buy?").first
    text = "Last year Pernod tried to buy Glenmorangie, one of Scotland's premier whisky firms, but lost out to LVMH."
    assert spans_for(ask, annotate(text), ask.text)[0].text == "Glenmorangie"


def test_a_judge_is_not_answered_by_another_kind_of_person():
    ask = parse_question("Which judge is presiding over the fraud trial?").first
    text = "The fraud trial heard from prosecutor Ann Wright and chief executive Jon Smolders on Monday."
    assert not any(s.titled for s in spans_for(ask, annotate(text), ask.text))


def test_a_name_a_naming_verb_gives_answers_a_question_for_a_name_even_in_lower_case():
    ask = parse_question("What name is given to the mix of artificial intelligence and chance behind the tool?").first
    assert ask.naming
    text = "The tool uses a system dubbed smart serendipity, which is a combination of artificial intelligence and luck."
    spans = spans_for(ask, annotate(text), ask.text)
    assert spans and spans[0].text == "smart serendipity" and spans[0].given_name
    plain = "The tool uses a combination of artificial intelligence and luck."
    assert not any(s.given_name for s in spans_for(ask, annotate(plain), ask.text))


def test_a_count_of_the_thing_called_otherwise_answers_how_many_when_none_of_the_asked_noun_is_given():
    q = "How many critical flaws did the monthly security bulletin flag up?"
    ask = parse_question(q).first
    sentence = "In its monthly security bulletin, it flagged up eight \"critical\" security holes."
    assert [s.text for s in spans_for(ask, annotate(sentence), q)] == ["eight"]
    # where the sentence counts the asked noun, another count does not answer; nor a count by other words
    assert [s.text for s in spans_for(ask, annotate("It flagged up eight holes, three of them critical flaws."),
                                      q)] == ["three"]
    assert spans_for(ask, annotate("Two new firms joined the bulletin's list of sponsors."), q) == []


def test_words_of_a_name_the_tagger_misread_are_still_named_by_the_question():
    q = "Which Real Madrid official did Reyes think he was speaking to?"
    ask = parse_question(q).first
    assert "reyes" in ask.named
    sentence = "Jose Antonio Reyes believed he was talking to Real Madrid sporting director Emilio Butragueno."
    assert [s.text for s in spans_for(ask, annotate(sentence), q)][:1] == ["Emilio Butragueno"]


def test_a_hyphenated_word_does_not_cut_the_asked_noun_short():
    assert parse_question("How many T-Mobile customers had their names stolen?").first.counted == "customer"


def test_what_did_x_call_y_asks_for_the_name_a_naming_verb_gives_even_to_a_pronoun():
    q = "What did the prime minister call his tactic of facing hostile voters?"
    ask = parse_question(q).first
    assert ask.naming and ask.head == "tactic"
    said = 'He called it his "masochism strategy" in the run-up to the war.'
    assert "masochism strategy" in spans_for(ask, annotate(said), q)[0].text
    assert not parse_question("What did the union call for?").first.naming


def test_what_date_is_answered_by_a_calendar_date_and_how_old_by_an_age():
    date = "For what date are the strikes by council workers pencilled in?"
    assert _span_texts(date, "Workers could take part in strikes earmarked for 23 March.") == ["23 March"]
    assert _span_texts(date, "The rules would raise the pension age for council workers from 60 to 65.") == []
    old = "How old was the minister when he became prime minister?"
    said = "In 1997, the minister became the youngest premier of the century, at the age of 43."
    assert _span_texts(old, said) == ["the age of 43"]  # not the year he became it
    assert _span_texts("How old was the peer when he died?", "The peer died aged 92, his family said.") == ["92"]
