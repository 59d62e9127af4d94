"""Standalone check of the blind BBC held-out sets (eval/bbc_heldout.jsonl, eval/bbc_heldout2.jsonl).

Written without reading the product code, so it shares nothing with it. It checks that every fact
spelling is really in the cited articles, that no same-body copy or other article stating the
answer is missing from `sources`, and prints the corpus sentences nearest to each unanswerable
question so a human can confirm no article answers it.

Usage: python eval/check_heldout.py [--gold eval/bbc_heldout.jsonl] [--corpus DIR] [--traps]
The id prefix (h for the first set, g for the second) is taken from the file's first item.
Exit status 1 on any problem.
"""
from __future__ import annotations

import argparse
import collections
import html
import json
import math
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_CORPUS = Path("/work/shared/corpora/bbc")
KINDS = {"factoid", "number", "date", "why", "list", "two-part", "multi-doc"}
RARE_DF = 80  # a question word is "rare" when fewer than this many articles hold it

# Files that hold all of an item's facts and share its rare words, read by eye and found to
# state the facts in another context (not the answer). Keyed by item id or "id.turn".
REVIEWED_NOT_ANSWERING: dict[str, list[str]] = {
    "h004": ["entertainment/079.txt", "entertainment/331.txt", "entertainment/368.txt"],  # other shows
    "h007": ["sport/193.txt", "sport/247.txt"],  # Butragueno in other Real Madrid stories
    "h008": ["sport/137.txt", "sport/269.txt"],  # Poll refereeing other matches
    "h009": ["business/136.txt", "business/213.txt", "politics/290.txt", "tech/127.txt",
             "tech/134.txt", "tech/163.txt", "tech/172.txt", "tech/229.txt", "tech/291.txt",
             "tech/301.txt", "tech/307.txt", "tech/343.txt", "tech/395.txt"],  # Intel elsewhere
    "h011": ["politics/213.txt"],  # grants of up to 2,000
    "h012": ["business/161.txt", "business/400.txt", "entertainment/114.txt",
             "entertainment/133.txt", "entertainment/145.txt", "entertainment/171.txt",
             "entertainment/199.txt", "entertainment/276.txt", "tech/075.txt",
             "tech/303.txt"],  # other fines and bail sums
    "h014": ["sport/480.txt"],  # Hrbaty's four-hour match
    "h015": ["tech/130.txt", "tech/178.txt"],  # Harry Potter box office
    "h016": ["entertainment/203.txt", "politics/027.txt", "tech/135.txt", "tech/138.txt",
             "tech/189.txt", "tech/205.txt", "tech/285.txt", "tech/304.txt",
             "tech/320.txt"],  # "eight" and "critical" apart
    "h034": ["politics/355.txt"],  # marginal tax rates
    "hc01.2": ["business/103.txt", "business/401.txt"],  # Marsh, but not Bewlay
    "hc04.3": ["sport/476.txt"],  # Davenport v Martinez draw at another tournament
    # Second set (eval/bbc_heldout2.jsonl)
    "g001": ["business/287.txt", "business/455.txt", "entertainment/101.txt",
             "tech/277.txt"],  # Australia in other stories, no GM engines
    "g005": ["sport/146.txt", "sport/208.txt", "sport/212.txt"],  # Rangers, other Fergusons
    "g030": ["politics/108.txt", "politics/291.txt"],  # Amicus/TGWU merger plan, no ballot
    "gc01.1": ["sport/030.txt", "sport/069.txt"],  # other runners' 1500m/5,000m
    "gc01.2": ["business/382.txt"],  # 2006 in a business story
    "gc01.3": ["sport/070.txt"],  # Bekele beaten at an indoor meet
    "gc02.1": ["business/012.txt", "business/159.txt", "business/228.txt", "business/249.txt",
               "business/277.txt", "business/375.txt", "business/396.txt", "business/398.txt",
               "business/471.txt", "business/491.txt", "politics/130.txt", "politics/350.txt",
               "politics/366.txt"],  # other 5bn sums (budgets, rupees, Paris Club debt)
}

