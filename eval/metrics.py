"""Scoring for the gold set: pure functions over plain data, no model or index needed.

A *case* is one question to ask: a single gold item, or one turn of a conversation.
A *record* is a scored case (a dict, the unit of results.json). `aggregate` turns the
records of one system into its metrics; `gate` compares "ours" with a baseline.
"""

from __future__ import annotations


import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------- gold


@dataclass
class Case:
    item_id: str
    turn: int | None  # 1-based for conversation turns, None for single questions
    question: str
    answerable: bool
    facts: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    kind: str = "factoid"  # gold kind; "conversation" for turns, "unanswerable" for traps

    @property
    def key(self) -> str:
        return self.item_id if self.turn is None else f"{self.item_id}#{self.turn}"


@dataclass
class GoldItem:
    item_id: str
    cases: list[Case]

    @property
    def is_conversation(self) -> bool:
        return self.cases[0].turn is not None


class GoldError(ValueError):
    pass


def _facts(raw: Any, where: str) -> list[list[str]]:
    if not isinstance(raw, list) or not raw:
        raise GoldError(f"{where}: 'facts' must be a non-empty list of lists of spellings")
    out = []
    for fact in raw:
        if isinstance(fact, str):
            fact = [fact]
        if not isinstance(fact, list) or not fact or not all(isinstance(s, str) and s.strip() for s in fact):
            raise GoldError(f"{where}: every fact must be a non-empty list of non-empty strings")
        out.append(fact)
    return out


def parse_gold(lines: Iterable[str], name: str = "gold") -> list[GoldItem]:
    items: list[GoldItem] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldError(f"{where}: not JSON ({e.msg})") from None
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise GoldError(f"{where}: missing 'id'")
        if item_id in seen:
            raise GoldError(f"{where}: duplicate id {item_id!r}")
        seen.add(item_id)
        if "turns" in raw:
            turns = raw["turns"]
            if not isinstance(turns, list) or not turns:
                raise GoldError(f"{where}: 'turns' must be a non-empty list")
            cases = [Case(item_id, t, turn["question"], True, _facts(turn.get("facts"), f"{where} turn {t}"),
                          list(turn.get("sources", [])), "conversation")
                     for t, turn in enumerate(turns, start=1)]
        elif raw.get("unanswerable"):
            cases = [Case(item_id, None, raw["question"], False, kind="unanswerable")]
        else:
            if not raw.get("sources"):
                raise GoldError(f"{where}: an answerable item needs 'sources'")
            cases = [Case(item_id, None, raw["question"], True, _facts(raw.get("facts"), where),
                          list(raw["sources"]), raw.get("kind", "factoid"))]
        items.append(GoldItem(item_id, cases))
    if not items:
        raise GoldError(f"{name}: no items")
    return items


def load_gold(path: Path) -> list[GoldItem]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise GoldError(f"cannot read gold file {path}: {e.strerror}") from None
    return parse_gold(text.splitlines(), str(path))


# ---------------------------------------------------------------------------- per-case metrics


def rank_files(cited_files: Sequence[str], retrieved_files: Sequence[str]) -> list[str]:
    """Files in order of first appearance: the answer's citations, then the retrieved chunks."""
    return list(dict.fromkeys([*cited_files, *retrieved_files]))


def hit_at_k(ranked: Sequence[str], sources: Iterable[str], k: int) -> float:
    gold = set(sources)
    return 1.0 if any(f in gold for f in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], sources: Iterable[str]) -> float:
    gold = set(sources)
    for i, f in enumerate(ranked, start=1):
        if f in gold:
            return 1.0 / i
    return 0.0


