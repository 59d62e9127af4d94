"""JSON API (`/api/*`) and the OpenAI-compatible endpoint (`/v1/*`), over the same Assistant."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool

from assistant.chat.followup import Turn, standalone_query
from assistant.chat.session import Conversation
from assistant.chat.transcript import lead_of, split_sources, with_sources
from assistant.models import ABSTAIN_TEXT, Answer
from assistant.service import InputError, StoreUnavailable, validate_question
from ui.core import Backend, check_options
from ui.render import corpus_rows
from ui.streaming import answer_stream, remainder

MODEL_ID = "article-assistant"
STREAM_PIECES = 4


DOCS_PAGE = 100
MAX_DOCS_PAGE = 1000


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _openai_error(message: str, status: int = 400, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}},
                        status_code=status)


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        raise InputError("the request body is not valid JSON") from None


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ())) or "body"
    return f"{where}: {err.get('msg', 'invalid')}"


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str
    session_id: str | None = None
    engine: str | None = None
    max_sources: int | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[ChatMessage]
    stream: bool = False
    engine: str | None = None
    max_sources: int | None = None


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(p.get("text", "")) for p in content if p.get("type") in ("text", "input_text"))


def conversation_from_messages(messages: list[ChatMessage],
                               read: Callable[[str], str] | None = None) -> tuple[Conversation, str]:
    """Earlier user/assistant pairs become Turns (no re-asking) as `ask --session` keeps them; the last
    user message is the question. An earlier answer's "Sources:" footer says which articles it cited
    (where a follow-up stays), its first line what it answered ("it" may be that); `read` gives an
    article's text, as the library's own follow-ups read it."""
    dialogue = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not dialogue or dialogue[-1][0] != "user":
        raise InputError("the last message must be a user message")
    question = dialogue[-1][1]
    conversation = Conversation()
    pending: str | None = None
    for role, text in dialogue[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            if pending.strip():
                query = standalone_query(" ".join(pending.split()), conversation.turns, read)
                said, files = split_sources(text)
                abstained = said.strip().startswith(ABSTAIN_TEXT)
                conversation.add(Turn(pending, query, said, abstained, None if abstained else lead_of(said), files))
            pending = None
    return conversation, question


def _usage(prompt: str, completion: str) -> dict[str, int]:
    """Whitespace word counts: this server has no tokenizer of the client's model."""
    p, c = len(prompt.split()), len(completion.split())
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _pieces(text: str, n: int = STREAM_PIECES) -> list[str]:
    words = text.split(" ")
    size = max(1, -(-len(words) // n))
    parts = [" ".join(words[i:i + size]) for i in range(0, len(words), size)]
    return [p if i == 0 else " " + p for i, p in enumerate(parts)]


def _sources(answer: Answer) -> list[dict]:
    return [c.model_dump(mode="json") for c in answer.citations]


def _extra(answer: Answer) -> dict:
    return {"abstained": answer.abstained, "query": answer.query}


async def _parse(request: Request, model: type[BaseModel]):
    """The request body as `model`; any problem becomes one InputError line."""
    try:
        return model.model_validate(await _json_body(request))
    except ValidationError as e:
        raise InputError(_first_error(e)) from None


def build_router(backend: Backend) -> APIRouter:
    router = APIRouter()
    assistant = backend.assistant

    @router.post("/api/ask")
    async def api_ask(request: Request):
        try:
            req = await _parse(request, AskRequest)
            conversation = backend.session(req.session_id) if req.session_id is not None else None
            answer: Answer = await run_in_threadpool(backend.ask, req.question, conversation, req.engine,
                                                     req.max_sources)
        except InputError as e:
            return _error(str(e))
        except StoreUnavailable as e:
            return _error(str(e), 503)
        return JSONResponse(answer.model_dump(mode="json"))

    @router.get("/api/health")
    async def api_health():
        report = await run_in_threadpool(backend.health)
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    @router.get("/api/docs")
    async def api_docs(q: str = "", folder: str | None = None, offset: int = 0, limit: int = DOCS_PAGE):
        """A page of the corpus: `q` matches file names and titles, `folder` a top-level folder."""
        if offset < 0 or not 1 <= limit <= MAX_DOCS_PAGE:
            return _error(f"offset must be >= 0 and limit 1-{MAX_DOCS_PAGE}")
        rows, total = corpus_rows(assistant.documents, q, folder, offset, limit)
        return {"documents": rows, "total": total, "offset": offset, "limit": limit}

    @router.get("/api/source/{file:path}")
    async def api_source(file: str):
        doc = assistant.documents.get(file)  # a name look-up, never a filesystem path
        if doc is None:
            return _error(f"unknown document {file!r}", 404)
        return {"file": doc.file, "title": doc.meta.title,
                "lines": [{"n": i, "text": t} for i, t in enumerate(doc.text.split("\n"), start=1)]}

    @router.get("/v1/models")
    async def models():
        return {"object": "list",
                "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "article-assistant"}]}

    @router.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        try:
            req = await _parse(request, ChatRequest)
            conversation, question = conversation_from_messages(req.messages, backend.assistant.article_text)
            if req.stream:  # bad input must be a 4xx before the stream starts
                check_options(backend.settings, req.engine, req.max_sources)
                validate_question(question, backend.settings.max_question_chars)
            else:
                answer: Answer = await run_in_threadpool(backend.ask, question, conversation, req.engine,
                                                         req.max_sources)
        except InputError as e:
            return _openai_error(str(e))
        except StoreUnavailable as e:
            return _openai_error(str(e), 503, "server_error")
        cid = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        model = req.model or MODEL_ID
        if not req.stream:
            return {"id": cid, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": with_sources(answer)},
                                 "finish_reason": "stop", "logprobs": None}],
                    "usage": _usage(question, with_sources(answer)), "sources": _sources(answer), **_extra(answer)}

        def chunk(delta: dict, finish: str | None = None, **more) -> str:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

        def events():
            """LLM sentences as the guard keeps them; then the rest (or the extractive answer) in pieces."""
            yield chunk({"role": "assistant", "content": ""})
            shown = ""
            for item in answer_stream(backend, question, conversation, req.engine, req.max_sources):
                if isinstance(item, str):
                    shown += item
                    yield chunk({"content": item})
                    continue
                rest = remainder(item, shown)
                for piece in (_pieces(rest) if rest and not shown else [rest] if rest else []):
                    yield chunk({"content": piece})
                if footer := with_sources(item)[len(item.answer):]:
                    yield chunk({"content": footer})
                yield chunk({}, "stop", sources=_sources(item), usage=_usage(question, with_sources(item)),
                            **_extra(item))
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return router
