"""Sentence spans inside a cleaned document: the unit of evidence and citation.

Sentences never cross a line break, so each one has an exact line number.
"""

from __future__ import annotations

import re
from functools import lru_cache

ABBREVIATIONS = ("u.s", "u.k", "u.n", "mr", "mrs", "ms", "dr", "st", "no", "jan", "feb", "aug", "sept",
                 "oct", "nov", "dec", "gov", "sen", "rep", "gen", "lt", "col", "calif", "a.m", "p.m", "inc",
                 "ltd", "co", "corp", "jr", "sr", "vs", "etc")


@lru_cache(maxsize=1)
def _punkt():
    """NLTK's Punkt splitter with news abbreviations, no data download needed."""
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of text, trimmed of whitespace."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        for start, end in _punkt().span_tokenize(line.group(0)):
            chunk = line.group(0)[start:end]
            stripped = chunk.strip()
            if not stripped:
                continue
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((base + start + lead, base + start + lead + len(stripped)))
    return spans
