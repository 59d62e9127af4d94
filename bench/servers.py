"""Start-up waits shared by the benchmarks (loopback only)."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_until_up(proc: subprocess.Popen, url: str, seconds: float, what: str) -> subprocess.Popen:
    """Return `proc` once GET `url` answers 200; kill it and raise if it exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")
