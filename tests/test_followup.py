"""Follow-up questions become standalone queries without a language model."""

import pytest

from assistant.chat.followup import Turn, cited_before, is_follow_up, prefer_files, standalone_query


def turn(question, answer, query=None, abstained=False):
    return Turn(question=question, query=query or question, answer=answer, abstained=abstained)


def test_pronoun_takes_the_name_a_who_question_was_answered_with():
    history = [turn("Who is China's No. 2 leader?", "Li Qiang, China's no. 2 leader, told Raimondo ... [1]")]
    assert standalone_query("What did he hope Washington would take?", history) == \
        "What did Li Qiang hope Washington would take?"


def test_possessive_pronoun_and_name_from_the_previous_question():
    history = [turn("Where did Gina Raimondo travel in August?", "She went to Beijing. [1]")]
    assert standalone_query("What was her message there?", history).startswith("What was Gina Raimondo's message")


def test_ellipsis_carries_the_previous_topic():
    history = [turn("When did Beijing cut off talks with Washington?", "In August 2022. [1]")]
    query = standalone_query("And why?", history)
    assert "Beijing cut off talks" in query


def test_standalone_questions_are_left_alone():
    history = [turn("Who is China's No. 2 leader?", "Li Qiang ... [1]")]
    question = "Which company's smartphone business was crippled by US curbs?"
    assert not is_follow_up(question) and standalone_query(question, history) == question
    assert standalone_query("What did he say?", []) == "What did he say?"


def test_pronouns_stand_for_people_not_places():
    history = [turn("What strategy did Raimondo defend?",
                    "She defended the strategy of de-risking supply chains in the United States. [1]")]
    assert standalone_query("What did she insist?", history).startswith("What did Raimondo insist?")


def test_a_question_that_names_nothing_continues_the_conversation():
    history = [turn("What visits is the Biden administration arranging?", "A series of visits to Beijing. [1]")]
    assert is_follow_up("With what aim?")
    assert "Biden administration" in standalone_query("With what aim?", history)


def test_a_name_in_a_list_is_not_described_by_the_next_item():
    # "Premier Li, Vice Premier He Lifeng, and …" is a list: "Vice Premier" describes He Lifeng, not Li
    previous = turn("Which vice premier met Raimondo?",
                    "Raimondo met with Premier Li, Vice Premier Hé Lìfēng, and the tourism minister. [1]")
    assert standalone_query("What did he say he was ready to make?", [previous]).startswith(
        "What did Hé Lìfēng say")


def answered(question, answer, short=None, files=("a.txt",), query=None):
    return Turn(question=question, query=query or question, answer=answer, abstained=False, short_answer=short,
                files=list(files))


@pytest.mark.parametrize("previous, query, follow_up, expected", [
    # a noun phrase takes the place of the phrase it parallels
    ("At what price did Brent crude close after two days of falls?", None, "And US light crude?",
     "At what price did US light crude close after two days of falls?"),
    # a place replaces the place of the previous question
    ("How many people voted in Scotland?", None, "What about Wales?", "How many people voted in Wales?"),
    # a date replaces the previous question's date, never its subject
    ("How much did Time Warner profits rise in the fourth quarter?", None, "What about the third quarter?",
     "How much did Time Warner profits rise in the third quarter?"),
    # a prepositional phrase replaces the one with the same preposition
    ("How much did he get for it?", "How much did William Hague get for it? (context: Which paper paid William Hague?)",
     "And for presenting the quiz show?", "How much did William Hague get for presenting the quiz show?"),
])
def test_an_elliptical_fragment_replaces_the_phrase_it_parallels(previous, query, follow_up, expected):
    history = [answered(previous, "An answer [1]. ... [1]", query=query)]
    assert standalone_query(follow_up, history) == expected


def test_it_is_the_work_the_previous_answer_named_when_a_work_was_asked_for():
    history = [answered("Which play have the authorities banned?",
                        "The authorities have banned the play The Vagina Monologues, due to open this weekend. [1]")]
    query = standalone_query("Who wrote it?", history)
    assert query.startswith("Who wrote it?") and "The Vagina Monologues" in query


def test_it_is_the_short_answer_to_a_which_question():
    history = [answered("Which film was the actor making when he got hurt?",
                        "Tears of the Sun [1]. The actor was hurt making Tears of the Sun. [1]", short="Tears of the Sun")]
    assert "Tears of the Sun" in standalone_query("Who directed it?", history)


