"""Rendering of an eval run: terminal table, report.md, results.json and chart.png."""

from __future__ import annotations

import json
from pathlib import Path

# (metric key, label, format): "rate" shown as 0.000, "ms" as integer ms, "int" as count
METRIC_ROWS = [
    ("pass_rate", "pass rate (all cases)", "rate"),
    ("hit@1", "retrieval hit@1 (file)", "rate"),
    ("hit@3", "retrieval hit@3 (file)", "rate"),
    ("mrr", "retrieval MRR (file)", "rate"),
    ("chunk_hit@1", "retriever-only hit@1 (file)", "rate"),
    ("chunk_mrr", "retriever-only MRR (file)", "rate"),
    ("key_fact_recall", "key-fact recall (item)", "rate"),
    ("fact_recall_micro", "key-fact recall (per fact)", "rate"),
    ("citation_validity", "citation validity", "rate"),
    ("cited_precision", "cited-file precision", "rate"),
    ("cited_recall", "cited-file recall", "rate"),
    ("abstain_rate", "abstain rate (unanswerable)", "rate"),
    ("false_refusal_rate", "false-refusal rate (answerable)", "rate"),
    ("conversation_turn_pass_rate", "conversation turn pass rate", "rate"),
    ("conversation_pass_rate", "conversations fully passed", "rate"),
    ("list_pass_rate", "list questions passed", "rate"),
    ("two_part_pass_rate", "two-part questions passed", "rate"),
    ("short_answer_rate", "answers led by a short answer", "rate"),
    ("short_answer_fact_rate", "short answers holding a gold fact", "rate"),
    ("latency_p50_ms", "latency p50 (ms)", "ms"),
    ("latency_p95_ms", "latency p95 (ms)", "ms"),
    ("n_cases", "cases", "int"),
    ("n_citations", "citations", "int"),
    ("errors", "errors", "int"),
    ("fallbacks", "llm fallbacks to extractive", "int"),
]

CHART_METRICS = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("mrr", "MRR"), ("key_fact_recall", "key-fact recall"),
                 ("cited_precision", "citation precision"), ("abstain_rate", "abstention"),
                 ("false_refusal_rate", "1 - false refusal")]


def fmt(value, kind: str = "rate") -> str:
    if value is None:
        return "-"
    if kind == "rate":
        return f"{value:.3f}"
    if kind == "ms":
        return f"{value:.0f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def metrics_table(metrics: dict, markdown: bool = False) -> str:
    systems = list(metrics)
    rows = [[label, *(fmt(metrics[s].get(key), kind) for s in systems)] for key, label, kind in METRIC_ROWS]
    return _table(["metric", *systems], rows, markdown)


def kind_table(metrics: dict, markdown: bool = False) -> str:
    systems = list(metrics)
    kinds = list(dict.fromkeys(k for s in systems for k in metrics[s]["by_kind"]))
    header = ["kind", "n"] + [f"{s} {m}" for s in systems for m in ("pass", "facts", "hit@1", "refuse/abstain")]
    rows = []
    for kind in kinds:
        first = next(metrics[s]["by_kind"][kind] for s in systems if kind in metrics[s]["by_kind"])
        row = [kind, str(first["n"])]
        for s in systems:
            b = metrics[s]["by_kind"].get(kind, {})
            refuse = b.get("false_refusal_rate", b.get("abstain_rate"))
            row += [fmt(b.get("pass_rate")), fmt(b.get("key_fact_recall")), fmt(b.get("hit@1")), fmt(refuse)]
        rows.append(row)
    return _table(header, rows, markdown)


def turn_table(metrics: dict, markdown: bool = False) -> str:
    systems = list(metrics)
    turns = sorted({t for s in systems for t in metrics[s]["conversation_by_turn"]}, key=int)
    rows = [[f"turn {t}", *(fmt(metrics[s]["conversation_by_turn"].get(t)) for s in systems)] for t in turns]
    return _table(["conversation turn pass rate", *systems], rows, markdown)


def text_summary(payload: dict) -> str:
    metrics = payload["metrics"]
    parts = [metrics_table(metrics), "", kind_table(metrics)]
    for s in metrics:
        failing = [r for r in payload["items"] if r["system"] == s and not r["passed"]]
        parts.append(f"\n{s}: {len(failing)} failing: " + ", ".join(r["key"] for r in failing))
    return "\n".join(parts)


def _md_cell(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def _expected(r: dict) -> str:
    if not r["answerable"]:
        return "(abstain)"
    return "; ".join(" / ".join(f) for f in r["facts"]) + " — sources " + ", ".join(s[:3] for s in r["sources"])


def markdown(payload: dict) -> str:
    meta, metrics, items = payload.get("meta", {}), payload["metrics"], payload["items"]
    out = ["# Eval report", ""]
    if meta:
        out += [f"- gold: `{meta.get('gold')}` ({meta.get('n_items')} items, {meta.get('n_cases')} cases)",
                f"- engine: {meta.get('engine')}; systems: {', '.join(metrics)}",
                "- settings: " + ", ".join(f"{k}={v}" for k, v in (meta.get("settings") or {}).items()), ""]
    out += ["## Metrics", "", metrics_table(metrics, True), "",
            "Retrieval ranks files by first appearance among the answer's citations, then the retrieved chunks; "
            "the retriever-only rows rank by the retrieved chunks alone. "
            "Precision counts distinct cited files on answerable cases; recall is the share of answerable cases "
            "that cite a gold source.", "",
            "![metrics](chart.png)", "", "## By kind", "",
            "`pass` = pass rate, `facts` = key-fact recall, `refuse/abstain` = false-refusal rate for answerable "
            "kinds, abstain rate for `unanswerable`.", "", kind_table(metrics, True), "",
            "## Conversations by turn", "", turn_table(metrics, True), ""]
    out += ["## Failing items", ""]
    for s in metrics:
        failing = [r for r in items if r["system"] == s and not r["passed"]]
        out += [f"### {s}: {len(failing)} failing", ""]
        if not failing:
            continue
        rows = [[r["key"], _md_cell(r["question"], 200), _md_cell("; ".join(r["failure"]), 200),
                 _md_cell(r["answer"]), _md_cell(_expected(r), 200),
                 _md_cell(", ".join(f"{c['file'][:3]}:{c['lines'][0]}-{c['lines'][1]}" for c in r["citations"]))]
                for r in failing]
        out += [_table(["case", "question", "why", "answer", "expected", "cited"], rows, True), ""]
    return "\n".join(out) + "\n"


def chart(metrics: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(metrics)
    labels = [label for _, label in CHART_METRICS]
    width = 0.8 / max(1, len(systems))
    fig, ax = plt.subplots(figsize=(11, 4.8))
    for i, s in enumerate(systems):
        values = []
        for key, _ in CHART_METRICS:
            v = metrics[s].get(key)
            if key == "false_refusal_rate" and v is not None:
                v = 1 - v
            values.append(v if v is not None else 0.0)
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(labels))]
        bars = ax.bar(xs, values, width, label=s)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    ax.set_xticks(range(len(labels)), labels, rotation=15)
    ax.set_ylim(0, 1.22)
    ax.set_ylabel("rate (higher is better)")
    ax.set_title("Gold-set metrics by system")
    ax.legend(loc="upper center", ncol=len(systems), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write(out_dir: Path, payload: dict) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.md", out_dir / "results.json", out_dir / "chart.png"]
    paths[0].write_text(markdown(payload), encoding="utf-8")
    paths[1].write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    chart(payload["metrics"], paths[2])
    return paths
