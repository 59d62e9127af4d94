"""The eval harness: metric functions on hand-made results, the runner end to end, the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import metrics as M
from eval.calibrate import fit, rates, reliability

REPO = Path(__file__).resolve().parent.parent

DOCS = {"a.txt": "Title line\n\nFirst sentence here. Second one\ncontinues here.\nLast line.",
        "b.txt": "Only line of b."}


class Cit:
    def __init__(self, file, lines, quote, n=1):
        self.n, self.file, self.lines, self.quote, self.also_in = n, file, lines, quote, []


class Ans:
    def __init__(self, answer, citations=(), abstained=False, query="q"):
        self.answer, self.citations, self.abstained, self.query = answer, list(citations), abstained, query


# ---------------------------------------------------------------------------- ranking


def test_rank_files_citations_first_then_retrieval_each_once():
    assert M.rank_files(["b", "a"], ["a", "c", "b", "d"]) == ["b", "a", "c", "d"]
    assert M.rank_files([], ["c", "c", "a"]) == ["c", "a"]


def test_hit_at_k_and_mrr():
    ranked = ["x", "y", "gold2", "gold1"]
    assert M.hit_at_k(ranked, ["gold1", "gold2"], 1) == 0.0
    assert M.hit_at_k(ranked, ["gold1", "gold2"], 3) == 1.0
    assert M.reciprocal_rank(ranked, ["gold1", "gold2"]) == pytest.approx(1 / 3)
    assert M.reciprocal_rank(ranked, ["nowhere"]) == 0.0
    assert M.hit_at_k(["g"], ["g"], 1) == 1.0 and M.reciprocal_rank(["g"], ["g"]) == 1.0


# ---------------------------------------------------------------------------- facts


def test_fact_matching_with_alternatives_case_insensitive():
    facts = [["Aug. 28", "August 28"], ["Great Hall"]]
    assert M.fact_hits("They met on AUGUST 28 in the great hall.", facts) == [True, True]
    assert M.facts_found("They met on aug. 28 in the Great Hall of the People.", facts)
    assert M.fact_hits("They met on August 29 in the Great Hall.", facts) == [False, True]
    assert not M.facts_found("They met in the Great Hall.", facts)


# ---------------------------------------------------------------------------- citations


def test_citation_valid_when_quote_inside_its_lines():
    assert M.citation_valid("a.txt", (3, 3), "First sentence here.", DOCS)
    # a quote across a line break is valid when the span covers both lines
    assert M.citation_valid("a.txt", (3, 4), "Second one\ncontinues here.", DOCS)


def test_citation_at_the_wrong_lines_is_invalid():
    assert M.citation_problem("a.txt", (5, 5), "First sentence here.", DOCS) == "quote not inside lines 5-5"
    assert not M.citation_valid("a.txt", (3, 3), "Second one\ncontinues here.", DOCS)  # span too short
    assert not M.citation_valid("a.txt", (1, 1), "Only line of b.", DOCS)  # right text, wrong file
    assert not M.citation_valid("a.txt", (3, 3), "First sentence HERE.", DOCS)  # not verbatim
    assert not M.citation_valid("a.txt", (4, 9), "continues here.", DOCS)  # lines outside the document
    assert not M.citation_valid("zzz.txt", (1, 1), "x", DOCS)


# ---------------------------------------------------------------------------- cases and aggregates


def _case(**kw):
    base = dict(item_id="q1", turn=None, question="Q?", answerable=True, facts=[["alpha"]], sources=["a.txt"],
                kind="factoid")
    base.update(kw)
    return M.Case(**base)


def test_score_case_pass_and_failure_reasons():
    good = M.score_case(_case(), Ans("alpha is here [1]", [Cit("a.txt", (3, 3), "First sentence here.")]),
                        ["b.txt", "a.txt"], DOCS, 10.0, "ours")
    assert good["passed"] and good["hit@1"] == 1.0 and good["chunk_hit@1"] == 0.0 and good["chunk_rr"] == 0.5
    assert good["ranked_files"] == ["a.txt", "b.txt"]

    wrong_lines = M.score_case(_case(), Ans("alpha [1]", [Cit("a.txt", (5, 5), "First sentence here.")]),
                               ["a.txt"], DOCS, 10.0, "ours")
    assert not wrong_lines["passed"] and "invalid citation" in wrong_lines["failure"]

    wrong_file = M.score_case(_case(), Ans("alpha [1]", [Cit("b.txt", (1, 1), "Only line of b.")]),
                              ["a.txt"], DOCS, 10.0, "ours")
    assert not wrong_file["passed"] and wrong_file["failure"] == ["no gold source cited"]

    refused = M.score_case(_case(), Ans("The articles don't say.", abstained=True), ["a.txt"], DOCS, 1.0, "ours")
    assert not refused["passed"] and refused["failure"] == ["abstained"] and refused["facts_found"] == [False]

    trap = _case(item_id="u1", answerable=False, facts=[], sources=[], kind="unanswerable")
    assert M.score_case(trap, Ans("The articles don't say.", abstained=True), [], DOCS, 1.0, "ours")["passed"]
    assert not M.score_case(trap, Ans("alpha [1]", [Cit("b.txt", (1, 1), "Only line of b.")]), [], DOCS, 1.0,
                            "ours")["passed"]


def test_aggregate_rates():
    cit_a = Cit("a.txt", (3, 3), "First sentence here.")
    cit_b = Cit("b.txt", (1, 1), "Only line of b.", n=2)
    trap = dict(item_id="u1", answerable=False, facts=[], sources=[], kind="unanswerable")
    recs = [
        M.score_case(_case(), Ans("alpha [1] [2]", [cit_a, cit_b]), ["a.txt"], DOCS, 10, "s"),
        M.score_case(_case(item_id="q2"), Ans("nope", abstained=True), ["b.txt", "a.txt"], DOCS, 20, "s"),
        M.score_case(_case(item_id="c1", turn=1, kind="conversation"), Ans("alpha [1]", [cit_a]), ["a.txt"], DOCS,
                     30, "s"),
        M.score_case(_case(item_id="c1", turn=2, kind="conversation"), Ans("beta [1]", [cit_a]), ["a.txt"], DOCS,
                     40, "s"),
        M.score_case(_case(**trap), Ans("x", abstained=True), [], DOCS, 50, "s"),
        M.score_case(_case(**{**trap, "item_id": "u2"}), Ans("alpha [1]", [cit_b]), [], DOCS, 60, "s"),
    ]
    m = M.aggregate(recs)
    assert (m["n_cases"], m["n_answerable"], m["n_unanswerable"], m["n_turns"]) == (6, 4, 2, 2)
    assert m["hit@1"] == 0.75 and m["mrr"] == 0.875
    assert m["key_fact_recall"] == 0.5  # q1 and c1#1
    assert m["false_refusal_rate"] == 0.25 and m["abstain_rate"] == 0.5
    assert m["cited_precision"] == pytest.approx(round(3 / 4, 4))  # a,b for q1; a; a
    assert m["cited_recall"] == 0.75
    assert m["citation_validity"] == 1.0 and m["n_citations"] == 5
    assert m["conversation_turn_pass_rate"] == 0.5 and m["conversation_pass_rate"] == 0.0
    assert m["conversation_by_turn"] == {"1": 1.0, "2": 0.0}
    assert m["latency_p50_ms"] == 35.0 and m["latency_p95_ms"] == pytest.approx(57.5)
    assert m["by_kind"]["unanswerable"] == {"n": 2, "pass_rate": 0.5, "abstain_rate": 0.5}
    assert m["by_kind"]["factoid"]["n"] == 2


def test_parse_gold_shapes_and_errors():
    lines = [json.dumps({"id": "q1", "question": "A?", "facts": [["x", "y"]], "sources": ["a.txt"], "kind": "list"}),
             json.dumps({"id": "u1", "question": "B?", "unanswerable": True}),
             json.dumps({"id": "c1", "turns": [{"question": "C?", "facts": [["z"]], "sources": ["a.txt"]},
                                               {"question": "D?", "facts": [["w"]], "sources": ["b.txt"]}]})]
    items = M.parse_gold(lines)
    assert [c.key for i in items for c in i.cases] == ["q1", "u1", "c1#1", "c1#2"]
    assert items[2].is_conversation and items[2].cases[1].kind == "conversation"
    with pytest.raises(M.GoldError, match="duplicate"):
        M.parse_gold(lines + lines[:1])
    with pytest.raises(M.GoldError, match="sources"):
        M.parse_gold([json.dumps({"id": "q9", "question": "?", "facts": [["x"]]})])


# ---------------------------------------------------------------------------- gate


def _rec(key, passed):
    return {"key": key, "passed": passed, "failure": [] if passed else ["missing facts: x"], "question": key + "?"}


def test_gate_detects_item_regression_and_metric_drops():
    metrics = {"hit@1": 0.90, "key_fact_recall": 0.80, "citation_validity": 1.0, "abstain_rate": 0.50,
               "cited_precision": 0.80, "false_refusal_rate": 0.05}
    records = [_rec("q1", True), _rec("q2", False), _rec("c1#2", True)]
    baseline = M.baseline_payload(records, metrics)
    assert baseline["items"] == {"c1#2": True, "q1": True, "q2": False}
    assert list(baseline["items"]) == ["c1#2", "q1", "q2"]
    assert M.gate(baseline, records, metrics) == []

    # an item that passed now fails
    now = [_rec("q1", False), _rec("q2", False), _rec("c1#2", True)]
    problems = M.gate(baseline, now, metrics)
    assert len(problems) == 1 and "q1" in problems[0]
    # a failing item that now passes, or an item missing from the run, is not a regression
    assert M.gate(baseline, [_rec("q2", True)], metrics) == []

    # small moves are tolerated, larger ones are not; false refusals rising count as a drop
    assert M.gate(baseline, records, {**metrics, "hit@1": 0.896}) == []
    assert any("hit@1" in p for p in M.gate(baseline, records, {**metrics, "hit@1": 0.89}))
    assert any("false_refusal_rate" in p for p in M.gate(baseline, records, {**metrics, "false_refusal_rate": 0.06}))
    assert M.gate(baseline, records, {**metrics, "false_refusal_rate": 0.0, "abstain_rate": 0.9}) == []
    assert any("citation_validity" in p for p in M.gate(baseline, records, {**metrics, "citation_validity": 0.99}))


# ---------------------------------------------------------------------------- calibration


def _rows(corpus: str, answerable: list[float], unanswerable: list[float]) -> list[dict]:
    """Calibration rows whose only informative feature is `top_score`."""
    from dataclasses import asdict

    from assistant.answer.confidence import Features

    def row(score: float, label: bool) -> dict:
        f = Features(score, 0.5, 0.5, 0.5, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5)
        return {"corpus": corpus, "gold": corpus, "key": str(score), "answerable": label, "correct": label,
                "features": asdict(f)}

    return [row(s, True) for s in answerable] + [row(s, False) for s in unanswerable]


def test_the_refusal_fit_separates_scores_and_its_cutoff_keeps_false_refusals_bounded():
    rows = _rows("a", [0.5, 0.55, 0.6, 0.7, 0.8, 0.62, 0.66, 0.58, 0.35, 0.9],
                 [0.1, 0.15, 0.2, 0.25, 0.4]) + _rows("b", [0.45, 0.6, 0.75, 0.5], [0.2, 0.3])
    model = fit(rows, ["top_score"], max_fr=0.1)
    assert model.coef[0] > 0  # a better evidence score means more likely answerable
    r = rates(model, rows)
    assert r["false_refusal"] <= 0.1 and r["refused"] >= 0.8
    assert fit(rows, ["top_score"], max_fr=0.0).cutoff <= model.cutoff  # no false refusal allowed: refuse less
    bins = reliability(model, rows)
    assert sum(b["n"] for b in bins) == len(rows) and all(0 <= b["observed"] <= 1 for b in bins)


def test_the_cutoff_counts_refusing_an_answerable_question_as_a_false_refusal_even_if_its_answer_would_be_wrong():
    rows = _rows("a", [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.62, 0.68, 0.72], [0.1, 0.15, 0.2, 0.25])
    wrong = _rows("a", [0.3, 0.33, 0.36, 0.39], [])
    for r in wrong:
        r["correct"] = False  # answerable, but the forced answer quotes the wrong sentence
    model = fit(rows + wrong, ["top_score"], max_fr=0.1)
    assert rates(model, rows + wrong)["false_refusal"] <= 0.1  # as the eval counts: 14 answerable, at most 1 refused


# ---------------------------------------------------------------------------- end to end

SMALL_GOLD = [
    {"id": "q001", "question": "Which two senior US trade officials was China's commerce minister Wang Wentao due "
     "to meet?", "facts": [["Raimondo"], ["Katherine Tai"]], "sources": ["000_cd0e6218ea1c07a1.txt"], "kind": "list"},
    {"id": "q005", "question": "Which spokesman for China's embassy in Washington insisted that cooperation must "
     "rest on mutual respect?", "facts": [["Liu Pengyu"]], "sources": ["000_cd0e6218ea1c07a1.txt"],
     "kind": "factoid"},
    # fails by construction: a fact no article contains, so the gate has something to catch
    {"id": "q900", "question": "What did Raimondo say about export controls?",
     "facts": [["zzyzx-not-in-any-article"]], "sources": ["001_e005564972e790f1.txt"], "kind": "factoid"},
    {"id": "u020", "question": "What is the capital of Australia?", "unanswerable": True},
    {"id": "c002", "turns": [
        {"question": "Which US ambassador did Qin Gang meet in Beijing in May?", "facts": [["Nicholas Burns", "Burns"]],
         "sources": ["003_651bc382ba67b386.txt"]},
        {"question": "What did Qin ask Washington to do?", "facts": [["halfway"]],
         "sources": ["003_651bc382ba67b386.txt"]}]},
]


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in SMALL_GOLD) + "\n", encoding="utf-8")
    return path


def test_runner_end_to_end_json_out_and_gate(settings, assistant, small_gold, tmp_path, capsys):
    from eval.runner import main

    out = tmp_path / "out"
    code = main(settings, gold=small_gold, engine="extractive", as_json=True, out=out, baseline=None,
                update_baseline=False, systems=["ours"], assistant=assistant, progress=False)
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"metrics", "items"} and list(payload["metrics"]) == ["ours"]
    m = payload["metrics"]["ours"]
    for key in ("hit@1", "hit@3", "mrr", "key_fact_recall", "citation_validity", "cited_precision", "cited_recall",
                "abstain_rate", "false_refusal_rate", "conversation_turn_pass_rate", "latency_p50_ms",
                "latency_p95_ms", "by_kind"):
        assert key in m, key
    assert m["n_cases"] == 6 and m["n_unanswerable"] == 1 and m["n_turns"] == 2
    assert m["citation_validity"] == 1.0
    items = payload["items"]
    assert [(i["id"], i["turn"]) for i in items] == [("q001", None), ("q005", None), ("q900", None),
                                                     ("u020", None), ("c002", 1), ("c002", 2)]
    for i in items:
        assert {"id", "turn", "question", "answer", "abstained", "citations", "query", "passed", "latency_ms",
                "system"} <= set(i)
        assert i["system"] == "ours" and i["latency_ms"] > 0
    by_key = {i["key"]: i for i in items}
    assert not by_key["q900"]["passed"]
    assert by_key["u020"]["abstained"] and by_key["u020"]["passed"]
    for name in ("report.md", "results.json", "chart.png"):
        assert (out / name).stat().st_size > 0, name
    assert "## Failing items" in (out / "report.md").read_text() and "q900" in (out / "report.md").read_text()
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "results.json").read_text())["meta"]["n_cases"] == 6

    # --update-baseline writes the target; gating the same system against it passes
    base = tmp_path / "baseline.json"
    assert main(settings, gold=small_gold, baseline=base, update_baseline=True, systems=["ours"],
                assistant=assistant, progress=False) == 0
    saved = json.loads(base.read_text())
    assert saved["items"]["q900"] is False and "c002#2" in saved["items"] and "hit@1" in saved["metrics"]
    capsys.readouterr()
    assert main(settings, gold=small_gold, baseline=base, systems=["ours"], assistant=assistant,
                progress=False) == 0

    # a crafted baseline in which the failing item used to pass: the gate fails and names it
    saved["items"]["q900"] = True
    base.write_text(json.dumps(saved))
    assert main(settings, gold=small_gold, baseline=base, systems=["ours"], assistant=assistant,
                progress=False) == 1
    assert "q900" in capsys.readouterr().err


def test_runner_rejects_bad_usage(settings, assistant, small_gold, tmp_path, capsys):
    from eval.runner import main

    assert main(settings, gold=small_gold, systems=["nope"], assistant=assistant, progress=False) == 2
    assert main(settings, gold=tmp_path / "missing.jsonl", systems=["ours"], assistant=assistant,
                progress=False) == 2
    assert main(settings, gold=small_gold, baseline=tmp_path / "none.json", systems=["ours"], assistant=assistant,
                progress=False) == 2
    assert main(settings, gold=small_gold, baseline=tmp_path / "b.json", systems=["bm25"], assistant=assistant,
                progress=False) == 2
    assert main(settings, gold=small_gold, engine="gpt", systems=["ours"], assistant=assistant, progress=False) == 2


def test_runner_llm_engine_without_server_falls_back(settings, assistant, small_gold, capsys):
    """--engine llm goes through the same ask() (no server in the test settings: answers fall back)."""
    from eval.runner import main

    assert main(settings, gold=small_gold, engine="llm", as_json=True, systems=["ours"], assistant=assistant,
                progress=False) == 0
    m = json.loads(capsys.readouterr().out)["metrics"]["ours"]
    assert m["errors"] == 0 and m["citation_validity"] == 1.0 and "fallbacks" in m


@pytest.mark.slow
def test_full_gold_set_passes_the_gate(settings, assistant):
    """What CI gates on: the whole gold set, "ours", against the committed eval/baseline.json."""
    from eval.runner import main

    code = main(settings, gold=REPO / "eval/gold.jsonl", baseline=REPO / "eval/baseline.json", systems=["ours"],
                assistant=assistant, progress=False)
    assert code == 0, "the eval gate failed: see the regressions printed above (re-baseline deliberately with " \
                      "`assistant eval --update-baseline` if the change is intended)"


@pytest.mark.slow
def test_all_three_systems_side_by_side(settings, assistant, small_gold, tmp_path, capsys):
    """The baselines keep working as the product changes (llama-index loads torch: ~20 s)."""
    from eval.runner import main

    assert main(settings, gold=small_gold, as_json=True, out=tmp_path, systems=["ours", "bm25", "llamaindex"],
                assistant=assistant, progress=False) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload["metrics"]) == ["ours", "bm25", "llamaindex"]
    for name, m in payload["metrics"].items():
        assert m["n_cases"] == 6 and m["errors"] == 0 and m["citation_validity"] == 1.0, name
    li = [i for i in payload["items"] if i["system"] == "llamaindex"]
    assert all(i["query"] == i["question"] for i in li)  # the afternoon pipeline sends follow-ups as asked
    assert "| metric | ours | bm25 | llamaindex |" in (tmp_path / "report.md").read_text()


def test_runner_writes_results_when_a_refusal_model_file_is_given(settings, small_gold, tmp_path):
    """`ASSISTANT_CONFIDENCE_MODEL=path assistant eval --out …` (how a refit is compared) writes its report."""
    from assistant.answer.confidence import MODEL_FILE
    from assistant.service import Assistant
    from eval.runner import main

    chosen = Assistant(settings.model_copy(update={"confidence_model": Path(MODEL_FILE)}))
    out = tmp_path / "out"
    code = main(settings, gold=small_gold, engine="extractive", as_json=False, out=out, baseline=None,
                update_baseline=False, systems=["ours"], assistant=chosen, progress=False)
    assert code == 0
    meta = json.loads((out / "results.json").read_text())["meta"]
    assert meta["settings"]["confidence_model"] == str(MODEL_FILE)
