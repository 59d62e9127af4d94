"""Fit and check the refusal model across corpora: `python -m eval.calibrate [--fit]`.

For every case of each dev set (the seeds' `eval/gold.jsonl`, the BBC's `eval/bbc_gold.jsonl`)
the question is asked as `ask` would (conversations turn by turn), by an `Assistant` whose
refusal model always answers; the answer is scored like an eval case, which gives the label:
would answering be right (an answerable question, and the answer passes)? Then
`Assistant.evidence(query, read_spans=True)` and `Assistant.assess` give the refusal model's
features. The label is "answering is right" rather than "answerable": refusing a question
whose answer would quote the wrong sentence costs no pass, answering it costs one, and the
features cannot tell those apart from traps anyway. A logistic regression (numpy, L2, classes
balanced per corpus) is fitted

- on the seeds alone and tested on the BBC set, and on the BBC set alone and tested on the
  seeds (does the decision transfer to a corpus it never saw?), then
- on both, each corpus weighing the same: the shipped model (written with `--fit` to
  `assistant/answer/confidence_model.json`).

Each fit picks its cutoff on its own training cases: the most refusals of unanswerable
questions with false refusals at most `--max-false-refusal` on each training corpus, counted
as the eval counts them (answerable questions refused, whether or not the forced answer was
right: the label says which way to lean, the cutoff is held to the gate's metric). The model
reads `INPUTS` unless `--inputs` says otherwise (the slot rule, `slot_unfilled`, is applied by
`Model.probability` in every fit and rate, never fitted); the held-out seeds sets are
scored with the shipped model only (never fitted on). Writes the reliability curve
(predicted answerable-probability bins vs observed share answerable) and a JSON report to
eval/reports/. It only reads the product through its public `Assistant` API.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from eval import metrics as M

MAX_FALSE_REFUSAL = 0.05  # the cutoff's bound on false refusals, on each training corpus (the issue's target)
# The features fitted on by default, chosen by the cross-corpus check alone (eval/README.md, "Refusal
# model"): each other feature, added to these, lowers refusals or raises false refusals in one of the
# two directions (fit on one corpus, test on the other) or is dropped by the sign check
# (relation_coverage); with all of them BBC -> seeds refuses 0.52 instead of 0.81.
INPUTS = ("top_score", "span_linked", "span_missing", "unmet", "below_null")
L2 = 3.0  # penalty on standardised coefficients (chosen on the cross-corpus fits, never on held-out sets)
BINS = 10
DEV = {"seeds": "eval/gold.jsonl", "bbc": "eval/bbc_gold.jsonl"}
# Scored with each fit, never fitted on: the seeds' held-out sets and the BBC's (written blind; dev sets
# since session 9, eval/BBC_HELDOUT*.md); the blind BBC set of the session is not read here
HELDOUT = {"seeds": ("eval/heldout.jsonl", "eval/heldout2.jsonl", "eval/heldout3.jsonl", "eval/heldout4.jsonl"),
           "bbc": ("eval/bbc_heldout.jsonl", "eval/bbc_heldout2.jsonl")}
HELDOUT_SETS = tuple(g for sets in HELDOUT.values() for g in sets)


ALWAYS_ANSWER = {"version": 1, "features": ["top_score"], "mean": [0.0], "scale": [1.0], "coef": [0.0],
                 "intercept": 0.0, "cutoff": 0.0}  # p = 0.5 >= 0 for every question


# ---- features through the public API --------------------------------------------------
def case_features(assistant, items: list[M.GoldItem], corpus: str, gold: str) -> list[dict]:
    """One row per case: labels, features, and the sentences the relation was read in (to study features offline)."""
    from assistant.answer.confidence import RELATION_SENTENCES
    from assistant.chat.session import Conversation

    rows = []
    for item in items:
        conversation = Conversation() if item.is_conversation else None
        for case in item.cases:
            answer = assistant.ask(case.question, conversation=conversation)
            hits, scored, _ = assistant.evidence(answer.query, read_spans=True)
            files = list(dict.fromkeys(h.chunk.file for h in hits))
            passed = M.score_case(case, answer, files, assistant.documents, 0.0, "forced")["passed"]
            verdict = assistant.assess(answer.query, scored, full=True)  # every feature, even the gated one
            rows.append({"corpus": corpus, "gold": gold, "key": case.key, "answerable": case.answerable,
                         "correct": bool(case.answerable and passed), "query": answer.query,
                         "sentences": [e.sentence.text for e in scored[:RELATION_SENTENCES]],
                         "features": asdict(verdict.features)})
    return rows


def open_assistant(corpus: Path | None, model: Path):
    """An Assistant over the corpus (the seeds by default) whose refusal model is `model`."""
    from assistant.cli import corpus_settings
    from assistant.service import Assistant
    from assistant.settings import Settings

    settings = Settings(confidence_model=model)
    return Assistant.open(corpus_settings(settings, corpus) if corpus else settings)


# ---- fitting ------------------------------------------------------------------------------
def _label(rows: list[dict]) -> np.ndarray:
    return np.array([bool(r["answerable"] and r["correct"]) for r in rows])


def _weights(rows: list[dict]) -> np.ndarray:
    """Each corpus weighs the same, and within it both labels weigh the same."""
    w = np.zeros(len(rows))
    corpora = sorted({r["corpus"] for r in rows})
    labels = _label(rows)
    for c in corpora:
        for label in (True, False):
            idx = [i for i, r in enumerate(rows) if r["corpus"] == c and labels[i] == label]
            if idx:
                w[idx] = 1.0 / (len(idx) * 2 * len(corpora))
    return w * len(rows)


def fit(rows: list[dict], names: list[str], l2: float = L2, max_fr: float = MAX_FALSE_REFUSAL):
    """A `Model` fitted by Newton's method on weighted log-loss plus an L2 penalty; a feature whose
    coefficient comes out against its known direction (`DIRECTION`) is dropped and the rest refitted."""
    from assistant.answer.confidence import DIRECTION

    names = list(names)
    while True:
        model = _fit(rows, names, l2, max_fr)
        wrong = [n for n, c in zip(names, model.coef) if DIRECTION.get(n, 0) * c < 0]
        if not wrong or len(names) == 1:
            return model
        names = [n for n in names if n not in wrong]


def _fit(rows: list[dict], names: list[str], l2: float, max_fr: float):
    from assistant.answer.confidence import Model

    X = np.array([[r["features"][n] for n in names] for r in rows], float)
    y = _label(rows).astype(float)
    w = _weights(rows)
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-6] = 1.0
    Z = np.hstack([np.ones((len(X), 1)), (X - mean) / scale])
    beta = np.zeros(Z.shape[1])
    penalty = np.full(Z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(Z @ beta, -50, 50)))
        grad = Z.T @ (w * (p - y)) + penalty * beta
        hess = (Z * (w * p * (1 - p))[:, None]).T @ Z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    model = Model(tuple(names), tuple(mean.round(6)), tuple(scale.round(6)), tuple(beta[1:].round(6)),
                  round(float(beta[0]), 6), 0.5)
    return _with_cutoff(model, rows, max_fr)


def _with_cutoff(model, rows: list[dict], max_fr: float):
    """The cutoff refusing the most cases it should (mean over the training corpora) with answerable
    questions refused at most `max_fr` on every training corpus (the eval's false refusals: refusing
    an answerable question whose answer would be wrong still counts)."""
    from dataclasses import replace

    probs = predict(model, rows)
    corpora = sorted({r["corpus"] for r in rows})
    masks = {c: np.array([r["corpus"] == c for r in rows]) for c in corpora}
    ans = np.array([bool(r["answerable"]) for r in rows])
    best = None
    for cutoff in np.round(np.arange(0.05, 0.951, 0.01), 2):
        fr = [float((probs[m & ans] < cutoff).mean()) for m in masks.values() if (m & ans).any()]
        refused = [float((probs[m & ~ans] < cutoff).mean()) for m in masks.values() if (m & ~ans).any()]
        gain = float(np.mean(refused or [0.0]) - np.mean(fr or [0.0]))
        if max(fr, default=0.0) <= max_fr + 1e-9 and (best is None or gain > best[0] + 1e-9):
            best = (gain, float(cutoff))
    return replace(model, cutoff=best[1] if best else 0.5)


def predict(model, rows: list[dict]) -> np.ndarray:
    from assistant.answer.confidence import Features

    return np.array([model.probability(Features(**r["features"])) for r in rows])


def rates(model, rows: list[dict]) -> dict:
    """The eval's refusal metrics under the model, and the pass rate it implies (a case passes
    when refused and unanswerable, or answered and its answer right)."""
    probs = predict(model, rows)
    refuse = probs < model.cutoff
    ans = np.array([r["answerable"] for r in rows])
    right = _label(rows)
    passed = np.where(ans, right & ~refuse, refuse)
    return {"cases": len(rows), "unanswerable": int((~ans).sum()),
            "refused": round(float(refuse[~ans].mean()), 3) if (~ans).any() else None,
            "false_refusal": round(float(refuse[ans].mean()), 3) if ans.any() else None,
            "right_refused": round(float(refuse[right].mean()), 3) if right.any() else None,
            "pass_rate": round(float(passed.mean()), 3) if len(rows) else None}


def reliability(model, rows: list[dict], bins: int = BINS) -> list[dict]:
    probs = predict(model, rows)
    ans = _label(rows).astype(float)
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = (probs >= lo) & ((probs < hi) if b < bins - 1 else (probs <= hi))
        if sel.any():
            out.append({"bin": [lo, hi], "n": int(sel.sum()), "predicted": round(float(probs[sel].mean()), 3),
                        "observed": round(float(ans[sel].mean()), 3)})
    return out


def plot(curves: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for (name, rows), colour in zip(curves.items(), ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        ax.plot([r["predicted"] for r in rows], [r["observed"] for r in rows], marker="o", color=colour,
                label=name)
        for r in rows:
            ax.annotate(str(r["n"]), (r["predicted"], r["observed"]), fontsize=7, color=colour,
                        textcoords="offset points", xytext=(3, -9))
    ax.set_xlabel("predicted probability that answering is right (bin mean)")
    ax.set_ylabel("observed share answered right")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("Refusal model reliability (numbers: cases per bin)")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- the command --------------------------------------------------------------------------
def extract(corpora: dict[str, Path | None], heldout: dict[str, tuple[str, ...]]) -> list[dict]:
    import tempfile

    from eval.runner import resolve

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        always = Path(tmp) / "always-answer.json"
        always.write_text(json.dumps(ALWAYS_ANSWER), encoding="utf-8")
        for name, corpus in corpora.items():
            rows += _extract_corpus(open_assistant(corpus, always), name, heldout, resolve)
    return rows


def _extract_corpus(assistant, name: str, heldout: dict[str, tuple[str, ...]], resolve) -> list[dict]:
    rows = []
    for gold in [DEV[name], *heldout.get(name, ())]:
        rows += case_features(assistant, M.load_gold(resolve(Path(gold))), name, gold)
    return rows


def report(rows: list[dict], names: list[str], max_fr: float) -> tuple[object, dict]:
    dev = {c: [r for r in rows if r["corpus"] == c and r["gold"] == DEV[c]] for c in DEV}
    seeds_only, bbc_only = fit(dev["seeds"], names, max_fr=max_fr), fit(dev["bbc"], names, max_fr=max_fr)
    shipped = fit(dev["seeds"] + dev["bbc"], names, max_fr=max_fr)
    result = {
        "features": names, "max_false_refusal_train": max_fr,
        "cross": {"seeds->bbc": {"cutoff": seeds_only.cutoff, "train": rates(seeds_only, dev["seeds"]),
                                 "test": rates(seeds_only, dev["bbc"])},
                  "bbc->seeds": {"cutoff": bbc_only.cutoff, "train": rates(bbc_only, dev["bbc"]),
                                 "test": rates(bbc_only, dev["seeds"])}},
        "shipped": {"cutoff": shipped.cutoff, **{c: rates(shipped, dev[c]) for c in DEV},
                    **{g: rates(shipped, [r for r in rows if r["gold"] == g]) for g in HELDOUT_SETS
                       if any(r["gold"] == g for r in rows)}},
        "reliability": {"seeds->bbc (test)": reliability(seeds_only, dev["bbc"]),
                        "bbc->seeds (test)": reliability(bbc_only, dev["seeds"]),
                        "shipped (both dev sets)": reliability(shipped, dev["seeds"] + dev["bbc"])},
        "coefficients": dict(zip(shipped.names, shipped.coef)),  # features kept by the sign check
    }
    return shipped, result


def summary(result: dict) -> str:
    lines = ["fit -> test   cutoff  refused  false refusal  right refused  pass   (train: refused / false refusal)"]
    for name, r in result["cross"].items():
        t = r["test"]
        lines.append(f"{name:12}  {r['cutoff']:6.2f}  {t['refused']:7.3f}  {t['false_refusal']:13.3f}  "
                     f"{t['right_refused']:13.3f}  {t['pass_rate']:.3f}"
                     f"   ({r['train']['refused']:.3f} / {r['train']['false_refusal']:.3f})")
    s = result["shipped"]
    lines.append(f"\nshipped model (both dev sets), cutoff {s['cutoff']:.2f}:")
    for name, r in s.items():
        if isinstance(r, dict):
            refused = "-" if r["refused"] is None else f"{r['refused']:.3f}"
            lines.append(f"  {name:22} cases {r['cases']:3}  unanswerable {r['unanswerable']:2}  refused {refused:>5}"
                         f"  false refusal {r['false_refusal']:.3f}  right refused {r['right_refused']:.3f}"
                         f"  pass {r['pass_rate']:.3f}")
    lines.append("\ncoefficients (standardised): " + ", ".join(f"{k} {v:+.2f}" for k, v in result["coefficients"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.answer.confidence import MODEL_FILE, Features
    from eval.runner import REPO

    p = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.split("\n\n")[0])
    p.add_argument("--fit", action="store_true", help=f"write the model fitted on both dev sets to {MODEL_FILE.name}")
    p.add_argument("--bbc-corpus", type=Path, default=REPO.parent / "shared/corpora/bbc")
    p.add_argument("--features", type=Path, default=REPO / "eval/reports/confidence_features.jsonl",
                   help="where the extracted features are written (and read with --reuse)")
    p.add_argument("--reuse", action="store_true", help="fit on the features of the last run instead of asking again")
    p.add_argument("--png", type=Path, default=REPO / "eval/reports/calibration.png")
    p.add_argument("--max-false-refusal", type=float, default=MAX_FALSE_REFUSAL)
    p.add_argument("--inputs", help=f"comma-separated features to fit on, or 'all' (default: {','.join(INPUTS)}; "
                                    "the sign check may drop some)")
    args = p.parse_args(argv)

    everything = list(Features.__dataclass_fields__)
    names = everything if args.inputs == "all" else args.inputs.split(",") if args.inputs else list(INPUTS)
    unknown = set(names) - set(Features.__dataclass_fields__)
    if unknown:
        print(f"error: unknown features: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if args.reuse:
        rows = [json.loads(line) for line in args.features.read_text(encoding="utf-8").splitlines() if line]
    else:
        if not args.bbc_corpus.is_dir():
            print(f"error: BBC corpus folder not found: {args.bbc_corpus} (pass --bbc-corpus)", file=sys.stderr)
            return 2
        try:
            rows = extract({"seeds": None, "bbc": args.bbc_corpus}, HELDOUT)
        except M.GoldError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        args.features.parent.mkdir(parents=True, exist_ok=True)
        args.features.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    shipped, result = report(rows, names, args.max_false_refusal)
    plot(result["reliability"], args.png)
    (args.png.parent / "calibration.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(summary(result))
    if args.fit:
        MODEL_FILE.write_text(json.dumps(shipped.to_json(fitted_on=list(DEV.values()), report=result["shipped"]),
                                         indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}", file=sys.stderr)
    print(f"wrote {args.png}, {args.png.parent / 'calibration.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
