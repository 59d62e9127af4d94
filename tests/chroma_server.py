"""Start a real `chroma run` server (from the installed chromadb) on a loopback port."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

from processes import background_server

STARTUP_SECONDS = 60


@contextlib.contextmanager
def chroma_server(path: Path, port: int):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        raise RuntimeError("the `chroma` command of the installed chromadb is missing")
    url = f"http://127.0.0.1:{port}"
    cmd = [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with background_server(cmd, f"{url}/api/v2/heartbeat", STARTUP_SECONDS):
        yield url
