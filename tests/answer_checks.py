"""Checks of an LLM answer written independently of the guard's code: what a user could verify by hand."""

from __future__ import annotations

import re
import unicodedata

MARKS = re.compile(r"((?:\s*\[\d+\])+)")
SENTENCE_STARTERS = set("the a an it he she they we this that these those there in on at as by for from with after "
                        "before because according but and so yet also however while although his her its their".split())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def sentences_with_marks(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence, its markers) for an answer of the form "S1 [1] S2 [1][2]"; a trailing unmarked part counts."""
    parts = MARKS.split(answer)
    out = []
    for i in range(0, len(parts), 2):
        text = parts[i].strip()
        marks = [int(n) for n in re.findall(r"\d+", parts[i + 1])] if i + 1 < len(parts) else []
        if text or marks:
            out.append((text, marks))
    return out


def specifics(sentence: str) -> list[str]:
    """Capitalised words and numbers of a sentence, checked independently of the guard's own code."""
    found = []
    for tok in re.findall(r"[^\W\d_][\w'’.-]*|\d[\d,.]*", sentence):
        tok = re.sub(r"['’]s?$", "", tok).rstrip(".,")
        if tok and (tok[0].isupper() or tok[0].isdigit()):
            found.extend(p for p in re.split(r"[-–]", tok) if p)
    return found


def assert_every_sentence_supported(answer, assistant) -> None:
    assert answer.answer.strip()
    by_n = {c.n: c for c in answer.citations}
    assert sorted(by_n) == list(range(1, len(by_n) + 1))
    for c in answer.citations:  # each quote is verbatim in the cleaned document at the cited lines and chars
        doc = assistant.documents[c.file]
        lines = "\n".join(doc.text.split("\n")[c.lines[0] - 1 : c.lines[1]])
        assert c.quote in lines, c
        assert doc.text[c.chars[0] : c.chars[1]] == c.quote
    used: set[int] = set()
    for sentence, marks in sentences_with_marks(answer.answer):
        assert sentence, f"a marker without a sentence in {answer.answer!r}"
        assert marks, f"unmarked sentence {sentence!r}"
        assert all(n in by_n for n in marks), (sentence, marks)
        used.update(marks)
        quotes = _fold(" ".join(by_n[n].quote for n in marks)).replace(".", "")
        for i, tok in enumerate(specifics(sentence)):
            if i == 0 and sentence.startswith(tok) and _fold(tok) in SENTENCE_STARTERS:
                continue
            if tok == "I":
                continue
            assert _fold(tok).replace(".", "") in quotes, f"{tok!r} of {sentence!r} is in none of its cited quotes"
    assert used == set(by_n), "every citation is used by a sentence"