def _plain(text: str) -> str:
    """Case-, accent- and apostrophe-insensitive: "Hú Hépíng" contains "Hu Heping"."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return folded.replace("\u2019", "'").lower()


def fact_hits(text: str, facts: Sequence[Sequence[str]]) -> list[bool]:
    """For each fact: does at least one of its spellings occur in the text (case-insensitive)?"""
    low = _plain(text)
    return [any(_plain(s) in low for s in fact) for fact in facts]


def facts_found(text: str, facts: Sequence[Sequence[str]]) -> bool:
    return all(fact_hits(text, facts))


def _doc_text(doc: Any) -> str:
    return doc if isinstance(doc, str) else doc.text


def citation_problem(file: str, lines: Sequence[int], quote: str, documents: Mapping[str, Any]) -> str | None:
    """None if the quote is verbatim in the cited document AND inside the cited line span; else why not."""
    if file not in documents:
        return f"unknown file {file}"
    text = _doc_text(documents[file])
    if not quote or not quote.strip():
        return "empty quote"
    if quote not in text:
        return "quote not in document"
    all_lines = text.split("\n")
    a, b = int(lines[0]), int(lines[1])
    if a < 1 or b < a or b > len(all_lines):
        return f"lines {a}-{b} outside document (1-{len(all_lines)})"
    if quote not in "\n".join(all_lines[a - 1:b]):
        return f"quote not inside lines {a}-{b}"
    return None


def citation_valid(file: str, lines: Sequence[int], quote: str, documents: Mapping[str, Any]) -> bool:
    return citation_problem(file, lines, quote, documents) is None


def score_case(case: Case, answer: Any, retrieved_files: Sequence[str], documents: Mapping[str, Any],
               latency_ms: float, system: str) -> dict:
    """One record: the answer (a models.Answer or anything with the same fields) scored against the case."""
    citations = []
    for c in answer.citations:
        problem = citation_problem(c.file, c.lines, c.quote, documents)
        citations.append({"n": c.n, "file": c.file, "lines": [int(c.lines[0]), int(c.lines[1])], "quote": c.quote,
                          "valid": problem is None, "problem": problem, "score": getattr(c, "score", None),
                          "also_in": list(getattr(c, "also_in", []))})
    cited_files = list(dict.fromkeys(c["file"] for c in citations))
    ranked = rank_files(cited_files, retrieved_files)
    all_valid = all(c["valid"] for c in citations)
    rec = {
        "system": system, "id": case.item_id, "turn": case.turn, "key": case.key, "kind": case.kind,
        "answerable": case.answerable, "question": case.question, "query": answer.query,
        "answer": answer.answer, "abstained": bool(answer.abstained), "citations": citations,
        "cited_files": cited_files, "ranked_files": ranked, "citations_valid": all_valid,
        "latency_ms": round(latency_ms, 2), "engine": getattr(answer, "engine", None),
        "fallback": bool(getattr(answer, "fallback", False)),
        "short_answer": getattr(answer, "short_answer", None),
    }
    failure: list[str] = []
    if case.answerable:
        hits = fact_hits(answer.answer, case.facts) if not answer.abstained else [False] * len(case.facts)
        cited_gold = [f for f in cited_files if f in case.sources]
        rec.update({
            "facts": case.facts, "sources": case.sources, "facts_found": hits,
            "hit@1": hit_at_k(ranked, case.sources, 1), "hit@3": hit_at_k(ranked, case.sources, 3),
            "rr": reciprocal_rank(ranked, case.sources), "cited_gold": len(cited_gold) > 0,
            # the retriever alone, before the answer reorders files by citation
            "chunk_hit@1": hit_at_k(list(retrieved_files), case.sources, 1),
            "chunk_rr": reciprocal_rank(list(retrieved_files), case.sources),
        })
        if answer.abstained:
            failure.append("abstained")
        else:
            missing = [f[0] for f, ok in zip(case.facts, hits) if not ok]
            if missing:
                failure.append("missing facts: " + ", ".join(missing))
            if not cited_gold:
                failure.append("no gold source cited")
        if not all_valid:
            failure.append("invalid citation")
    else:
        rec.update({"facts": [], "sources": [], "facts_found": [], "hit@1": None, "hit@3": None, "rr": None,
                    "cited_gold": None, "chunk_hit@1": None, "chunk_rr": None})
        if not answer.abstained:
            failure.append("answered an unanswerable question")
    rec["passed"] = not failure
    rec["failure"] = failure
    return rec


def error_record(case: Case, error: str, system: str, latency_ms: float = 0.0) -> dict:
    """A case whose call raised: it fails, and counts as neither answered nor abstained correctly."""
    return {"system": system, "id": case.item_id, "turn": case.turn, "key": case.key, "kind": case.kind,
            "answerable": case.answerable, "question": case.question, "query": None, "answer": "",
            "abstained": False, "citations": [], "cited_files": [], "ranked_files": [], "citations_valid": True,
            "latency_ms": round(latency_ms, 2), "facts": case.facts, "sources": case.sources,
            "facts_found": [False] * len(case.facts),
            "hit@1": 0.0 if case.answerable else None, "hit@3": 0.0 if case.answerable else None,
            "rr": 0.0 if case.answerable else None,
            "chunk_hit@1": 0.0 if case.answerable else None, "chunk_rr": 0.0 if case.answerable else None,
            "cited_gold": False if case.answerable else None,
            "passed": False, "failure": [f"error: {error}"], "error": error}


# ---------------------------------------------------------------------------- aggregates


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100), like numpy's default."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)


def _answerable_block(recs: list[dict]) -> dict:
    return {
        "hit@1": _r(_mean([r["hit@1"] for r in recs])),
        "hit@3": _r(_mean([r["hit@3"] for r in recs])),
        "mrr": _r(_mean([r["rr"] for r in recs])),
        "chunk_hit@1": _r(_mean([r["chunk_hit@1"] for r in recs])),
        "chunk_mrr": _r(_mean([r["chunk_rr"] for r in recs])),
        "key_fact_recall": _r(_mean([1.0 if r["facts_found"] and all(r["facts_found"]) else 0.0 for r in recs])),
        "false_refusal_rate": _r(_mean([1.0 if r["abstained"] else 0.0 for r in recs])),
        "cited_recall": _r(_mean([1.0 if r["cited_gold"] else 0.0 for r in recs])),
    }


LIST_KINDS = {"list"}
TWO_PART_KINDS = {"two-part", "multi-part"}


def _answer_shape_block(records: Sequence[dict]) -> dict:
    """Lists and two-part questions (pass rate, share of their facts found), and how often the
    short answer that leads an answer holds a gold fact itself."""
    out: dict[str, Any] = {}
    for name, kinds in (("list", LIST_KINDS), ("two_part", TWO_PART_KINDS)):
        rs = [r for r in records if r["kind"] in kinds]
        out[f"{name}_pass_rate"] = _r(_mean([1.0 if r["passed"] else 0.0 for r in rs]))
        out[f"{name}_fact_recall"] = _r(_mean([1.0 if ok else 0.0 for r in rs for ok in r["facts_found"]]))
    led = [r for r in records if r["answerable"] and not r["abstained"] and r.get("short_answer")]
    out["short_answer_rate"] = _r(_mean([1.0 if r in led else 0.0 for r in records
                                         if r["answerable"] and not r["abstained"]]))
    out["short_answer_fact_rate"] = _r(_mean([1.0 if any(fact_hits(r["short_answer"], r["facts"])) else 0.0
                                              for r in led]))
    return out


def aggregate(records: Sequence[dict]) -> dict:
    """Metrics of one system's records (see eval/README.md, "Results and calibration")."""
    ans = [r for r in records if r["answerable"]]
    una = [r for r in records if not r["answerable"]]
    turns = [r for r in records if r["turn"] is not None]
    citations = [c for r in records for c in r["citations"]]
    cited = [(f, f in r["sources"]) for r in ans for f in r["cited_files"]]
    all_facts = [ok for r in ans for ok in r["facts_found"]]
    latencies = [r["latency_ms"] for r in records]

    m: dict[str, Any] = {"n_cases": len(records), "n_answerable": len(ans), "n_unanswerable": len(una),
                         "n_turns": len(turns), "pass_rate": _r(_mean([1.0 if r["passed"] else 0.0 for r in records]))}
    m.update(_answerable_block(ans))
    m["fact_recall_micro"] = _r(_mean([1.0 if ok else 0.0 for ok in all_facts]))
    m["citation_validity"] = _r(_mean([1.0 if c["valid"] else 0.0 for c in citations]) if citations else 1.0)
    m["n_citations"] = len(citations)
    m["cited_precision"] = _r(_mean([1.0 if ok else 0.0 for _, ok in cited]))
    m["abstain_rate"] = _r(_mean([1.0 if r["abstained"] else 0.0 for r in una]))
    m["conversation_turn_pass_rate"] = _r(_mean([1.0 if r["passed"] else 0.0 for r in turns]))
    convs: dict[str, list[bool]] = defaultdict(list)
    for r in turns:
        convs[r["id"]].append(r["passed"])
    m["conversation_pass_rate"] = _r(_mean([1.0 if all(v) else 0.0 for v in convs.values()]))
    by_turn: dict[int, list[bool]] = defaultdict(list)
    for r in turns:
        by_turn[r["turn"]].append(r["passed"])
    m["conversation_by_turn"] = {str(t): _r(_mean([1.0 if p else 0.0 for p in v])) for t, v in sorted(by_turn.items())}
    m.update(_answer_shape_block(records))
    m["latency_p50_ms"] = _r(percentile(latencies, 50), 1)
    m["latency_p95_ms"] = _r(percentile(latencies, 95), 1)
    m["errors"] = sum(1 for r in records if r.get("error"))
    m["fallbacks"] = sum(1 for r in records if r.get("fallback"))  # llm engine: extractive answer shown instead

    kinds: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        kinds[r["kind"]].append(r)
    by_kind = {}
    for kind in sorted(kinds, key=lambda k: (k in ("conversation", "unanswerable"), k)):
        rs = kinds[kind]
        block: dict[str, Any] = {"n": len(rs), "pass_rate": _r(_mean([1.0 if r["passed"] else 0.0 for r in rs]))}
        if rs[0]["answerable"]:
            block.update(_answerable_block(rs))
        else:
            block["abstain_rate"] = _r(_mean([1.0 if r["abstained"] else 0.0 for r in rs]))
        by_kind[kind] = block
    m["by_kind"] = by_kind
    return m


