"""A streaming client for any OpenAI-compatible chat server, bounded by one deadline.

The whole completion — connecting, waiting for the first token, every later token —
must finish within `llm_timeout` seconds; past it the caller falls back. Streaming is
what lets the guard judge (and the user see) each sentence as soon as it is written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx

from assistant.settings import Settings

TEMPERATURE = 0.0


class LLMError(RuntimeError):
    """The chat server could not give an answer (down, timeout, bad reply)."""


def chat_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _delta(line: str) -> str | None:
    """The text of one server-sent event line; None for keep-alives and the end marker."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return None
    try:
        choice = json.loads(data)["choices"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("LLM server sent a reply that is not an OpenAI chat completion stream") from None
    content = (choice.get("delta") or choice.get("message") or {}).get("content")
    return content if isinstance(content, str) else None


def stream_completion(messages: list[dict[str, str]], settings: Settings) -> Iterator[str]:
    """Pieces of one chat completion from settings.llm_url; LLMError with a one-line reason on any failure."""
    if not settings.llm_url:
        raise LLMError("no LLM server configured (set ASSISTANT_LLM_URL)")
    url = chat_url(settings.llm_url)
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    body = {"model": settings.llm_model, "messages": messages, "temperature": TEMPERATURE,
            "max_tokens": settings.llm_max_tokens, "stream": True}
    deadline = time.monotonic() + settings.llm_timeout
    timed_out = LLMError(f"LLM server at {settings.llm_url} timed out after {settings.llm_timeout:g} s")
    got = False
    try:
        with httpx.stream("POST", url, json=body, headers=headers, timeout=settings.llm_timeout) as response:
            # A server that stalls mid-stream is cut off at the deadline, not one read timeout later.
            watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), response.close)
            watchdog.daemon = True
            watchdog.start()
            try:
                if response.status_code != 200:
                    text = " ".join(response.read().decode("utf-8", "replace").split())[:160]
                    raise LLMError(f"LLM server answered HTTP {response.status_code}: {text}")
                for line in response.iter_lines():
                    if time.monotonic() > deadline:
                        raise timed_out
                    piece = _delta(line)
                    if piece:
                        got = True
                        yield piece
            finally:
                watchdog.cancel()
    except httpx.TimeoutException:
        raise timed_out from None
    except (httpx.HTTPError, httpx.StreamError) as e:
        if time.monotonic() >= deadline:
            raise timed_out from None
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise LLMError(f"LLM server at {settings.llm_url} unreachable: {reason}") from None
    if not got:
        raise LLMError("LLM server sent an empty answer")
