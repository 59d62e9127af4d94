"""What the browser UI and the HTTP API share: one Assistant, one lock, the session table."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable

from assistant.chat.session import Conversation
from assistant.models import Answer
from assistant.service import Assistant, InputError
from assistant.settings import Settings

ENGINES = ("extractive", "llm")
MAX_SESSIONS = 1000
MAX_SESSION_ID_CHARS = 128

_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def lock_for(assistant: Assistant) -> threading.Lock:
    """One lock per Assistant: its lazily loaded parts are not built for concurrent first use."""
    with _locks_guard:
        lock = _locks.get(assistant)
        if lock is None:
            lock = _locks[assistant] = threading.Lock()
        return lock


def engines_offered(settings: Settings) -> list[str]:
    return ["extractive", "llm"] if settings.llm_url else ["extractive"]


def check_options(settings: Settings, engine: str | None, max_sources: int | None) -> None:
    if engine is not None and engine not in ENGINES:
        raise InputError(f"engine must be extractive or llm (got {engine!r})")
    if engine == "llm" and not settings.llm_url:
        raise InputError("the llm engine is not configured (set ASSISTANT_LLM_URL)")
    if max_sources is not None and not (isinstance(max_sources, int) and 1 <= max_sources <= 3):
        raise InputError(f"max_sources must be 1, 2 or 3 (got {max_sources!r})")


class Backend:
    def __init__(self, assistant: Assistant, settings: Settings, max_sessions: int = MAX_SESSIONS) -> None:
        self.assistant = assistant
        self.settings = settings
        self.lock = lock_for(assistant)
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Conversation] = OrderedDict()
        self._sessions_lock = threading.Lock()

    def warm(self) -> None:
        """Load encoder, retriever and tables now, so the first question is not slow."""
        with self.lock:
            a = self.assistant
            a.ask("warm up the index")  # loads encoder, retriever, tables and lazy imports

    def ask(self, question: str, conversation: Conversation | None = None, engine: str | None = None,
            max_sources: int | None = None, on_sentence: Callable[[str], None] | None = None) -> Answer:
        """`on_sentence`: each piece of LLM answer text as the guard keeps it (for streaming)."""
        check_options(self.settings, engine, max_sources)
        with self.lock:
            return self.assistant.ask(question, conversation=conversation, engine=engine, max_sources=max_sources,
                                      on_sentence=on_sentence)

    def session(self, session_id: str) -> Conversation:
        """The conversation of a session id; the least recently used one is dropped past the cap."""
        if not session_id or len(session_id) > MAX_SESSION_ID_CHARS or not session_id.isprintable():
            raise InputError(f"session_id must be 1-{MAX_SESSION_ID_CHARS} printable characters")
        with self._sessions_lock:
            conv = self._sessions.get(session_id)
            if conv is None:
                conv = self._sessions[session_id] = Conversation()
                while len(self._sessions) > self.max_sessions:
                    self._sessions.popitem(last=False)
            else:
                self._sessions.move_to_end(session_id)
            return conv

    @property
    def session_count(self) -> int:
        return len(self._sessions)