def test_its_is_the_thing_the_previous_question_was_about_when_it_asked_for_a_number():
    history = [answered("How many awards did Sideways win?", "six [1]. Sideways won all six. [1]", short="six")]
    query = standalone_query("Who was its director?", history)
    assert "Sideways" in query and "six" not in query.split("(context:")[1]


def test_its_after_an_answered_which_question_is_that_thing_alone():
    # the previous question's other names ("the brewer") would pull towards the wrong owner
    history = [answered("Which company bought the brewer?", "Pernod Ricard [1]. Pernod Ricard bought it. [1]",
                        short="Pernod Ricard")]
    assert standalone_query("What was its last big acquisition?", history) == \
        "What was its last big acquisition? (context: Pernod Ricard)"
    assert "Which company bought the brewer?" in standalone_query("Who runs it?", history)  # "it": as before


def test_an_answer_that_describes_the_asked_thing_points_to_the_name_the_article_gave_before():
    # "the French spirits firm" restates "French company": the source named beside it is not the firm
    article = ("Shares in Allied Domecq rose on talk of a takeover by France's Pernod Ricard.\n\n"
               "Reports in the Financial Times suggested that the French spirits firm is considering a bid.")
    history = [answered("Which French company is said to be weighing a bid for Allied Domecq?",
                        "the Financial Times [1]. Reports in the Financial Times suggested that the French spirits "
                        "firm is considering a bid. [1]", short="the Financial Times")]
    query = standalone_query("What was its last big acquisition?", history, {"a.txt": article}.get)
    assert query == "What was its last big acquisition? (context: Pernod Ricard)"


@pytest.mark.parametrize("article, asked, said, short, followup", [
    # a description naming its owner ("the smartphone enterprise of Huawei Ltd.") is no pointer back
    ("The Communist Party objects.\n\nThe curbs crippled the smartphone enterprise of Huawei Ltd., a model.",
     "Which Chinese company's smartphone business was crippled by US curbs?",
     "Huawei Ltd. [1]. The curbs crippled the smartphone enterprise of Huawei Ltd., a model. [1]", "Huawei Ltd.",
     "What was its new phone?"),
    # nor is one that gives its name ("The French firm, Pernod Ricard")
    ("Rivals led by Blue Group had bid.\n\nThe French firm, Pernod Ricard, is considering a bid.",
     "Which French company is weighing a bid?",
     "Pernod Ricard [1]. The French firm, Pernod Ricard, is considering a bid. [1]", "Pernod Ricard",
     "What was its last big acquisition?"),
])
def test_a_description_that_names_is_no_pointer_back(article, asked, said, short, followup):
    history = [answered(asked, said, short=short)]
    assert standalone_query(followup, history, {"a.txt": article}.get) == f"{followup} (context: {short})"


def test_it_is_the_name_playing_the_asked_part_in_the_answer_without_a_short_answer():
    history = [answered("Which film held the number one spot at the box office?",
                        "Comedy Meet The Fockers has held on to the number one spot at the box office. [1]")]
    assert "(context: Comedy Meet The Fockers;" in standalone_query("How much did it take?", history)
    history = [answered("Which committee ordered a rewrite of the patent law?",
                        "A European Parliament committee has ordered a rewrite of the European Union rules. [1]")]
    assert "European" not in standalone_query("How much did it cost?", history).split(")")[0]


@pytest.mark.parametrize("previous_query, follow_up, expected", [
    ("What was Pernod Ricard's last big acquisition?", "When was that?", "When was Pernod Ricard's last big acquisition?"),
    ("What was Pernod Ricard's last big acquisition?", "When did that happen?",
     "When did Pernod Ricard's last big acquisition happen?"),
    # the phrase keeps the context that said whose it was
    ("What was its last big acquisition? (context: Pernod Ricard)", "When was that?",
     "When was its last big acquisition? (context: Pernod Ricard)"),
])
def test_that_is_what_the_previous_question_asked_about(previous_query, follow_up, expected):
    history = [answered("What was its last big acquisition?", "Seagram, in 2000. [1]", query=previous_query)]
    assert standalone_query(follow_up, history) == expected


def test_that_after_a_question_about_no_phrase_keeps_the_conversation_as_context():
    history = [answered("Who won the vote?", "Labour [1]. Labour won. [1]", short="Labour")]
    assert standalone_query("When was that?", history).startswith("When was that? (context: Who won the vote?")


def test_a_question_naming_nothing_keeps_to_the_cited_articles_but_gets_no_context_words():
    history = [answered("How many people tried out the brainwave cap?", "Four [1]. ... [1]", files=("tech/1.txt",))]
    question = "Where did the team publish the results?"
    assert standalone_query(question, history) == question
    assert cited_before(question, history) == ("tech/1.txt",)
    assert cited_before("Where did the Tate show ArtGarden?", history) == ()  # it names its own topic


