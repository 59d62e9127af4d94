"""Turn a follow-up question into a standalone query, without a language model.

Personal pronouns are replaced by the person the conversation is about: the name
the previous answer gave to a "who" question, else the name the previous question
asked about. Other references ("that", "it", "there", bare ellipsis like "And
Tai?") carry the previous query along so retrieval keeps the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERSON_PRONOUNS = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
OTHER_REFERENCES = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there|then|the same)\b", re.I)
ELLIPSIS_START = re.compile(r"^\s*(and|also|what about|how about|but|so)\b", re.I)
NAME = re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z]+|[A-Z]\.))+|\b[A-Z][a-z]{2,}\b")
NOT_NAMES = {"The", "A", "An", "China", "Chinese", "Beijing", "Washington", "United", "States", "U.S", "US",
             "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Who", "What",
             "When", "Where", "Why", "How", "Which", "Did", "Does", "Is", "Was", "In", "On", "At", "But",
             "Secretary", "Premier", "Minister", "President", "Vice", "Commerce", "State", "Treasury"}
MIN_STANDALONE_TERMS = 3


@dataclass
class Turn:
    question: str
    query: str
    answer: str
    abstained: bool


def _names(text: str) -> list[str]:
    names = []
    for m in NAME.finditer(text):
        words = [w for w in m.group(0).split() if w.rstrip(".") not in NOT_NAMES]
        if words and not (len(words) == 1 and m.start() == 0):
            names.append(" ".join(words))
    return names


def _antecedent(previous: Turn) -> str | None:
    asked = _names(previous.query)
    if re.match(r"^\s*(who|whom)\b", previous.question, re.I) and not previous.abstained:
        answered = [n for n in _names(previous.answer.split("[1]")[0]) if n not in asked]
        if answered:
            return answered[0]
    return asked[0] if asked else None


OBJECT_FOLLOWERS = {"to", "and", "or", "in", "on", "at", "about", "for", "with", "that", "from", "by", "during",
                    "after", "before", "when", "while", "if", "as", "into", "over"}


def _substitute(question: str, name: str) -> str:
    def repl(m: re.Match) -> str:
        word = m.group(0).lower()
        following = re.match(r"\s+([A-Za-z]+)", question[m.end():])
        possessive_her = word == "her" and following and following.group(1).lower() not in OBJECT_FOLLOWERS
        if word in ("his", "hers") or possessive_her:
            return f"{name}'s"
        return name

    return PERSON_PRONOUNS.sub(repl, question, count=1)


def is_follow_up(question: str) -> bool:
    words = re.findall(r"[A-Za-z']+", question)
    return bool(PERSON_PRONOUNS.search(question) or OTHER_REFERENCES.search(question)
                or ELLIPSIS_START.match(question) or len(words) < MIN_STANDALONE_TERMS)


def standalone_query(question: str, history: list[Turn]) -> str:
    if not history or not is_follow_up(question):
        return question
    previous = history[-1]
    if PERSON_PRONOUNS.search(question) and (name := _antecedent(previous)):
        rewritten = _substitute(question, name)
        if not OTHER_REFERENCES.search(rewritten) and not ELLIPSIS_START.match(rewritten):
            return rewritten
        question = rewritten
    return f"{question} (context: {previous.query})"
