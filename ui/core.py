"""What the browser UI and the HTTP API share: one Assistant, worker slots, the session table.

Questions run concurrently. The Assistant's shared parts are read-only once loaded
(snapshot, BM25 arrays, sentence table) or safe for concurrent calls (the ONNX
session, the tokenizer, the Chroma client); Python 3.11's cached_property locks
their first load. What is not shared is a conversation: questions of one
conversation run one at a time, so a follow-up always sees the turn before it.
Extractive questions take one of `workers` CPU slots (default: the core count);
LLM questions wait on the LLM server, so they take separate slots and an LLM call
in flight never holds up an extractive question.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from assistant.chat.session import Conversation
from assistant.models import Answer
from assistant.service import Assistant, InputError, StoreUnavailable, store_failure
from assistant.settings import Settings

log = logging.getLogger(__name__)

ENGINES = ("extractive", "llm")
MAX_SESSIONS = 1000
MAX_SESSION_ID_CHARS = 128
HEALTH_TIMEOUT = 2.0  # seconds; a health check must answer fast even when Chroma hangs
CONVERSATION_STRIPES = 64  # lock striping: two conversations rarely share a lock, memory stays fixed


def engines_offered(settings: Settings) -> list[str]:
    return ["extractive", "llm"] if settings.llm_url else ["extractive"]


def check_options(settings: Settings, engine: str | None, max_sources: int | None) -> None:
    if engine is not None and engine not in ENGINES:
        raise InputError(f"engine must be extractive or llm (got {engine!r})")
    if engine == "llm" and not settings.llm_url:
        raise InputError("the llm engine is not configured (set ASSISTANT_LLM_URL)")
    if max_sources is not None and not (isinstance(max_sources, int) and 1 <= max_sources <= 3):
        raise InputError(f"max_sources must be 1, 2 or 3 (got {max_sources!r})")


def worker_count(settings: Settings) -> int:
    return settings.workers or os.cpu_count() or 1


class Backend:
    def __init__(self, assistant: Assistant, settings: Settings, max_sessions: int = MAX_SESSIONS) -> None:
        self.assistant = assistant
        self.settings = settings
        self.max_sessions = max_sessions
        self.workers = worker_count(settings)
        self._cpu_slots = threading.BoundedSemaphore(self.workers)
        self._llm_slots = threading.BoundedSemaphore(max(1, settings.llm_workers))
        self._stripes = [threading.Lock() for _ in range(CONVERSATION_STRIPES)]
        self._sessions: OrderedDict[str, Conversation] = OrderedDict()
        self._sessions_lock = threading.Lock()

    def warm(self) -> None:
        """Load encoder, retriever and tables now, so the first question is not slow.
        A vector store that is down is logged, not fatal: the server starts and recovers."""
        try:
            with self._store_errors():  # warm-up opens the store too
                self.assistant.warm_up()
            self.ask("warm up the index")
        except StoreUnavailable as e:
            log.warning("starting without the vector store: %s", e)

    @contextmanager
    def _store_errors(self) -> Iterator[None]:
        """A vector store that cannot be reached, as one StoreUnavailable line; other errors as they are."""
        try:
            yield
        except Exception as e:
            if (reason := store_failure(e, self.settings)) is not None:
                raise StoreUnavailable(reason) from e
            raise

    def ask(self, question: str, conversation: Conversation | None = None, engine: str | None = None,
            max_sources: int | None = None, on_sentence: Callable[[str], None] | None = None) -> Answer:
        """`on_sentence`: each piece of LLM answer text as the guard keeps it (for streaming)."""
        check_options(self.settings, engine, max_sources)
        slots = self._llm_slots if (engine or self.settings.engine) == "llm" else self._cpu_slots
        turn_lock = self._stripes[id(conversation) % CONVERSATION_STRIPES] if conversation is not None else None
        if turn_lock is not None:  # taken first: a turn waiting for its predecessor holds no slot
            turn_lock.acquire()
        try:
            with slots, self._store_errors():
                return self.assistant.ask(question, conversation=conversation, engine=engine,
                                          max_sources=max_sources, on_sentence=on_sentence)
        finally:
            if turn_lock is not None:
                turn_lock.release()

    def health(self) -> dict:
        """What /api/health reports: the index, and whether the vector store answers right now."""
        store = {"kind": "server" if self.settings.chroma_url else "embedded", "url": self.settings.chroma_url,
                 "ok": True, "error": None}
        if self.settings.chroma_url:
            import httpx

            url = self.settings.chroma_url.rstrip("/")
            try:
                httpx.get(f"{url}/api/v2/heartbeat", timeout=HEALTH_TIMEOUT).raise_for_status()
            except httpx.HTTPError as e:
                store.update(ok=False, error=f"the Chroma server at {url} is unreachable ({type(e).__name__})")
        return {"status": "ok" if store["ok"] else "degraded", "documents": len(self.assistant.documents),
                "workers": self.workers, "sessions": self.session_count, "vector_store": store}

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
