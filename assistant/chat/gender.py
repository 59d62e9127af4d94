"""Which personal pronoun an article uses for a person: so "she" never becomes a man's name.

News text settles it in set patterns: a title ("Mr Hague", "Ms Ensler"), the name reporting
its own words ("Raimondo said she…"), or a sentence that opens with the name followed by one
that opens with "He"/"She". A pronoun merely somewhere after a name is not evidence: it is
as often the other party's ("Raimondo met Li, who said he…"). No vote, no verdict.
"""

from __future__ import annotations

import re

PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
HONORIFIC_GENDER = {"mr": "m", "ms": "f", "mrs": "f", "miss": "f"}
SUBJECT_PRONOUN = re.compile(r"^[\"\u201c]?([Hh]e|[Ss]he)\s+(?=[a-z])")  # not "He Lifeng is…"
REPORTED = re.compile(r"^,?\s+(?:said|says|told\s+\w+|added|insisted|stressed)\s+(?:that\s+)?(he|she)\b", re.I)
SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019']?\s+")
OPENING_WORDS = 6  # the name is the sentence's subject if it comes this early
MIN_MARGIN = 1


def pronoun_gender(pronoun: str) -> str | None:
    return PRONOUN_GENDER.get(pronoun.lower())


def _votes(surname: str, texts: list[str]) -> dict[str, int]:
    votes = {"m": 0, "f": 0}
    mention = re.compile(rf"(?:\b(Mr|Ms|Mrs|Miss)\.?\s+(?:[A-Z]\w+\s+)?)?\b{re.escape(surname)}\b")
    for text in texts:
        sentences = SENTENCE_END.split(text)
        for i, sentence in enumerate(sentences):
            for m in mention.finditer(sentence):
                if m.group(1):
                    votes[HONORIFIC_GENDER[m.group(1).lower()]] += 1
                if r := REPORTED.match(sentence[m.end() :]):
                    votes[PRONOUN_GENDER[r.group(1).lower()]] += 1
                opening = len(sentence[: m.start()].split()) < OPENING_WORDS
                if opening and i + 1 < len(sentences) and (p := SUBJECT_PRONOUN.match(sentences[i + 1])):
                    votes[PRONOUN_GENDER[p.group(1).lower()]] += 1
    return votes


def gender_of(name: str, texts: list[str]) -> str | None:
    """ "m", "f", or None when the texts do not settle it; read by the name's last word."""
    words = name.split()
    surname = re.sub(r"['\u2019]s$", "", words[-1]).rstrip(".,") if words else ""
    if len(surname) < 2:
        return None
    votes = _votes(surname, texts)
    if abs(votes["m"] - votes["f"]) < MIN_MARGIN:
        return None
    return "m" if votes["m"] > votes["f"] else "f"