# For each trap: patterns grepped across the whole corpus; every hit was read by eye.
TRAP_GREPS: dict[str, list[str]] = {
    "hu01": [r"Peugeot[\s\S]*Mitsubishi|Mitsubishi[\s\S]*Peugeot"],
    "hu02": [r"Bank of Alexandria"],
    "hu03": [r"Novartis[\s\S]*job|job[\s\S]*Novartis", r"Hexal"],
    "hu04": [r"Poppins[\s\S]*ticket|ticket[\s\S]*Poppins"],
    "hu05": [r"Gallagher[\s\S]*(Munich|custody)"],
    "hu06": [r"Griffin[\s\S]*(switch|defect)"],
    "hu07": [r"restaurant critic"],
    "hu08": [r"Reyes[\s\S]*Real Madrid"],
    "hu09": [r"Hewitt[\s\S]*prize[ -]money|prize[ -]money[\s\S]*Hewitt"],
    "hu10": [r"Wolong", r"panda"],
    "hu11": [r"Delft", r"gigapixel"],
    "hu12": [r"206 bones", r"skeleton"],
    "hu13": [r"aphid", r"greenfly"],
    "hu14": [r"Python"],
    "hu15": [r"boiling point", r"212 ?F\b"],
    "hu16": [r"Kilimanjaro"],
    # Second set (eval/bbc_heldout2.jsonl)
    "gu01": [r"Marchionne[\s\S]*(salary|\bpay\b|paid|earn)"],
    "gu02": [r"Arese"],
    "gu03": [r"Renner"],
    "gu04": [r"Otis Ferry", r"Bow Street", r"fined[\s\S]{0,80}hunt|hunt[\s\S]{0,80}fined"],
    "gu05": [r"Simmons", r"Cantona[\s\S]*compensation"],
    "gu06": [r"Montrose", r"tremor"],
    "gu07": [r"Wales[\s\S]*Italy[\s\S]*(crowd|attendance|spectators)"],
    "gu08": [r"Mawrey", r"Afzal", r"Bordesley|vote[ -]rigging"],
    "gu09": [r"NCCI|Cooperative Insurance"],
    "gu10": [r"Deathly Hallows", r"(seventh|final|last) (Harry Potter|Potter|book|novel)"],
    "gu11": [r"IPTV[\s\S]{0,200}(licen[cs]e fee|price|charg)"],
    "gu12": [r"largest ocean|biggest ocean|Pacific Ocean"],
    "gu13": [r"yolk|boil(ed|ing)? (an )?eggs?"],
    "gu14": [r"table salt|sodium chloride|\bNaCl\b"],
    "gu15": [r"\bmoons\b|planet Mars|Phobos|Deimos"],
    "gu16": [r"atomic number"],
}


