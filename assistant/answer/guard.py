"""Keep only what the cited evidence supports: the guard between a generator and the user.

A generated sentence ("claim") survives only if
- it cites at least one evidence marker [n] that exists,
- it names no person, place, organisation, number or time ("last month") that none
  of its cited evidence sentences contains (this is what stops "Samsung" when the article says
  "Huawei", or "2013" when it says "this year"),
- every multi-word name or title in it ("US Commerce Secretary Wang Wentao") stands
  word for word in one cited sentence, and two names or numbers it puts side by
  side are not far apart in the sentence that has both (this catches facts moved
  between clauses: "officials met in Berlin" when Berlin belongs to another meeting),
- it adds no negation the cited evidence lacks, and
- its support score passes the threshold. The score mixes wording (the share of
  the claim's stemmed content words found in the cited evidence) and meaning (the
  best MiniLM cosine between the claim and a cited evidence sentence).

Everything here is pure logic over text and vectors; the encoder is passed in, so
the guard can be tested without a model server.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant.retrieve.terms import content_terms

LEXICAL_WEIGHT = 0.5
DENSE_WEIGHT = 0.5
# At least this share of a claim's content words must be in its cited evidence, whatever its cosine.
MIN_LEXICAL = 0.5
# Two names/numbers adjacent in a claim that one cited sentence has this many words apart or more were
# probably taken from different clauses.
BIND_WINDOW = 20

MARKER = re.compile(r"\[\s*(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]")
MARKER_RUN = r"(?:\[\s*\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*\s*\]\s*)+"
LEADING_MARKERS = re.compile(rf"^\s*({MARKER_RUN})")
TRAILING_AFTER_STOP = re.compile(rf"([.!?][\"'”’)]*)[ \t]*({MARKER_RUN})")
LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)](?=\s))\s*")
PREAMBLE = re.compile(r"^\s*(?:(?:the\s+)?answer(?:\s+to\s+the\s+question)?(?:\s+is)?|answer)\s*:\s*", re.I)
MAX_MARKER = 99

# Capitalised words that are never names, wherever they stand (sentence starts, after a colon, in quotes).
FUNCTION_WORDS = frozenset("""
a an the this that these those there here it its he she him her his hers they them their theirs we our us i you
your my me who whom whose which what when where why how yes no not and or but so yet nor for of in on at to by
from with without into onto over under after before during since until while as if then than because although
though however also both either neither each every all any some many much more most few several such only even
according despite instead meanwhile moreover still thus therefore later earlier today yesterday tomorrow
was were is are be been being has have had do does did will would can could may might must shall should
""".split())

# Function words that count toward neither side of the lexical share (content_terms keeps some of them).
EXTRA_STOPWORDS = frozenset("""
has have had been being would could should can may might must shall do does did done also about from after
before than so very he she him her his hers they them its we our us which who whom whose what while because due
one some any all more most other another both each such only just even still yet however although though
""".split())

NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "hundred", "thousand": "thousand", "million": "million", "billion": "billion",
    "trillion": "trillion", "dozen": "12", "first": "1", "second": "2", "third": "3", "fourth": "4",
    "fifth": "5", "sixth": "6", "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10",
}
# Lower-case time words are facts too ("last month" when the article says "in February").
TIME_WORDS = frozenset({"yesterday", "today", "tomorrow", "tonight", "weekend", "week", "month", "year", "decade",
                        "century", "ago"})
NEGATION = re.compile(r"\b(?:not|never|none|nor|neither|without|cannot)\b|n['’]t\b|\bno\b(?!\.?\s*\d)", re.I)
TOKEN = re.compile(r"[^\W_](?:[\w.'’]*[^\W_])?\.?")
CAPITAL_RUN = re.compile(r"(?<![\w.'’-])[^\W\d_a-z][\w.'’-]*(?:[ \t]+[^\W\d_a-z][\w.'’-]*)+")


@dataclass(frozen=True)
class Source:
    """One numbered evidence sentence shown to the generator."""

    n: int
    text: str
    vector: np.ndarray | None = None  # L2-normalised sentence vector


@dataclass
class Claim:
    text: str  # the sentence without its markers
    markers: list[int] = field(default_factory=list)


@dataclass
class Verdict:
    claim: Claim
    kept: bool
    score: float
    lexical: float = 0.0
    dense: float = 0.0
    cited: list[int] = field(default_factory=list)  # markers that exist, in the claim's order
    reason: str = ""


# ---------------------------------------------------------------------------- parsing
def _marker_numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group.strip()):
        if re.fullmatch(r"\d+\s*[-–]\s*\d+", part):
            a, b = (int(x) for x in re.split(r"\s*[-–]\s*", part))
            if a <= b and b - a < 10:
                numbers.extend(range(a, b + 1))
            continue
        if part.isdigit():
            numbers.append(int(part))
    return [n for n in numbers if 0 < n <= MAX_MARKER]


def _clean(text: str) -> str:
    text = MARKER.sub(" ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" ,;:-–—")


def _split_sentences(line: str) -> list[str]:
    from assistant.index.sentences import sentence_spans

    return [line[a:b] for a, b in sentence_spans(line)]


def parse_reply(reply: str) -> list[Claim]:
    """Sentences of a generated reply with the evidence markers each one carries.

    Markers right after a sentence's full stop belong to that sentence ("... Huawei. [1]");
    markers opening a line belong to its first sentence ("[1] The curbs ...").
    """
    claims: list[Claim] = []
    for raw in (reply or "").splitlines():
        line = LIST_PREFIX.sub("", raw)
        line = PREAMBLE.sub("", line)
        lead: list[int] = []
        if m := LEADING_MARKERS.match(line):
            lead = [n for g in MARKER.findall(m.group(1)) for n in _marker_numbers(g)]
            line = re.sub(r"^[\s.:;,]+", "", line[m.end():])
        line = LIST_PREFIX.sub("", line)
        # "sentence. [1]" -> "sentence [1]." so the marker stays with its sentence when splitting
        line = TRAILING_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)} ", line)
        for i, sentence in enumerate(_split_sentences(line)):
            markers = [n for g in MARKER.findall(sentence) for n in _marker_numbers(g)]
            if i == 0:
                markers = lead + markers
            text = _clean(sentence)
            if not re.search(r"[^\W_]", text):
                continue
            claims.append(Claim(text, list(dict.fromkeys(markers))))
    return claims


# ---------------------------------------------------------------------------- specifics
def _fold(text: str) -> str:
    """Accents off, typographic apostrophes straight: "Lǐ Qiáng’s" -> "Li Qiang's"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for tok in TOKEN.findall(_fold(text)):
        tok = re.sub(r"'s?$", "", tok)
        out.extend(p for p in re.split(r"[-–]", tok) if p)
    return out


