"""Access: with basic auth on, every route of the app answers 401 without credentials (the
routes are enumerated from the app itself, so a route added later is covered too); request
bodies have a size limit; serving beyond loopback without auth is warned about."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from processes import free_port

pytest.importorskip("gradio")
USER, PASSWORD = "alice", "s3cret"
PARAM = re.compile(r"\{[^}]+\}")


def routes(app, prefix: str = ""):
    """(path, methods) of every HTTP route, mounted sub-apps (Gradio at /) included."""
    for r in app.routes:
        if isinstance(r, Mount):
            yield from routes(r.app, prefix + r.path)
        elif hasattr(r, "original_router"):  # FastAPI >= 0.165 keeps included routers as one node
            yield from routes(r.original_router, prefix + r.include_context.prefix)
        elif isinstance(r, Route):
            yield prefix + r.path, sorted(r.methods or {"GET"})
        elif not isinstance(r, WebSocketRoute):
            yield prefix + getattr(r, "path", "/"), ["GET"]


@pytest.fixture(scope="module")
def locked(settings, assistant):
    import uvicorn  # noqa: F401

    from ui.testing import serve_in_thread

    locked_settings = settings.model_copy(update={"auth_user": USER, "auth_password": PASSWORD,
                                                  "max_body_bytes": 64_000})
    with serve_in_thread(locked_settings, free_port(), assistant=assistant) as url:
        yield url


@pytest.fixture(scope="module")
def app_routes(settings, assistant):
    from ui.server import create_app

    found = sorted(set((p, tuple(m)) for p, m in routes(create_app(settings, assistant=assistant, warm=False))))
    assert len(found) > 20  # Gradio's routes are in there, not only ours
    paths = {p for p, _ in found}
    assert {"/api/ask", "/api/health", "/v1/chat/completions", "/"} <= paths
    assert any("upload" in p for p in paths) and any("queue" in p for p in paths)
    assert any("file" in p or "static" in p or "assets" in p for p in paths)
    return found


def test_every_route_answers_401_without_credentials(locked, app_routes):
    checked = 0
    with httpx.Client(base_url=locked, timeout=30) as anonymous, \
            httpx.Client(base_url=locked, timeout=30, auth=(USER, "wrong")) as wrong:
        for path, methods in app_routes:
            url = PARAM.sub("x", path) or "/"
            for method in methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                for client in (anonymous, wrong):
                    r = client.request(method, url)
                    assert r.status_code == 401, (method, url, r.status_code)
                    assert r.headers["www-authenticate"].startswith("Basic")
                    checked += 1
    print(f"\n{checked} (route, method, credentials) combinations answered 401")


def test_static_files_are_behind_auth_too(locked):
    page = httpx.get(locked + "/", auth=(USER, PASSWORD), timeout=30)
    assert page.status_code == 200
    assets = ["/" + a.lstrip("./") for a in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)]
    assert assets, "the page names no static files"
    for asset in assets[:5]:
        assert httpx.get(locked + asset, auth=(USER, PASSWORD), timeout=30).status_code == 200, asset
        assert httpx.get(locked + asset, timeout=30).status_code == 401, asset


def test_websocket_upgrade_is_refused_without_credentials(locked):
    import socket

    port = int(locked.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /gradio_api/queue/join HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  b"Sec-WebSocket-Version: 13\r\n\r\n")
        head = s.recv(4096).split(b"\r\n", 1)[0]
    assert b" 101 " not in head  # never switched to a websocket


# ---------------------------------------------------------------------------- body size
def test_request_bodies_over_the_limit_get_413(locked):
    auth = (USER, PASSWORD)
    big = {"question": "Why was Blinken's trip postponed?", "padding": "x" * 100_000}
    r = httpx.post(locked + "/api/ask", json=big, auth=auth, timeout=30)
    assert r.status_code == 413 and "larger than 64000 bytes" in r.json()["error"]

    def chunks():  # no Content-Length: the limit holds for a streamed body too
        for _ in range(20):
            yield b"x" * 10_000

    r = httpx.post(locked + "/api/ask", content=chunks(), auth=auth, timeout=30,
                   headers={"content-type": "application/json"})
    assert r.status_code == 413
    files = {"files": ("big.txt", b"x" * 200_000, "text/plain")}
    assert httpx.post(locked + "/gradio_api/upload", files=files, auth=auth, timeout=30).status_code == 413
    assert httpx.post(locked + "/api/ask", json=big, timeout=30).status_code == 401  # auth is checked first
    ok = httpx.post(locked + "/api/ask", json={"question": "Why was Blinken's trip postponed?"}, auth=auth,
                    timeout=60)
    assert ok.status_code == 200  # the server is fine afterwards


# ---------------------------------------------------------------------------- exposure
@pytest.mark.parametrize("host, warned", [("0.0.0.0", True), ("::", True), ("192.168.1.20", True),
                                          ("example.org", True), ("127.0.0.1", False), ("::1", False),
                                          ("localhost", False), ("127.0.0.2", False)])
def test_serving_beyond_loopback_without_auth_is_warned(settings, host, warned):
    from ui.server import exposure_warning

    assert (exposure_warning(settings, host) is not None) is warned
    locked = settings.model_copy(update={"auth_user": USER, "auth_password": PASSWORD})
    assert exposure_warning(locked, host) is None


def test_run_logs_the_warning(settings, monkeypatch, caplog):
    import uvicorn

    import ui.server

    monkeypatch.setattr(ui.server, "create_app", lambda *a, **k: None)  # no server is started here
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    with caplog.at_level(logging.WARNING, logger="ui.server"):
        ui.server.run(settings, "0.0.0.0", free_port())
    assert any("basic auth off" in r.getMessage() for r in caplog.records)