# ---------------------------------------------------------------------------- regression gate

TOLERANCE = 0.005
# metric -> +1 if higher is better, -1 if lower is better
GATED_METRICS = {"hit@1": 1, "key_fact_recall": 1, "citation_validity": 1, "abstain_rate": 1,
                 "cited_precision": 1, "false_refusal_rate": -1}


def baseline_payload(records: Sequence[dict], metrics: dict, meta: dict | None = None) -> dict:
    """What eval/baseline.json holds: per-case pass/fail of "ours" and its aggregate metrics."""
    return {**(meta or {}),
            "metrics": {k: v for k, v in metrics.items() if k != "by_kind"},
            "items": {r["key"]: bool(r["passed"]) for r in sorted(records, key=lambda r: _key_order(r["key"]))}}


def _key_order(key: str) -> tuple:
    """q002 < q010 < u001 < c001#2; ids of any letter prefix ("b001", "bu01", "bc01#3")."""
    item, _, turn = key.partition("#")
    prefix = item.rstrip("0123456789")
    number = item[len(prefix):]
    return prefix, int(number) if number else 0, item, int(turn) if turn.isdigit() else 0


def gate(baseline: dict, records: Sequence[dict], metrics: dict, tolerance: float = TOLERANCE) -> list[str]:
    """Regressions of the current run against a baseline; empty means the gate passes.

    An item regresses when it passed in the baseline and fails now. Items absent from
    either side are ignored (a smaller gold file can be gated against the full baseline).
    A gated metric regresses when it moves the wrong way by more than `tolerance`.
    """
    problems: list[str] = []
    now = {r["key"]: r for r in records}
    for key, passed_before in baseline.get("items", {}).items():
        r = now.get(key)
        if passed_before and r is not None and not r["passed"]:
            problems.append(f"item {key} regressed: passed in the baseline, fails now ({'; '.join(r['failure'])})"
                            f" - question: {r['question']!r}")
    before = baseline.get("metrics", {})
    for name, direction in GATED_METRICS.items():
        old, new = before.get(name), metrics.get(name)
        if old is None or new is None:
            continue
        drop = (old - new) * direction
        if drop > tolerance + 1e-9:
            problems.append(f"metric {name} regressed: {old:.4f} -> {new:.4f} (worse by {drop:.4f} > {tolerance})")
    return problems
