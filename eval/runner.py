"""`assistant eval`: run the gold set through each system, report, and gate against a baseline.

One process, one warm `Assistant`; every system answers every case. Conversations are
asked turn by turn with one `Conversation` per item and system. The harness only calls
the library: it never writes product code, settings or the index.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from eval import metrics as M
from eval import report

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent
DEFAULT_BASELINE = Path("eval/baseline.json")
EXIT_OK, EXIT_GATE, EXIT_USAGE = 0, 1, 2
SETTINGS_SHOWN = ("chunk_size", "chunk_overlap", "dense_top_k", "keyword_top_k", "fused_top_k", "rrf_k",
                  "max_answer_sentences", "min_part_score", "confidence_model", "companion_ratio", "corroboration_ratio")


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def resolve(path: Path) -> Path:
    """A relative path that doesn't exist from the working directory is tried from the repo root."""
    if path.is_absolute() or path.exists():
        return path
    return REPO / path if (REPO / path).exists() else path


def run_systems(assistant, items: list[M.GoldItem], names: list[str], engine: str | None,
                progress: bool = True) -> tuple[list[dict], dict[str, float]]:
    """Ask every case with every system; return scored records and each system's setup time (ms)."""
    from tqdm import tqdm

    from assistant.chat.session import Conversation
    from eval import systems as S

    n_cases = sum(len(i.cases) for i in items)
    records: list[dict] = []
    setup: dict[str, float] = {}
    with tqdm(total=n_cases * len(names), file=sys.stderr, unit="q", disable=not progress,
              dynamic_ncols=True) as bar:
        for name in names:
            bar.set_description(f"{name}: setting up")
            system = S.build(name, assistant, engine)
            system.warm_up()  # first-call costs (encoder, BM25, Chroma) are not per-question latency
            setup[name] = round(system.setup_ms, 1)
            bar.set_description(name)
            for item in items:
                conversation = Conversation() if item.is_conversation else None
                for case in item.cases:
                    t = time.perf_counter()
                    try:
                        out = system(case.question, conversation)
                    except Exception as e:  # one broken case must not hide the others' results
                        log.exception("%s failed on %s", name, case.key)
                        records.append(M.error_record(case, f"{type(e).__name__}: {e}", name,
                                                      (time.perf_counter() - t) * 1000))
                    else:
                        records.append(M.score_case(case, out.answer, out.ranked_files, assistant.documents,
                                                    out.latency_ms, name))
                    bar.update(1)
    return records, setup


def _public(r: dict) -> dict:
    """Record order for JSON: the documented fields first, then the scoring details."""
    head = ("id", "turn", "question", "answer", "abstained", "citations", "query", "passed", "latency_ms", "system")
    return {**{k: r[k] for k in head}, **{k: v for k, v in r.items() if k not in head}}


def _load_baseline(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _err(f"error: baseline file not found: {path} (create it with --update-baseline)")
    except (OSError, json.JSONDecodeError) as e:
        _err(f"error: cannot read baseline {path}: {e}")
    return None


def main(settings, gold: Path = Path("eval/gold.jsonl"), engine: str = "extractive", as_json: bool = False,
         out: Path | None = None, baseline: Path | None = None, update_baseline: bool = False,
         systems: list[str] | None = None, assistant: Any = None, progress: bool = True) -> int:
    """Run the eval; return the exit code (0 ok, 1 gate failed, 2 usage/setup error).

    `assistant` lets a caller reuse an open Assistant (tests); otherwise one is opened here.
    """
    from eval.systems import SYSTEMS

    names = list(dict.fromkeys(systems or list(SYSTEMS)))
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        _err(f"error: unknown system(s) {', '.join(unknown)} (choose from {', '.join(SYSTEMS)})")
        return EXIT_USAGE
    if engine not in ("extractive", "llm"):
        _err(f"error: --engine must be extractive or llm (got {engine!r})")
        return EXIT_USAGE
    if engine == "llm":
        try:  # not `import assistant.answer.llm`: that would rebind the `assistant` argument
            importlib.import_module("assistant.answer.llm")
        except ImportError as e:
            _err(f"error: the llm engine is not available ({e})")
            return EXIT_USAGE
    if (baseline is not None or update_baseline) and "ours" not in names:
        _err("error: the baseline gate is about system 'ours': include it in --systems")
        return EXIT_USAGE
    gold_path = resolve(gold)
    try:
        items = M.load_gold(gold_path)
    except M.GoldError as e:
        _err(f"error: {e}")
        return EXIT_USAGE
    baseline_path = resolve(baseline) if baseline is not None else resolve(DEFAULT_BASELINE)
    old = None
    if baseline is not None and not update_baseline:
        old = _load_baseline(baseline_path)
        if old is None:
            return EXIT_USAGE

    if assistant is None:
        from assistant.service import Assistant, IndexMissing

        try:
            assistant = Assistant.open(settings)
        except (IndexMissing, FileNotFoundError) as e:
            _err(f"error: {e}")
            return EXIT_USAGE

    started = time.perf_counter()
    records, setup = run_systems(assistant, items, names, engine, progress)
    metrics = {name: M.aggregate([r for r in records if r["system"] == name]) for name in names}
    for name in names:
        metrics[name]["setup_ms"] = setup[name]
    gold_bytes = gold_path.read_bytes()
    meta = {"gold": str(gold), "gold_sha256": hashlib.sha256(gold_bytes).hexdigest(), "n_items": len(items),
            "n_cases": sum(len(i.cases) for i in items), "engine": engine, "systems": names,
            "settings": assistant.settings.model_dump(mode="json", include=set(SETTINGS_SHOWN)),  # a Path as text
            "wall_s": round(time.perf_counter() - started, 1)}
    payload = {"metrics": metrics, "items": [_public(r) for r in records]}

    if as_json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(report.text_summary(payload))
    if out is not None:
        paths = report.write(out, {"meta": meta, **payload})
        _err("wrote " + ", ".join(str(p) for p in paths))

    ours = [r for r in records if r["system"] == "ours"]
    if update_baseline:
        base_meta = {"system": "ours", "engine": engine, "gold": meta["gold"], "gold_sha256": meta["gold_sha256"],
                     "settings": meta["settings"]}
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        baseline_path.write_text(json.dumps(M.baseline_payload(ours, metrics["ours"], base_meta), indent=1) + "\n",
                                 encoding="utf-8")
        _err(f"baseline updated: {baseline_path} ({sum(r['passed'] for r in ours)}/{len(ours)} cases pass)")
        return EXIT_OK
    if old is not None:
        if old.get("gold_sha256") and old["gold_sha256"] != meta["gold_sha256"]:
            _err("note: the gold file differs from the one the baseline was made with; items present in both "
                 "are compared, and aggregate metrics may move for that reason alone")
        if old.get("engine") and old["engine"] != engine:
            _err(f"note: the baseline was made with engine {old['engine']!r}, this run uses {engine!r}")
        problems = M.gate(old, ours, metrics["ours"])
        if problems:
            _err(f"GATE FAILED against {baseline_path}: {len(problems)} regression(s)")
            for p in problems:
                _err(f"  - {p}")
            return EXIT_GATE
        _err(f"gate passed against {baseline_path}")
    return EXIT_OK