def test_she_is_not_a_man_the_article_calls_mr():
    history = [answered("Who met Anna Lee?", "Tom Baker [1]. Tom Baker met Anna Lee, the minister. [1]",
                        short="Tom Baker")]
    articles = {"a.txt": "Tom Baker met Anna Lee. Mr Baker said the talks went well. Ms Lee said she agreed."}
    assert standalone_query("What did she say?", history, articles.get).startswith("What did Anna Lee say?")
    assert standalone_query("What did he say?", history, articles.get).startswith("What did Tom Baker say?")
    assert standalone_query("What did she say?", history, {"a.txt": "Mr Lee spoke."}.get) != "What did Anna Lee say?"


def test_the_previous_articles_are_scored_up_by_the_boost():
    from types import SimpleNamespace as NS

    scored = [NS(score=0.6, sentence=NS(file="b.txt")), NS(score=0.5, sentence=NS(file="a.txt"))]
    ranked = prefer_files(scored, ("a.txt",), 0.5)
    assert [e.sentence.file for e in ranked] == ["a.txt", "b.txt"] and ranked[0].score == 0.75


def test_a_fragment_with_nothing_to_put_in_or_its_own_question_word_is_not_rewritten():
    history = [answered("How many people voted in Scotland?", "Two million [1]. ... [1]")]
    assert standalone_query("And last year?", history).startswith("And last year? (context: How many people voted")
    history = [answered("How old was Lord Callaghan when he died?", "aged 92 [1]. ... [1]")]
    assert not standalone_query("And he?", history).startswith("How old was he")
    assert standalone_query("And why?", history).startswith("And why? (context: How old was Lord Callaghan")


def test_a_pronoun_after_a_name_of_the_question_own_is_no_follow_up():
    history = [answered("Which Scottish club has signed a kit deal with Umbro?", "Rangers [1]. ... [1]")]
    question = "How much is Chelsea paying Umbro for ending their deal early?"
    assert not is_follow_up(question) and standalone_query(question, history) == question
    assert is_follow_up("How much are they paying Chelsea?")  # "they" comes before any name: the conversation's


def test_a_pronoun_inside_an_elliptical_fragment_is_resolved_too():
    history = [answered("How old was Lord Callaghan when he died?", "aged 92 [1]. Lord Callaghan has died. [1]")]
    assert standalone_query("And his wife?", history) == "How old was Lord Callaghan's wife when he died?"


def test_the_noun_an_earlier_question_asked_for_is_that_answer():
    history = [answered("Which company bought the brewer?", "Pernod Ricard [1]. Pernod Ricard bought it. [1]",
                        short="Pernod Ricard")]
    assert standalone_query("Where is the company based?", history) == \
        "Where is the company based? (context: Pernod Ricard)"
    assert "Pernod Ricard" in standalone_query("What did the company pay for it?", history)
    assert standalone_query("Where is the brewer based?", history) == "Where is the brewer based?"


def test_a_question_naming_only_what_the_cited_article_names_stays_with_it():
    history = [answered("Which firm has Johnson & Johnson agreed to buy?", "Guidant [1]. ... [1]",
                        files=("business/1.txt",))]
    articles = {"business/1.txt": "J&J agrees $25bn Guidant deal\n\nJohnson & Johnson will pay $76 a share."}
    assert cited_before("How much will J&J pay per share?", history, articles.get) == ("business/1.txt",)
    assert cited_before("How much will Pfizer pay per share?", history, articles.get) == ()


def test_a_short_answer_playing_the_asked_part_is_kept_beside_a_description():
    article = "Keane released a single.\n\nFranz Ferdinand topped the chart as the British band celebrated."
    history = [answered("Which British band topped the chart?",
                        "Franz Ferdinand [1]. Franz Ferdinand topped the chart as the British band celebrated. [1]",
                        short="Franz Ferdinand")]
    query = standalone_query("What is its new album?", history, {"a.txt": article}.get)
    assert query == "What is its new album? (context: Franz Ferdinand)"


def test_he_is_the_person_a_short_answer_named_even_when_the_question_seemed_to_ask_for_a_firm():
    # "games maker" reads as a firm; the answer is a person all the same, and "OBE" is nobody
    history = [answered("Which games maker was made an OBE?",
                        "Peter Molyneux [1]. Games maker Peter Molyneux has been made an OBE. [1]",
                        short="Peter Molyneux")]
    assert standalone_query("Which studio does he head?", history) == "Which studio does Peter Molyneux head?"
