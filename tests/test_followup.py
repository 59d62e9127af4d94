"""Follow-up questions become standalone queries without a language model."""

from assistant.chat.followup import Turn, is_follow_up, standalone_query


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
