"""An answer sent through the OpenAI-compatible API carries its sources as text, and a client
that sends the transcript back gets follow-ups that stay in the articles cited before."""

from __future__ import annotations

from assistant.chat.transcript import lead_of, split_sources, with_sources
from assistant.models import Answer, Citation


def _citation(n: int, file: str, lines: tuple[int, int]) -> Citation:
    return Citation(n=n, file=file, lines=lines, chars=(0, 10), quote="A quote.", score=0.5)


def test_answer_text_ends_with_each_cited_file_and_its_lines():
    answer = Answer(answer="By 76%. [1] Shares rose. [2]", abstained=False, query="q",
                    citations=[_citation(1, "business/001.txt", (7, 7)), _citation(2, "news, old/a b.txt", (3, 5))])
    text = with_sources(answer)
    assert text.startswith(answer.answer)
    assert "[1] business/001.txt, line 7" in text
    assert "[2] news, old/a b.txt, lines 3-5" in text
    assert split_sources(text) == (answer.answer, ["business/001.txt", "news, old/a b.txt"])


def test_an_abstention_or_a_foreign_message_cites_nothing():
    abstained = Answer(answer="The articles don't say.", abstained=True, query="q")
    assert with_sources(abstained) == abstained.answer
    assert split_sources(abstained.answer) == (abstained.answer, [])
    chatty = "Here is what I found.\n\nSources:\nthe internet"
    assert split_sources(chatty) == (chatty, [])


def test_api_conversation_keeps_the_files_an_earlier_answer_cited():
    import pytest

    pytest.importorskip("fastapi")
    from ui.api import ChatMessage, conversation_from_messages

    earlier = with_sources(Answer(answer="Li Qiang [1]. Premier Li Qiang met him. [1]", abstained=False,
                                  query="q", citations=[_citation(1, "wsj/china.txt", (4, 4))]))
    conversation, question = conversation_from_messages([
        ChatMessage(role="user", content="Who is China's No. 2 leader?"),
        ChatMessage(role="assistant", content=earlier),
        ChatMessage(role="user", content="What did he hope for?")])
    assert question == "What did he hope for?"
    (turn,) = conversation.turns
    assert turn.files == ["wsj/china.txt"]
    assert "Sources:" not in turn.answer
    assert turn.short_answer == "Li Qiang"  # "he" may be what the answer led with, as in `ask --session`


def test_the_short_answer_is_read_back_only_from_an_answer_that_leads_with_one():
    assert lead_of("$30.2m [1]; Meet the Fockers [2]. A Series of … took $30.2m. [1]") == "$30.2m"
    assert lead_of("By 76%, to $1.13bn [1].\nTime Warner said… [1]") == "By 76%, to $1.13bn"
    assert lead_of("Premier Li Qiang met him. [1]") is None  # a quoted sentence, no lead
    assert lead_of("The articles don't say.") is None
