"""`assistant serve`: one FastAPI app with the JSON API, the OpenAI-compatible endpoint and the
Gradio chat page at `/`, all over the same Assistant instance."""

from __future__ import annotations

import base64
import hmac
import ipaddress
import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from fastapi import FastAPI  # noqa: E402

from assistant.service import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from ui.core import Backend  # noqa: E402

log = logging.getLogger(__name__)
REALM = "article-assistant"


class BasicAuthMiddleware:
    """HTTP basic auth in front of everything (API, OpenAI endpoint, Gradio page and its queue)."""

    def __init__(self, app, user: str, password: str) -> None:
        self.app = app
        self.user = user.encode()
        self.password = password.encode()

    def _allowed(self, headers: list[tuple[bytes, bytes]]) -> bool:
        value = next((v for k, v in headers if k.lower() == b"authorization"), b"")
        scheme, _, encoded = value.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
        except ValueError:
            return False
        # Both comparisons always run: constant time whatever is wrong.
        ok_user = hmac.compare_digest(user, self.user)
        ok_password = hmac.compare_digest(password, self.password)
        return bool(sep) and ok_user and ok_password

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or self._allowed(scope.get("headers", [])):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"),
                                (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode())]})
        await send({"type": "http.response.body", "body": b'{"error": "authentication required"}'})


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413, whether announced (Content-Length) or
    streamed (chunked): nothing past the limit is read into memory."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _announced(self, headers: list[tuple[bytes, bytes]]) -> int | None:
        value = next((v for k, v in headers if k.lower() == b"content-length"), None)
        if value is None:
            return None
        return int(value) if value.strip().isdigit() else self.max_bytes + 1

    async def _refuse(self, send) -> None:
        body = f'{{"error": "the request body is larger than {self.max_bytes} bytes"}}'.encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = self._announced(scope.get("headers", []))
        if announced is not None and announced > self.max_bytes:
            await self._refuse(send)
            return
        state = {"received": 0, "started": False, "refused": False}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_bytes:
                    if not state["started"]:
                        state["refused"] = True
                        await self._refuse(send)
                    return {"type": "http.disconnect"}  # the app stops reading
            return message

        async def guarded_send(message):
            if state["refused"]:
                return  # the 413 went out already
            state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise  # the app's own error; a refused body's disconnect is expected


def auth_enabled(settings: Settings) -> bool:
    return bool(settings.auth_user and settings.auth_password)


def exposure_warning(settings: Settings, host: str) -> str | None:
    """A warning when the server is reachable from other machines and nobody has to log in."""
    if auth_enabled(settings):
        return None
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    return (f"serving on {host} with basic auth off: anyone who can reach this address can read the "
            "articles; set ASSISTANT_AUTH_USER and ASSISTANT_AUTH_PASSWORD, or bind 127.0.0.1")


def create_app(settings: Settings, assistant: Assistant | None = None, warm: bool = True) -> FastAPI:
    import gradio as gr

    from ui.api import build_router
    from ui.app import build_ui, theme
    from ui.render import CSS, HEAD

    assistant = assistant or Assistant.open(settings)
    backend = Backend(assistant, settings)
    if warm:
        backend.warm()
    app = FastAPI(title="Article Assistant", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.backend = backend
    app.include_router(build_router(backend))  # before the mount: `/` catches everything else
    demo = build_ui(assistant, settings, backend)
    demo.queue(default_concurrency_limit=backend.workers + settings.llm_workers)  # Backend bounds the work
    gr.mount_gradio_app(app, demo, path="/", css=CSS, head=HEAD, theme=theme(), footer_links=[], run_history=False,
                        ssr_mode=False, mcp_server=False, server_name=settings.host, server_port=settings.port)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)  # inside auth: 401 comes first
    if auth_enabled(settings):
        app.add_middleware(BasicAuthMiddleware, user=settings.auth_user, password=settings.auth_password)
    elif settings.auth_user or settings.auth_password:
        log.warning("basic auth needs both ASSISTANT_AUTH_USER and ASSISTANT_AUTH_PASSWORD; it is off")
    return app


def listen_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, checked before the index and models load
    (seconds) and before the banner says it is up; None when it can."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return f"cannot listen on {host}: {e.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as e:
            return f"cannot listen on {host}:{port}: {e.strerror}"
    return None


def run(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    host = host or settings.host
    port = port or settings.port
    if (warning := exposure_warning(settings, host)) is not None:
        log.warning(warning)
    app = create_app(settings)
    auth = "on" if auth_enabled(settings) else "off"
    print(f"Article Assistant on http://{host}:{port}/  (API: /api/ask, OpenAI: /v1; basic auth {auth})",
          flush=True)
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("ASSISTANT_LOG_LEVEL", "warning").lower(),
                timeout_graceful_shutdown=3)
