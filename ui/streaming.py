"""Answer text as the guard keeps it: run one question in a thread and hand out its pieces.

The LLM engine calls back with each supported sentence; this turns those callbacks into
an iterator for the chat page and for `/v1/chat/completions` with `stream: true`. The
pieces are always a prefix of the final answer, so what was shown is never taken back;
the final `Answer` comes last (for the extractive engine, it is the only item).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from assistant.chat.session import Conversation
from assistant.models import Answer
from ui.core import Backend

_DONE = object()


def answer_stream(backend: Backend, question: str, conversation: Conversation | None = None,
                  engine: str | None = None, max_sources: int | None = None) -> Iterator[str | Answer]:
    """Pieces of answer text (str) as they are kept, then the Answer; errors (InputError) are re-raised."""
    items: queue.Queue = queue.Queue()
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(backend.ask(question, conversation, engine, max_sources, on_sentence=items.put))
        except BaseException as e:  # handed to the consumer's thread
            outcome.append(e)
        finally:
            items.put(_DONE)

    threading.Thread(target=run, name="answer-stream", daemon=True).start()
    while (item := items.get()) is not _DONE:
        yield item
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    yield outcome[0]


def remainder(answer: Answer, shown: str) -> str:
    """What is left to show of the final answer after the streamed pieces."""
    return answer.answer[len(shown):] if answer.answer.startswith(shown) else answer.answer