def _norm_word(tok: str) -> str:
    return tok.replace(".", "").lower()


def _norm_number(tok: str) -> str | None:
    low = tok.lower().rstrip(".")
    if low in NUMBER_WORDS:
        return NUMBER_WORDS[low]
    if not any(c.isdigit() for c in low):
        return None
    low = re.sub(r"(?<=\d)(?:st|nd|rd|th|s)$", "", low.replace(",", ""))
    return re.sub(r"\.0+$", "", low)


def _evidence_vocabulary(texts: Sequence[str]) -> tuple[set[str], set[str]]:
    words: set[str] = set()
    numbers: set[str] = set()
    for text in texts:
        for tok in _tokens(text):
            words.add(_norm_word(tok))
            if (num := _norm_number(tok)) is not None:
                numbers.add(num)
    return words, numbers


def _time_word(tok: str) -> str | None:
    word = tok.lower().rstrip(".")
    word = word[:-1] if word.endswith("s") and word[:-1] in TIME_WORDS else word
    return word if word in TIME_WORDS else None


def unsupported_specifics(claim: str, evidence: Sequence[str]) -> list[str]:
    """Numbers, time words and capitalised names in the claim that no evidence text contains."""
    words, numbers = _evidence_vocabulary(evidence)
    times = {t for w in words if (t := _time_word(w)) is not None}
    missing: list[str] = []
    for tok in _tokens(claim):
        num = _norm_number(tok)
        if num is not None:
            if num not in numbers:
                missing.append(tok.rstrip("."))
            continue
        if _time_word(tok) is not None:
            if _time_word(tok) not in times:
                missing.append(tok.rstrip("."))
            continue
        if not tok[0].isupper() or tok == "I":
            continue
        word = _norm_word(tok)
        if word in FUNCTION_WORDS or word in words:
            continue
        missing.append(tok.rstrip("."))
    return list(dict.fromkeys(missing))


def _specific_key(tok: str) -> str | None:
    num = _norm_number(tok)
    if num is not None:
        return "#" + num
    if tok[0].isupper() and tok != "I" and _norm_word(tok) not in FUNCTION_WORDS:
        return _norm_word(tok)
    return None


def _run_words(run: str) -> list[str]:
    words = [_norm_word(t) for t in _tokens(run)]
    while words and words[0] in FUNCTION_WORDS:
        words.pop(0)
    while words and words[-1] in FUNCTION_WORDS:
        words.pop()
    return words


def _contains(seq: list[str], sub: list[str]) -> bool:
    return any(seq[i : i + len(sub)] == sub for i in range(len(seq) - len(sub) + 1))


