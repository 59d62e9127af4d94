"""What a claim states that its evidence lacks: names, numbers and times the evidence does not
have, names and titles put together differently, facts moved between clauses or sentences, and
negations. Pure text logic; `guard.py` weighs these checks with the support score.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Two names/numbers adjacent in a claim that one cited sentence has this many words apart or more were
# probably taken from different clauses.
BIND_WINDOW = 20
# ...where "side by side" means at most this many words between them ("Chinese trade officials met in
# Berlin": 4). A faithful copy has them as close in its source, far below BIND_WINDOW.
BIND_NEAR = 6
# A multi-word name or title may leave out this many words of the evidence's between two of its words
# ("Michelle Carroll's Irish record" over "Michelle Carroll's long-standing Irish record"), never a
# conjunction: "Secretary Wang" over "Secretary Blinken and Wang" gives one man the other's title.
NAME_GAP = 2
NAME_GAP_BREAKS = frozenset({"and", "or", "but", "with", "to"})
# ...or a qualifier of a title, capitalised, opened by "for"/"of": "Assistant Secretary of State Daniel
# Kritenbrink" over "Assistant Secretary of State for East Asian and Pacific Affairs Daniel Kritenbrink".
QUALIFIER_OPENERS = frozenset({"for", "of"})
QUALIFIER_LINKS = frozenset({"and", "of", "for", "the", "&"})

# Capitalised words that are never names, wherever they stand (sentence starts, after a colon, in quotes).
FUNCTION_WORDS = frozenset("""
a an the this that these those there here it its he she him her his hers they them their theirs we our us i you
your my me who whom whose which what when where why how yes no not and or but so yet nor for of in on at to by
from with without into onto over under after before during since until while as if then than because although
though however also both either neither each every all any some many much more most few several such only even
according despite instead meanwhile moreover still thus therefore later earlier today yesterday tomorrow
was were is are be been being has have had do does did will would can could may might must shall should
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
# Month names that are also common words: capitalised inside a sentence they are dates.
MONTH_HOMONYMS = frozenset({"may", "march"})
# After these, "one" is a pronoun ("the last one", "this one"), not the number.
ONE_PRONOUN_AFTER = frozenset("the this that each every which any another no same last first next only new old other "
                              "latest previous".split())
# Lower-case time words are facts too ("last month" when the article says "in February").
TIME_WORDS = frozenset({"yesterday", "today", "tomorrow", "tonight", "weekend", "week", "month", "year", "decade",
                        "century", "ago"})
# Where one clause of a sentence ends: names on either side may come from different sentences.
CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\b(?:and|but|while|whereas|or)\b")
NEGATION = re.compile(r"\b(?:not|never|none|nor|neither|without|cannot)\b|n['’]t\b|\bno\b(?!\.?\s*\d)", re.I)
TOKEN = re.compile(r"[^\W_](?:[\w.'’]*[^\W_])?\.?")
CAPITAL_RUN = re.compile(r"(?<![\w.'’-])[^\W\d_a-z][\w.'’-]*(?:[ \t]+[^\W\d_a-z][\w.'’-]*)+")

def _fold(text: str) -> str:
    """Accents off, typographic apostrophes straight, spaced initials joined: "Lǐ Qiáng’s" -> "Li Qiang's",
    "U. S." -> "U.S." (as the model writes it and the article does not)."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = re.sub(r"\b([A-Z])\.[ \t]+(?=[A-Z]\.)", r"\1.", text)
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


def given_months(question: str) -> set[str]:
    """Month names the question writes that are also common words ("…did he meet in May?"): a claim may
    restate them, as it restates the question's names."""
    tokens = _tokens(question)
    return {_norm_word(t) for i, t in enumerate(tokens) if i and t[0].isupper() and _norm_word(t) in MONTH_HOMONYMS}


def question_name_parts(question: str, evidence: Sequence[str]) -> set[str]:
    """Parts of a full name the question gives where the evidence names the person by one part.

    "What did Qin Gang say?" over evidence that writes "Qin said": "gang" may appear in the
    answer, next to "Qin". Only a part standing beside a name the evidence has qualifies.
    """
    words, _ = _evidence_vocabulary(evidence)
    runs = [_run_words(m.group(0)) for m in CAPITAL_RUN.finditer(_fold(question or ""))]
    return {w for run in runs if any(x in words for x in run) for w in run if w not in words}


