"""Counts and amounts in a sentence: which noun a number counts, and amounts that read as one.

"How many seats" is answered by a count of seats ("66 seats"), given with the counted noun; where a
sentence counts none of the asked noun, a number of things it calls otherwise may answer
(`counts_otherwise`: "flagged up eight security holes" for "how many flaws did it flag up?").
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.retrieve.nlp import Entity
from assistant.retrieve.answer_types import AMOUNTS, PERSON_NOUNS

if TYPE_CHECKING:
    from assistant.answer.span import ShortSpan

MERGE_GAP_CHARS = 8  # "76% to $1.13bn": two amounts this close make one span
COUNTED_WORD = re.compile(r"\s+(\w+)")
PEOPLE = {"people", "person"}  # the counted noun that any kind of person answers
SINGLE = {"one", "1", "a", "an"}  # a count of one thing


def counts_otherwise(e: Entity) -> bool:
    """Could the number count the asked thing under another noun: a count (not an amount or a date) of
    several things that completes its verb ("flagged up eight security holes"), not one in a phrase of
    circumstance ("won in three regions") nor a single thing ("one project")?"""
    return e.label == "CARDINAL" and e.role == "nummod" and not e.lemmas <= SINGLE and e.frame is None


def merge_amounts(spans: list[ShortSpan], sentence: str) -> list[ShortSpan]:
    """Adjacent amounts read as one answer: "jumped 76% to $1.13bn"."""
    out: list[ShortSpan] = []
    for s in spans:
        prev = out[-1] if out else None
        gap = sentence[prev.end : s.start] if prev else ""
        if prev and prev.label in AMOUNTS and s.label in AMOUNTS and len(gap) <= MERGE_GAP_CHARS \
                and not re.search(r"[,;()]", gap):
            out[-1] = replace(prev, text=sentence[prev.start : s.end], end=s.end, linked=prev.linked or s.linked,
                              headed=prev.headed or s.headed, asked=prev.asked or s.asked,
                              by_name=prev.by_name or s.by_name, of_actor=prev.of_actor or s.of_actor)
        else:
            out.append(s)
    return out


def with_counted(text: str, end: int, counted: str | None) -> int:
    """Where a count ends once the counted noun right after it is included: "how many languages" is
    answered by "15 languages", not "15"."""
    m = COUNTED_WORD.match(text, end)
    return m.end() if counted and m and m.group(1).lower().startswith(counted) else end


def counts(e: Entity, counted: str) -> bool:
    """Does the number count the asked noun ("66 seats"), or any kind of people when people are
    counted ("8,000 residents" for "how many people", not for "how many viewers")?"""
    return counted in e.near or counted in PEOPLE and bool(e.near & PERSON_NOUNS)