def broken_names(claim: str, evidence: Sequence[str]) -> list[str]:
    """Multi-word capitalised names/titles of the claim that no cited sentence has word for word."""
    words = [[_norm_word(t) for t in _tokens(e)] for e in evidence]
    broken = []
    for m in CAPITAL_RUN.finditer(_fold(claim)):
        run = _run_words(m.group(0))
        if len(run) >= 2 and not any(_contains(w, run) for w in words):
            broken.append(m.group(0).strip())
    return broken


def unbound_pairs(claim: str, evidence: Sequence[str], window: int = BIND_WINDOW) -> list[tuple[str, str]]:
    """Names/numbers side by side in the claim that a cited sentence has, but far apart."""
    units: list[tuple[str, int]] = []  # (key, token index); a multi-word name is one unit
    last = -2
    for i, tok in enumerate(_tokens(claim)):
        key = _specific_key(tok)
        if key is None:
            continue
        if i != last + 1 or not units:
            units.append((key, i))
        last = i
    positions = []
    for e in evidence:
        where: dict[str, list[int]] = {}
        for i, tok in enumerate(_tokens(e)):
            if (key := _specific_key(tok)) is not None:
                where.setdefault(key, []).append(i)
        positions.append(where)
    far = []
    for (a, _), (b, _) in zip(units, units[1:]):
        if a == b:
            continue
        distances = [min(abs(x - y) for x in w[a] for y in w[b]) for w in positions if a in w and b in w]
        if distances and min(distances) >= window:
            far.append((a.lstrip("#"), b.lstrip("#")))
    return far


def adds_negation(claim: str, evidence: Sequence[str]) -> bool:
    return bool(NEGATION.search(claim)) and not any(NEGATION.search(e) for e in evidence)


# ---------------------------------------------------------------------------- support
@lru_cache(maxsize=1)
def _extra_stems() -> frozenset[str]:
    from assistant.index.keyword import stemmer

    return frozenset(stemmer().stemWords(sorted(EXTRA_STOPWORDS)))


def claim_terms(text: str) -> list[str]:
    extra = _extra_stems()
    return [t for t in content_terms(_fold(text)) if t not in extra]


def lexical_support(claim: str, evidence: Sequence[str]) -> float:
    """Share of the claim's content words (stemmed, stopwords out) that the evidence contains."""
    terms = set(claim_terms(claim))
    if not terms:
        return 0.0
    present = {t for e in evidence for t in content_terms(_fold(e))}
    return len(terms & present) / len(terms)


def support_score(lexical: float, dense: float) -> float:
    return LEXICAL_WEIGHT * lexical + DENSE_WEIGHT * max(0.0, dense)


def check_claims(claims: Sequence[Claim], sources: dict[int, Source],
                 encode: Callable[[list[str]], np.ndarray], threshold: float) -> list[Verdict]:
    """A verdict for every claim; `encode` gives L2-normalised vectors (the evidence encoder)."""
    verdicts: list[Verdict | None] = [None] * len(claims)
    pending: list[int] = []
    for i, claim in enumerate(claims):
        cited = [n for n in claim.markers if n in sources]
        if not claim.markers:
            verdicts[i] = Verdict(claim, False, 0.0, reason="cites no evidence")
        elif not cited:
            verdicts[i] = Verdict(claim, False, 0.0, reason=f"cites evidence that does not exist {claim.markers}")
        else:
            pending.append(i)
    vectors = encode([claims[i].text for i in pending]) if pending else np.zeros((0, 0), dtype=np.float32)
    for i, vector in zip(pending, vectors):
        claim = claims[i]
        cited = [n for n in claim.markers if n in sources]
        texts = [sources[n].text for n in cited]
        lexical = lexical_support(claim.text, texts)
        cosines = [float(np.dot(vector, sources[n].vector)) for n in cited if sources[n].vector is not None]
        dense = max(cosines) if cosines else 0.0
        score = round(support_score(lexical, dense), 4)
        reason = ""
        if missing := unsupported_specifics(claim.text, texts):
            reason = "names or numbers not in the cited evidence: " + ", ".join(missing)
        elif broken := broken_names(claim.text, texts):
            reason = "names or titles put together differently from the cited evidence: " + ", ".join(broken)
        elif far := unbound_pairs(claim.text, texts):
            reason = "joins facts from different parts of the cited evidence: " + ", ".join(f"{a}/{b}" for a, b in far)
        elif adds_negation(claim.text, texts):
            reason = "adds a negation the cited evidence lacks"
        elif lexical < MIN_LEXICAL:
            reason = f"too few of its words are in the cited evidence ({lexical:.2f})"
        elif score < threshold:
            reason = f"support {score:.2f} below {threshold:.2f}"
        verdicts[i] = Verdict(claim, not reason, score, round(lexical, 4), round(dense, 4), cited, reason)
    return [v for v in verdicts if v is not None]