def unsupported_specifics(claim: str, evidence: Sequence[str], allowed: frozenset[str] | set[str] = frozenset(),
                          asked: frozenset[str] | set[str] = frozenset(), common_first: bool = False) -> list[str]:
    """Numbers, time words and capitalised names in the claim that no evidence text contains.

    `allowed`: name parts the question supplied (`question_name_parts`); `asked`: names the question
    gives that the passages have (`asked_names`), restated anywhere ("Davenport decided to rest her
    knee" over "She … decided she wanted to rest her knee", in an article headed "Davenport …").
    """
    words, numbers = _evidence_vocabulary(evidence)
    times = {t for w in words if (t := _time_word(w)) is not None}
    capitalised = {_norm_word(t) for e in evidence for t in _tokens(e) if t[0].isupper()}
    missing: list[str] = []
    tokens = _tokens(claim)
    for i, tok in enumerate(tokens):
        if tok.lower() == "one" and i and tokens[i - 1].lower() in ONE_PRONOUN_AFTER:
            continue  # "the last one took place in 2019": a pronoun, not a number
        if i and _norm_word(tok) in MONTH_HOMONYMS and tok[0].isupper():
            # "met in May" needs the month (in the evidence, or the question's own), not the modal "may"
            if _norm_word(tok) not in capitalised and _norm_word(tok) not in asked:
                missing.append(tok.rstrip("."))
            continue
        num = _norm_number(tok)
        if num is not None:
            if num not in numbers:
                missing.append(tok.rstrip("."))
            continue
        if _time_word(tok) is not None:
            if _time_word(tok) not in times:
                missing.append(tok.rstrip("."))
            continue
        if not tok[0].isupper() or tok == "I" or (i == 0 and common_first):
            continue  # `common_first`: the parse reads the opening word as no name ("Buying every gadget…")
        word = _norm_word(tok)
        if word in FUNCTION_WORDS or word in words or word in asked:
            continue
        beside = {_norm_word(tokens[j]) for j in (i - 1, i + 1) if 0 <= j < len(tokens) and tokens[j][0].isupper()}
        if word in allowed and beside & words:
            continue
        missing.append(tok.rstrip("."))
    return list(dict.fromkeys(missing))


def absent_question_names(claim: str, question: str, evidence: Sequence[str]) -> list[str]:
    """Names of the claim that the question gives (capitalised there) and no evidence sentence has.

    The model restated what was asked about ("Sophos wrote the Zafi.D virus") and the passages
    never name it: they are about something else, so their answer is not this question's.
    """
    asked = {_norm_word(t) for t in _tokens(question) if t[0].isupper() and _norm_word(t) not in FUNCTION_WORDS}
    missing = unsupported_specifics(claim, evidence, question_name_parts(question, evidence))
    # a name whose other part the passages write capitalised inside a sentence names the person after all:
    # "He Lifeng" asked, "Raimondo instructed He." read ("He" is a surname there, not the pronoun)
    named = {_norm_word(t) for e in evidence for t in _tokens(e)[1:] if t[0].isupper()}
    # and a place named by its adjective is named: "Japan" asked, "the Japanese market" read (BBC b089)
    words, _ = _evidence_vocabulary(evidence)
    missing = [m for m in missing if len(m) < 4 or not any(w.startswith(_norm_word(m)) for w in words)]
    runs = [[_norm_word(t) for t in _tokens(m.group(0))] for m in CAPITAL_RUN.finditer(_fold(question)) if m.start()]
    return [m for m in missing if _norm_word(m) in asked
            and not any(_norm_word(m) in run and named & (set(run) - {_norm_word(m)}) for run in runs)]


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


def _qualifier(words: list[str], caps: list[bool]) -> bool:
    """Is a left-out stretch of a title a capitalised qualifier ("for East Asian and Pacific Affairs")?"""
    return (bool(words) and words[0] in QUALIFIER_OPENERS and len(words) <= 8
            and all(c or w in QUALIFIER_LINKS for w, c in zip(words, caps)))


def _contains(seq: list[str], sub: list[str], gap: int = NAME_GAP, caps: list[bool] | None = None) -> bool:
    """Is `sub` in `seq` in order, leaving out between two of its words at most `gap` words (no conjunction)
    or a title's capitalised qualifier (`caps`: which words of `seq` are capitalised)?"""
    caps = caps or [False] * len(seq)

    def rest(at: int, k: int) -> bool:  # sub[k:] follows seq[at - 1]
        if k == len(sub):
            return True
        for j in range(at, len(seq)):
            if seq[j] == sub[k] and (j - at <= gap and not NAME_GAP_BREAKS & set(seq[at:j])
                                     or _qualifier(seq[at:j], caps[at:j])) and rest(j + 1, k + 1):
                return True
        return False

    return any(w == sub[0] and rest(i + 1, 1) for i, w in enumerate(seq))


def broken_names(claim: str, evidence: Sequence[str], allowed: frozenset[str] | set[str] = frozenset()
                 ) -> list[str]:
    """Multi-word capitalised names/titles of the claim that no cited sentence has word for word (a
    shortened form may leave out up to NAME_GAP words between two of its words).

    Question-supplied name parts (`allowed`) are left out before comparing: "Qin Gang" -> "Qin".
    """
    tokens = [_tokens(e) for e in evidence]
    words = [[_norm_word(t) for t in ts] for ts in tokens]
    caps = [[t[0].isupper() for t in ts] for ts in tokens]
    broken = []
    for m in CAPITAL_RUN.finditer(_fold(claim)):
        run = [w for w in _run_words(m.group(0)) if w not in allowed]
        if len(run) >= 2 and not any(_contains(w, run, caps=c) for w, c in zip(words, caps)):
            broken.append(m.group(0).strip())
    return broken