def fold(text: str) -> str:
    """Lower-case, strip accents and unify apostrophes, like the scorer's matching."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def load_corpus(root: Path) -> dict[str, str]:
    """Every article as text: UTF-8 with a Latin-1 fallback, HTML entities decoded."""
    docs = {}
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        docs[f"{path.parent.name}/{path.name}"] = html.unescape(text)
    return docs


def body_key(text: str) -> str:
    """Article body without its headline, whitespace-normalised: equal keys = same-body copies."""
    parts = text.strip().split("\n", 1)
    return " ".join((parts[1] if len(parts) > 1 else "").split())


def words(text: str) -> set[str]:
    """Word tokens; a possessive also counts as its bare word (Parmalat's -> parmalat)."""
    found = re.findall(r"[a-z0-9][a-z0-9'\-]+", fold(text))
    return set(found) | {w[:-2] for w in found if w.endswith("'s")}


def cases(items: list[dict]) -> list[tuple[str, dict]]:
    """Answerable cases: single items and each conversation turn."""
    out = []
    for it in items:
        if "turns" in it:
            out += [(f"{it['id']}.{n}", t) for n, t in enumerate(it["turns"], 1)]
        elif not it.get("unanswerable"):
            out.append((it["id"], it))
    return out


def check_shape(items: list[dict]) -> list[str]:
    """Ids: <p>001.. answerable, <p>u01.. unanswerable, <p>c01.. conversations, one prefix per set."""
    problems, seen = [], set()
    prefix = items[0]["id"][0] if items else "h"
    for it in items:
        iid = it.get("id", "?")
        if iid in seen:
            problems.append(f"{iid}: duplicate id")
        seen.add(iid)
        if "turns" in it:
            if not iid.startswith(prefix + "c") or len(it["turns"]) < 2:
                problems.append(f"{iid}: conversation id or turn count")
        elif it.get("unanswerable"):
            if not iid.startswith(prefix + "u") or set(it) != {"id", "question", "unanswerable"}:
                problems.append(f"{iid}: unanswerable shape")
        elif not iid.startswith(prefix) or it.get("kind") not in KINDS:
            problems.append(f"{iid}: answerable id or kind")
    return problems


def check_case(cid: str, case: dict, docs: dict[str, str], copies: dict[str, list[str]]) -> list[str]:
    problems = []
    sources = case.get("sources") or []
    if not sources or not case.get("facts"):
        return [f"{cid}: no sources or facts"]
    for src in sources:
        if src not in docs:
            problems.append(f"{cid}: missing source {src}")
    sources = [s for s in sources if s in docs]
    for fact in case["facts"]:
        for spelling in fact:
            if not spelling.isascii() or re.search(r"[\"'`]", spelling) or len(spelling.split()) > 5:
                problems.append(f"{cid}: bad spelling {spelling!r}")
            if not any(fold(spelling) in fold(docs[s]) for s in sources):
                problems.append(f"{cid}: spelling {spelling!r} in no listed source")
        for src in sources:
            if not any(fold(sp) in fold(docs[src]) for sp in fact):
                problems.append(f"{cid}: fact {fact} not in {src}")
    for src in sources:
        for copy in copies.get(src, []):
            if copy not in sources:
                problems.append(f"{cid}: same-body copy {copy} of {src} not listed")
    return problems


def candidates(case: dict, folded: dict[str, str], vocab: dict[str, set[str]],
               df: collections.Counter) -> list[str]:
    """Unlisted files holding every fact and at least one of the question's rare words."""
    rare = {w for w in words(case["question"]) if df[w] < RARE_DF}
    out = []
    for name, low in folded.items():
        if name in case["sources"]:
            continue
        if all(any(fold(sp) in low for sp in fact) for fact in case["facts"]) and rare & vocab[name]:
            out.append(name)
    return out


def nearest_sentences(question: str, docs: dict[str, str], df: collections.Counter, n: int = 4) -> list[str]:
    """Corpus sentences sharing the most rare-word weight with a question (for reading by eye)."""
    qwords = {w for w in words(question) if df[w] < RARE_DF * 4}
    scored = []
    for name, text in docs.items():
        for sent in re.split(r"(?<=[.!?])\s+|\n+", text):
            shared = qwords & words(sent)
            if shared:
                score = sum(math.log(len(docs) / df[w]) for w in shared)
                scored.append((score, name, sent.strip()[:160]))
    scored.sort(reverse=True)
    return [f"{s:5.1f} {name}: {sent}" for s, name, sent in scored[:n]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "bbc_heldout.jsonl")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--traps", action="store_true", help="print nearest sentences for traps")
    args = parser.parse_args()

    items = [json.loads(line) for line in args.gold.read_text().splitlines() if line.strip()]
    docs = load_corpus(args.corpus)
    groups = collections.defaultdict(list)
    for name, text in docs.items():
        groups[body_key(text)].append(name)
    copies = {n: [m for m in g if m != n] for g in groups.values() if len(g) > 1 for n in g}
    folded = {name: fold(text) for name, text in docs.items()}
    vocab = {name: words(text) for name, text in docs.items()}
    df = collections.Counter(w for v in vocab.values() for w in v)

    problems = check_shape(items)
    unreviewed = 0
    for cid, case in cases(items):
        problems += check_case(cid, case, docs, copies)
        extra = [c for c in candidates(case, folded, vocab, df) if c not in REVIEWED_NOT_ANSWERING.get(cid, [])]
        if extra:
            unreviewed += 1
            problems.append(f"{cid}: UNREVIEWED candidate sources {extra}")
    for it in items:
        if not it.get("unanswerable"):
            continue
        for pattern in TRAP_GREPS.get(it["id"], []):
            hits = [n for n, t in docs.items() if re.search(pattern, t, re.I)]
            print(f"{it['id']} grep {pattern!r}: {len(hits)} files {hits[:8]}")
        if args.traps:
            print(f"{it['id']} {it['question']}")
            for line in nearest_sentences(it["question"], docs, df):
                print("    " + line)
    for p in problems:
        print("PROBLEM", p)
    n_cases = len(cases(items))
    print(f"SUMMARY: {len(items)} items, {n_cases} answerable cases, {len(problems)} problems, "
          f"{unreviewed} cases with unreviewed candidate sources")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
