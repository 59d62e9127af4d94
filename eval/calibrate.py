"""Calibrate the abstention threshold on the gold set: `python -m eval.calibrate`.

The extractive composer abstains when the best evidence score is below
`settings.abstain_threshold`. For every gold case this takes the top evidence score
(`Assistant.evidence(query)`, hybrid), then sweeps thresholds 0.20..0.70 (step 0.01):

- abstain rate  = share of unanswerable cases with top score < threshold
- false refusal = share of answerable cases (conversation turns included) with top score < threshold

and recommends the threshold maximising (abstain rate - false-refusal rate) subject
to false refusals <= 5%. Ties: the middle of the tied thresholds, for margin.

Conversation turns use the standalone query that `ask` builds from the history at
the current settings (the history depends on earlier answers, so on the threshold in
force; the sweep treats those queries as fixed). It only reads: settings are not changed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from eval import metrics as M

LO, HI, STEP = 0.20, 0.70, 0.01
MAX_FALSE_REFUSAL = 0.05


def top_scores(assistant, items: list[M.GoldItem]) -> list[dict]:
    from assistant.chat.session import Conversation

    out = []
    for item in items:
        conversation = Conversation() if item.is_conversation else None
        for case in item.cases:
            answer = assistant.ask(case.question, conversation=conversation)
            _, scored, _ = assistant.evidence(answer.query)
            out.append({"key": case.key, "answerable": case.answerable, "query": answer.query,
                        "score": round(scored[0].score, 4) if scored else 0.0})
    return out


def thresholds(lo: float = LO, hi: float = HI, step: float = STEP) -> list[float]:
    return [round(lo + i * step, 2) for i in range(int(round((hi - lo) / step)) + 1)]


def curve(scores: list[dict], grid: list[float] | None = None) -> list[dict]:
    ans = [s["score"] for s in scores if s["answerable"]]
    una = [s["score"] for s in scores if not s["answerable"]]
    rows = []
    for t in grid or thresholds():
        abstain = sum(x < t for x in una) / len(una) if una else 0.0
        refuse = sum(x < t for x in ans) / len(ans) if ans else 0.0
        rows.append({"threshold": t, "abstain_rate": round(abstain, 4), "false_refusal_rate": round(refuse, 4),
                     "margin": round(abstain - refuse, 4)})
    return rows


def recommend(rows: list[dict], max_false_refusal: float = MAX_FALSE_REFUSAL) -> dict | None:
    ok = [r for r in rows if r["false_refusal_rate"] <= max_false_refusal + 1e-9]
    if not ok:
        return None
    best = max(r["margin"] for r in ok)
    tied = [r for r in ok if r["margin"] == best]
    pick = dict(tied[(len(tied) - 1) // 2])
    pick["tied_range"] = [tied[0]["threshold"], tied[-1]["threshold"]]
    return pick


def calibrate(assistant, gold: list[M.GoldItem] | Path, max_false_refusal: float = MAX_FALSE_REFUSAL) -> dict:
    items = M.load_gold(gold) if isinstance(gold, Path) else gold
    scores = top_scores(assistant, items)
    rows = curve(scores)
    return {"current": assistant.settings.abstain_threshold, "max_false_refusal": max_false_refusal,
            "recommended": recommend(rows, max_false_refusal), "curve": rows, "scores": scores}


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["curve"]
    ts = [r["threshold"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(ts, [r["abstain_rate"] for r in rows], label="abstain rate (unanswerable)", color="tab:green")
    ax.plot(ts, [r["false_refusal_rate"] for r in rows], label="false-refusal rate (answerable)", color="tab:red")
    ax.plot(ts, [r["margin"] for r in rows], label="abstain - false refusal", color="tab:blue", linestyle="--")
    ax.axhline(result["max_false_refusal"], color="tab:red", alpha=0.3, linestyle=":", label="false-refusal limit")
    ax.axvline(result["current"], color="grey", linestyle=":", label=f"current setting {result['current']:.2f}")
    if result["recommended"]:
        t = result["recommended"]["threshold"]
        ax.axvline(t, color="black", label=f"recommended {t:.2f}")
    ax.set_xlabel("abstain_threshold (top evidence score)")
    ax.set_ylabel("rate")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Abstention calibration on eval/gold.jsonl")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def table(result: dict, every: int = 1) -> str:
    lines = ["threshold  abstain  false_refusal  margin", "---------  -------  -------------  ------"]
    rec = (result["recommended"] or {}).get("threshold")
    for i, r in enumerate(result["curve"]):
        mark = "  <- recommended" if r["threshold"] == rec else ""
        if r["threshold"] == result["current"]:
            mark += "  <- current"
        if i % every == 0 or mark:
            lines.append(f"{r['threshold']:9.2f}  {r['abstain_rate']:7.3f}  {r['false_refusal_rate']:13.3f}  "
                         f"{r['margin']:6.3f}{mark}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from eval.runner import REPO, resolve

    p = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.split("\n\n")[0])
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"))
    p.add_argument("--png", type=Path, default=REPO / "eval/reports/calibration.png")
    p.add_argument("--max-false-refusal", type=float, default=MAX_FALSE_REFUSAL)
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = p.parse_args(argv)

    from assistant.service import Assistant
    from assistant.settings import Settings

    try:
        items = M.load_gold(resolve(args.gold))
    except M.GoldError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    assistant = Assistant.open(Settings())
    result = calibrate(assistant, items, args.max_false_refusal)
    plot(result, args.png)
    if args.json:
        print(json.dumps(result))
    else:
        print(table(result))
        rec = result["recommended"]
        if rec is None:
            print(f"\nno threshold keeps false refusals <= {args.max_false_refusal:.0%}")
        else:
            print(f"\nrecommended abstain_threshold = {rec['threshold']:.2f} (abstain {rec['abstain_rate']:.3f}, "
                  f"false refusal {rec['false_refusal_rate']:.3f}; same margin for {rec['tied_range'][0]:.2f}-"
                  f"{rec['tied_range'][1]:.2f}); current = {result['current']:.2f}")
    print(f"wrote {args.png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
