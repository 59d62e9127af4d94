"""Names capitalised again in a question typed all in lower (or upper) case.

The parser, the name checks and the span reader all read capitals: "who is the boss of yukos"
has no name for them, and "WHAT DID TONY BLAIR APOLOGISE FOR" is all names. Retrieval does not
care (BM25 and MiniLM both fold case), so the passages it finds for such a question show how
this corpus writes each of its words; each word takes the form those passages mostly give it
where it does not open a sentence ("Yukos", "BBC", "iPod", but "boss"). A question in mixed case
is the user's own casing and is left alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

WORD = re.compile(r"[^\W\d_]+")
SENTENCE_OPENERS = ".!?:;\"'\u201c\u2018(\n"  # a word after these may be capitalised only for its place


def single_case(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 1 and (all(c.islower() for c in letters) or all(c.isupper() for c in letters))


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\u00a0")
    return not before or before[-1] in SENTENCE_OPENERS


def corpus_forms(passages: Iterable[str]) -> dict[str, str]:
    """Per lowercased word, and per pair of adjacent words ("time warner"), the form the
    passages mostly give it inside a sentence: a name's parts are cased together ("Time
    Warner", though "time" alone is mostly lowercase)."""
    forms: defaultdict[str, Counter] = defaultdict(Counter)
    for text in passages:
        previous = None
        for m in WORD.finditer(text):
            if not _opens_sentence(text, m.start()):
                forms[m.group().lower()][m.group()] += 1
                if previous is not None and text[previous.end() : m.start()] == " ":
                    pair = f"{previous.group()} {m.group()}"
                    forms[pair.lower()][pair] += 1
            previous = m
    return {words: _majority(counts, words) for words, counts in forms.items()}


def _majority(counts: Counter, lower: str) -> str:
    """The most frequent form; the lowercase one unless another is written more often."""
    best, n = counts.most_common(1)[0]
    return best if n > counts.get(lower, 0) else lower


def recase(question: str, passages: Iterable[str]) -> str:
    """`question` with each word in its corpus form and a capital first letter, if it was typed
    in a single case; otherwise unchanged."""
    if not single_case(question):
        return question
    forms = corpus_forms(passages)
    text = question.lower()
    words = list(WORD.finditer(text))
    cased = {}
    for a, b in zip(words, words[1:]):  # pairs first: a name's parts cased together
        pair = forms.get(f"{a.group()} {b.group()}") if text[a.end() : b.start()] == " " else None
        if pair is not None and pair != pair.lower() and len(pair) == b.end() - a.start():
            cased[a.start()], cased[b.start()] = pair[: len(a.group())], pair[-len(b.group()) :]
    for m in words:
        found = forms.get(m.group())
        if m.start() not in cased and found is not None and len(found) == len(m.group()):
            cased[m.start()] = found
    for m in words:
        if m.start() in cased:
            text = text[: m.start()] + cased[m.start()] + text[m.end() :]
    first = WORD.search(text)
    if first is not None and text[first.start()].islower():
        text = text[: first.start()] + text[first.start()].upper() + text[first.start() + 1 :]
    return text
