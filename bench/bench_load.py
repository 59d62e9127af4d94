"""Load: N conversational sessions against `assistant serve` on 127.0.0.1 for S seconds.

Starts its own server (a subprocess on a free loopback port) over an existing index,
sends the load, stops the server and prints one JSON object: requests, errors, p50/p95,
throughput and cross-session leaks. Stops by itself; never sends anything off this
machine. Prints numbers; asserts nothing.

  python bench/bench_load.py --home .assistant --questions eval/gold.jsonl    # seeds
  python bench/bench_load.py --home /tmp/bbc-home --corpus /path/to/bbc        # titles as openers
  python bench/bench_load.py --src /tmp/old-checkout ...                         # serve other code
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from servers import wait_until_up  # noqa: E402
from ui.load import openers_from, run_load  # noqa: E402

STARTUP_SECONDS = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(src: Path, home: Path, corpus: Path | None, port: int, log) -> subprocess.Popen:
    env = dict(os.environ, ASSISTANT_HOME=str(home), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               PYTHONPATH=str(src))
    if corpus is not None:
        env["ASSISTANT_CORPUS"] = str(corpus)
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=src, env=env, stdout=log, stderr=subprocess.STDOUT)
    return wait_until_up(proc, f"http://127.0.0.1:{port}/v1/models", STARTUP_SECONDS, "the server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--home", type=Path, default=REPO / ".assistant", help="ASSISTANT_HOME with a built index")
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--questions", type=Path, default=None, help="JSONL with 'question' fields (openers)")
    parser.add_argument("--src", type=Path, default=REPO, help="source tree the server runs (before/after runs)")
    parser.add_argument("--url", default=None, help="use this running loopback server instead of starting one")
    args = parser.parse_args()

    proc = None
    with tempfile.TemporaryFile() as log:
        try:
            if args.url is None:
                port = free_port()
                proc = start_server(args.src.resolve(), args.home.resolve(), args.corpus, port, log)
                url = f"http://127.0.0.1:{port}"
            else:
                url = args.url
            titles = [d["title"] for d in httpx.get(f"{url}/api/docs", timeout=60).json()["documents"]]
            report = run_load(url, args.sessions, args.seconds, openers_from(args.questions, titles))
        except Exception:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
            raise
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print(json.dumps({"url": url, "src": str(args.src), "home": str(args.home), "cpus": os.cpu_count(),
                      **report.to_json()}, indent=1))


if __name__ == "__main__":
    main()