def repeated_names(claim: str, evidence: Sequence[str]) -> list[str]:
    """Full names the claim gives more often than its evidence names them at all: "Wang Yi met with China's
    top diplomat, Wang Yi" over "Blinken met with China's top diplomat, Wang Yi" put the one name where
    another stood. Single words ("China … meet China halfway") are left alone: a place is said twice freely."""
    full: dict[str, int] = {}
    for key, start, end in _units(claim):
        if end > start:
            full[key] = full.get(key, 0) + 1
    have: dict[str, int] = {}
    for key, _, _ in _units(" ".join(evidence)):
        have[key] = have.get(key, 0) + 1
    return [k for k, n in full.items() if n > 1 and n > have.get(k, 0)]


def _units(text: str) -> list[tuple[str, int, int]]:
    """(key, first token, last token) of each name/number; consecutive name tokens are one unit."""
    units: list[tuple[str, int, int]] = []
    for i, tok in enumerate(_tokens(text)):
        key = _specific_key(tok)
        if key is None:
            continue
        if units and units[-1][2] == i - 1 and not key.startswith("#") and not units[-1][0].startswith("#"):
            units[-1] = (units[-1][0], units[-1][1], i)
        else:
            units.append((key, i, i))
    return units


def specific_keys(text: str) -> set[str]:
    """The names and numbers of a text, as the binding checks compare them."""
    return {k for t in _tokens(text) if (k := _specific_key(t)) is not None}


def unbound_pairs(claim: str, evidence: Sequence[str], window: int = BIND_WINDOW,
                  near: int = BIND_NEAR, given: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
    """Names/numbers side by side in the claim (at most `near` words between them) that the
    evidence sentence having both has `window` words apart or more.

    Only pairs close in the claim are compared: two names far apart in a faithful copy of a
    long sentence are far apart in the sentence too, and that is no error. A pair the question
    itself puts together (`given`: `specific_keys` of the question) is its premise restated
    ("…visited China in early June" to "Who visited China in early June?"), not a join.
    """
    units = _units(claim)
    positions = []
    for e in evidence:
        where: dict[str, list[int]] = {}
        for i, tok in enumerate(_tokens(e)):
            if (key := _specific_key(tok)) is not None:
                where.setdefault(key, []).append(i)
        positions.append(where)
    far = []
    for (a, _, a_end), (b, b_start, _) in zip(units, units[1:]):
        if a == b or b_start - a_end - 1 > near or (a in given and b in given):
            continue
        distances = [min(abs(x - y) for x in w[a] for y in w[b]) for w in positions if a in w and b in w]
        if distances and min(distances) >= window:
            far.append((a.lstrip("#"), b.lstrip("#")))
    return far


def separate_facts(claim: str, evidence: Sequence[str], near: int = BIND_NEAR) -> list[tuple[str, str]]:
    """Names/numbers side by side in the claim that no one evidence sentence has together, each
    found in a different one: "Glenmorangie was bought by Diageo" over "…tried to buy Glenmorangie,
    but lost out to LVMH" and "…Seagram was bought by Diageo"."""
    keys = [{k for t in _tokens(e) if (k := _specific_key(t)) is not None} for e in evidence]
    split = []
    for clause in CLAUSE_BREAK.split(claim):  # "The curbs crippled Huawei, and the balloon…": two facts, each whole
        units = _units(clause)
        for (a, _, a_end), (b, b_start, _) in zip(units, units[1:]):
            if a == b or b_start - a_end - 1 > near:
                continue
            if any(a in k for k in keys) and any(b in k for k in keys) and not any(a in k and b in k for k in keys):
                split.append((a.lstrip("#"), b.lstrip("#")))
    return split


def number_beside(claim: str, evidence: Sequence[str], asked: set[str] | frozenset[str], near: int = 3) -> bool:
    """Does a bare number ("4") stand in an evidence sentence within `near` words of a word the question asks
    about (`asked`: lower-cased words, stemmed or not)? "a four-day trip" to "How many days was the trip?"; not
    "Four people … wearing a cap with 64 electrodes" to "How many electrodes…?" (BBC b083)."""
    numbers = {n for t in _tokens(claim) if (n := _norm_number(t)) is not None}
    for text in evidence:
        tokens = _tokens(text)
        for i, tok in enumerate(tokens):
            if _norm_number(tok) in numbers:
                around = [_norm_word(t) for t in tokens[max(0, i - near): i + near + 1]]
                if any(w[:4] == a[:4] and len(a) > 2 for w in around for a in asked):
                    return True
    return False


def adds_negation(claim: str, evidence: Sequence[str]) -> bool:
    return bool(NEGATION.search(claim)) and not any(NEGATION.search(e) for e in evidence)


def asked_names(question: str, texts: Sequence[str]) -> set[str]:
    """Names the question gives (capitalised there) that some passage text or title has."""
    words, _ = _evidence_vocabulary(texts)
    return {w for t in _tokens(question) if t[0].isupper() and (w := _norm_word(t)) not in FUNCTION_WORDS
            and w in words}
