"""Helpers for tests of the web front end: a real uvicorn server on loopback, a malicious corpus."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from assistant.settings import Settings

XSS_DOCS = {
    "city_council.txt": (
        'Council approves bridge budget <img src=x onerror="window.__xss=1">\n'
        "The city council approved the budget for the river bridge on Tuesday after a long debate.\n"
        "The mayor said <script>window.__xss=1</script> the bridge will reopen to traffic in May.\n"
        "Engineers found corrosion in two support beams during an inspection last winter.\n"
        "Residents had complained for months about detours through the old town.\n"
        "The detour map is posted ![detour map](http://203.0.113.7/map.png) at city hall and "
        "[online](javascript:window.__xss=1) for drivers.\n"),
    "harbor.txt": (
        "Harbor festival draws record crowds\n"
        "The annual harbor festival drew a record number of visitors this weekend, organizers said.\n"
        "Food stalls and boat tours were the most popular attractions.\n"
        "The festival will return next summer with a larger music stage.\n"),
}
XSS_QUESTION = "When will the bridge reopen?"
# Its answer quotes the markdown line; the question itself carries a markdown image too.
XSS_MARKDOWN_QUESTION = "Is the detour map posted at city hall? ![q](http://203.0.113.7/q.png)"


def make_xss_settings(root: Path, models_from: Path | None = None) -> Settings:
    """Ingest a small corpus whose text contains <script> and <img onerror> into root/home."""
    from assistant.index.ingest import ingest

    corpus, home = root / "corpus", root / "home"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in XSS_DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    if models_from is not None and (models_from / "models").is_dir():
        shutil.copytree(models_from / "models", home / "models", dirs_exist_ok=True)  # skip the ONNX export
    settings = Settings(home=home, corpus=corpus)
    ingest(settings)
    return settings


def wait_until_up(url: str, timeout: float = 120.0, auth: tuple[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/models", timeout=2, auth=auth).status_code in (200, 401):
                return
        except httpx.HTTPError as e:
            last = e
        time.sleep(0.2)
    raise TimeoutError(f"server at {url} did not come up: {last}")


@contextmanager
def serve_in_thread(settings: Settings, port: int, assistant=None) -> Iterator[str]:
    """Run ui.server.create_app under uvicorn on 127.0.0.1:port in a thread; yields the base URL."""
    import uvicorn

    from ui.server import create_app

    app = create_app(settings, assistant=assistant)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on port {port}")
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
