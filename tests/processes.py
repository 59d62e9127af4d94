"""Real processes for tests: servers that answer on loopback, and a question asked in a new process."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def background_server(cmd: list[str], ready_url: str, timeout: float, ready_codes: tuple[int, ...] = (200,),
                      **popen) -> Iterator[subprocess.Popen]:
    """Run `cmd` until the block ends; ready when GET `ready_url` answers one of `ready_codes`.
    If it dies or never gets ready, the error carries the tail of its output."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)

        def output_tail() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")[-2000:]

        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}:\n{output_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(ready_url, timeout=2).status_code in ready_codes:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[0]} did not answer {ready_url} within {timeout} s:\n{output_tail()}")
                time.sleep(0.3)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ask_in_new_process(env: dict[str, str], question: str, module: str) -> tuple[str, bool]:
    """The answer a fresh process gives, and whether answering it imported `module` (what a cold
    `ask` pays for)."""
    script = ("import json, sys\nfrom assistant.service import Assistant\n"
              f"answer = Assistant.open().ask({question!r})\n"
              f"print(json.dumps([answer.answer, {module!r} in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    return text, loaded

